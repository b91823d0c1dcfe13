/**
 * `npm run bench:scan`: throughput and peak memory of `rml audit` on a generated CSV, against the raw
 * read-and-split speed of the same file measured in the same run. Sizes: 25 MB and 100 MB by default
 * (BENCH_SCAN_SIZES=25,100), to show that memory does not grow with the file.
 *
 * Speeds are given twice: by wall time, and by CPU time (user + system of the child process, all its threads).
 * On a shared, loaded machine the wall time also measures the other processes; the CPU time is the work done.
 * The audit runs in one thread (`--threads 1`), and in the threads `rml audit` picks by default for the
 * file on this machine (at least two: split by column for two, by range for more), where the wall time is the
 * one that counts. BENCH_SCAN_SPLIT=columns or ranges sets `--split` for every thread count.
 * BENCH_SCAN_LABEL=1 audits with `--label sex --positive Female`: every column that can be is then kept for
 * the fairness analyses (dataset bias, proxies, leakage), the memory figure that matters with a label.
 * BENCH_SCAN_PREDICTION=1 audits a model's output instead: the file gains `approved`, `approved_pred` and
 * `approved_score` (`scan-<MB>mb-pred.csv`), audited with `--label approved --positive 1 --prediction
 * approved_pred --score approved_score` (the prediction audit by age band and sex, ROC AUC and calibration).
 * BENCH_SCAN_FORMAT=jsonl or json writes the same rows as JSON Lines or a JSON array (one object per line),
 * and the raw reference then reads the file and JSON.parses each line.
 * BENCH_SCAN_WIDE=2000 writes a wide table instead (`scan-wide2000-<MB>mb.csv`: an id, age, sex, an outcome
 * and 2,000 features, nearly every value distinct in its column; `generateWideCsv`): a table made large by
 * its columns rather than its rows, where each column's share of the exact values is small.
 * BENCH_SCAN_DOCS=500000 writes a corpus instead (`scan-docs500000-<MB>mb.csv`: an id, an author and a
 * document of about that many characters, with sporadic e-mail addresses and phone numbers;
 * `generateDocumentsCsv`): a file made large by its values' length, whose columns keep long values.
 * BENCH_SCAN_NOTES=ru writes notes in Russian instead (`scan-notes-ru-<MB>mb.csv`: an id and one to four
 * sentences, a name in one of five; `generateNotesCsv`): text in Cyrillic, searched for names. `zh`, in Chinese
 * (`scan-notes-zh-<MB>mb.csv`): a name before a title in one sentence of five.
 * BENCH_SCAN_COMPRESS=gzip audits the file gzip-compressed (`<file>.gz`, level 6), which `rml audit` reads
 * through in one thread; speeds are on the bytes of the text, against the raw read of the plain file.
 * BENCH_SCAN_FILES=8 also audits each size's file given 8 times in one audit, one after another (`--threads
 * 1`) and by default, which scans files under 40 MB two at a time, one a thread (`scanFiles.ts`).
 * Each measurement is the best of BENCH_SCAN_REPEAT runs (default 2). With several sizes, it also prints the
 * speed on the bytes each larger file adds and the fixed cost left at the smaller one.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { defaultThreads } from '../../src/worker/scanThreads';
import { generateCsv, generateDocumentsCsv, generateNotesCsv, generateWideCsv } from './generate';

// BENCH_ROOT: where dist/ is, for a bundled copy of this script run elsewhere (a machine with more cores).
const root = process.env.BENCH_ROOT ?? path.resolve(__dirname, '../..');
const outDir = path.join(root, 'bench/out');

interface Measure {
  /** Wall time of the work, start-up excluded. */
  seconds: number;
  /** User + system CPU time over the same span (all the process's threads: the garbage collector's too). */
  cpuSeconds: number;
  maxRssMb: number;
}

/** Runs `script` in a fresh Node process and reads back its wall time and peak resident memory. */
/** Runs of each measurement (`BENCH_SCAN_REPEAT`, default 2). */
const repeat = Math.max(1, Number(process.env.BENCH_SCAN_REPEAT ?? 2));

/**
 * The best of {@link repeat} runs in fresh processes: the least CPU time and the least wall time, each of
 * its own run, and the highest peak. Other work on a shared machine only ever adds time, so the least is the
 * closest to the audit's own; a peak is the audit's own in every run, so the highest is the one to keep
 * under the aim.
 */
function measure(script: string, args: string[]): Measure {
  let best: Measure | undefined;
  for (let i = 0; i < repeat; i++) {
    const res = spawnSync(process.execPath, ['-e', script, '--', ...args], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    if (res.status !== 0) throw new Error(`benchmark child failed (${res.status}): ${res.stderr}`);
    const last = res.stdout.trim().split('\n').pop() ?? '';
    const m = JSON.parse(last) as Measure;
    best = best
      ? {
          ...m,
          seconds: Math.min(best.seconds, m.seconds),
          cpuSeconds: Math.min(best.cpuSeconds, m.cpuSeconds),
          maxRssMb: Math.max(best.maxRssMb, m.maxRssMb),
        }
      : m;
  }
  return best as Measure;
}

const rawReadAndSplit = `
const fs = require('fs');
const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
let rest = '', fields = 0;
const s = fs.createReadStream(process.argv[process.argv.length - 1], { encoding: 'utf8', highWaterMark: 1 << 20 });
s.on('data', (chunk) => {
  const lines = (rest + chunk).split('\\n');
  rest = lines.pop();
  for (const l of lines) fields += l.split(',').length;
});
s.on('end', () => {
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({ seconds, cpuSeconds: (c.user + c.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024, fields }));
});`;

/** The reference for JSON: each line parsed with JSON.parse (the generator writes one object per line). */
const rawReadAndParse = `
const fs = require('fs');
const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
let rest = '', fields = 0;
const s = fs.createReadStream(process.argv[process.argv.length - 1], { encoding: 'utf8', highWaterMark: 1 << 20 });
const line = (l) => {
  if (l.charCodeAt(0) !== 123) return;
  fields += Object.keys(JSON.parse(l.endsWith(',') ? l.slice(0, -1) : l)).length;
};
s.on('data', (chunk) => {
  const lines = (rest + chunk).split('\\n');
  rest = lines.pop();
  for (const l of lines) line(l);
});
s.on('end', () => {
  line(rest);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({ seconds, cpuSeconds: (c.user + c.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024, fields }));
});`;

// The report goes to a file, as a user's would: writing it is part of the audit's time and memory.
const audit = `
const { main } = require('./dist/cli.js');
const fs = require('fs'), os = require('os'), path = require('path');
const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
const sink = { write() { return true; }, isTTY: false };
const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rml-bench-')), 'report.json');
const split = process.env.BENCH_SCAN_SPLIT ? ['--split', process.env.BENCH_SCAN_SPLIT] : [];
const label = process.env.BENCH_SCAN_PREDICTION
  ? ['--label', 'approved', '--positive', '1', '--prediction', 'approved_pred', '--score', 'approved_score']
  : process.env.BENCH_SCAN_LABEL ? ['--label', 'sex', '--positive', 'Female'] : [];
// A wide table is read whole (its features and the id, age, sex and outcome), past the default 16,384 columns.
const wide = process.env.BENCH_SCAN_WIDE ? ['--max-columns', String(Number(process.env.BENCH_SCAN_WIDE) + 4)] : [];
// The file, given this many times (several files of one audit), and the thread count ('default': none given).
const [file, threads, copies] = process.argv.slice(-3);
const count = threads === 'default' ? [] : ['--threads', threads];
main(['audit', ...Array(Number(copies)).fill(file), '--format', 'json', '--output', report, ...count, ...split, ...label, ...wide], { stdout: sink, stderr: process.stderr, cwd: process.cwd(), env: {} }).then((code) => {
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  fs.rmSync(path.dirname(report), { recursive: true, force: true });
  if (code > 1) process.exit(3);
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({ seconds, cpuSeconds: (c.user + c.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
});`;

/**
 * The speed on the bytes a larger file adds, between consecutive sizes, and the time left over at the smaller
 * size: what an audit costs whatever the file's size (reading the first values of each column closely, the
 * exact counts before a column turns to sketches, compiling the hot code, the analyses at the end). The speed
 * of a small file is mostly that; the added bytes' speed is the streaming rate.
 */
function printMarginal(runs: Map<number, { bytes: number; cpuSeconds: number; seconds: number }[]>): void {
  const lines: string[] = [];
  for (const [t, list] of runs) {
    const sorted = [...list].sort((x, y) => x.bytes - y.bytes);
    for (let i = 1; i < sorted.length; i++) {
      const a = sorted[i - 1]!;
      const b = sorted[i]!;
      const added = b.bytes - a.bytes;
      if (added <= 0 || b.cpuSeconds <= a.cpuSeconds || b.seconds <= a.seconds) continue;
      const cpu = added / (b.cpuSeconds - a.cpuSeconds);
      const wall = added / (b.seconds - a.seconds);
      lines.push(
        `| ${a.bytes.toFixed(0)} → ${b.bytes.toFixed(0)} MB | ${t} | ${cpu.toFixed(1)} MB/s (${wall.toFixed(1)}) | ` +
          `${(a.cpuSeconds - a.bytes / cpu).toFixed(2)} s (${(a.seconds - a.bytes / wall).toFixed(2)}) |`,
      );
    }
  }
  if (lines.length === 0) return;
  console.log('\n| added bytes | threads | their speed | fixed cost at the smaller size |');
  console.log('|---|---|---|---|');
  for (const l of lines) console.log(l);
}

/**
 * What every `rml` process costs before an audit starts, which the measurements above leave out: the best
 * wall time of five `rml --version` runs with the CLI's code cache (in a folder of this run, written by a
 * first run) and without (`RML_CODE_CACHE=off`), against Node starting alone (`node -e 0`).
 */
function printStartup(): void {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-bench-cache-'));
  const bin = path.join(root, 'bin/rml.js');
  const time = (args: string[], cache: string): number => {
    const t0 = process.hrtime.bigint();
    const res = spawnSync(process.execPath, args, {
      cwd: root,
      env: { ...process.env, RML_CODE_CACHE: cache },
    });
    if (res.status !== 0) throw new Error(`start-up run failed (${res.status}): ${String(res.stderr)}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  try {
    time([bin, '--version'], cacheDir);
    const best = { node: Infinity, cached: Infinity, off: Infinity };
    for (let i = 0; i < 5; i++) {
      best.node = Math.min(best.node, time(['-e', '0'], 'off'));
      best.cached = Math.min(best.cached, time([bin, '--version'], cacheDir));
      best.off = Math.min(best.off, time([bin, '--version'], 'off'));
    }
    console.log(
      `\nStart-up, not in the times above (best of 5, wall): \`rml --version\` ${best.cached.toFixed(0)} ms with ` +
        `the code cache, ${best.off.toFixed(0)} ms without; Node alone (\`node -e 0\`) ${best.node.toFixed(0)} ms.`,
    );
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

function main(): void {
  if (!process.env.BENCH_SCAN_NO_BUILD)
    execFileSync(process.execPath, ['esbuild.js', '--production'], { cwd: root, stdio: 'inherit' });
  fs.mkdirSync(outDir, { recursive: true });
  const sizes = (process.env.BENCH_SCAN_SIZES ?? '25,100').split(',').map(Number);
  const rows: string[] = [];
  // BENCH_SCAN_FILES=N: an audit of N files as well, one after another and side by side.
  const copies = Math.max(1, Number(process.env.BENCH_SCAN_FILES ?? 1));
  const files: string[] = [];
  // Each audit by thread count, for the speed between sizes below.
  const runs = new Map<number, { bytes: number; cpuSeconds: number; seconds: number }[]>();
  for (const mb of sizes) {
    const predictions = Boolean(process.env.BENCH_SCAN_PREDICTION);
    const format = (process.env.BENCH_SCAN_FORMAT ?? 'csv') as 'csv' | 'json' | 'jsonl';
    const wide = Number(process.env.BENCH_SCAN_WIDE ?? 0);
    const docs = Number(process.env.BENCH_SCAN_DOCS ?? 0);
    const notes = process.env.BENCH_SCAN_NOTES;
    if (notes !== undefined && notes !== 'ru' && notes !== 'zh')
      throw new Error('BENCH_SCAN_NOTES takes ru or zh.');
    if ((wide > 0 || docs > 0 || notes) && (predictions || format !== 'csv'))
      throw new Error('BENCH_SCAN_WIDE, BENCH_SCAN_DOCS and BENCH_SCAN_NOTES write CSV without predictions.');
    const file = path.join(
      outDir,
      wide > 0
        ? `scan-wide${wide}-${mb}mb.csv`
        : docs > 0
          ? `scan-docs${docs}-${mb}mb.csv`
          : notes
            ? `scan-notes-${notes}-${mb}mb.csv`
            : `scan-${mb}mb${predictions ? '-pred' : ''}.${format}`,
    );
    if (!fs.existsSync(file)) {
      const n =
        wide > 0
          ? generateWideCsv(file, mb * 1e6, wide)
          : docs > 0
            ? generateDocumentsCsv(file, mb * 1e6, docs)
            : notes
              ? generateNotesCsv(file, mb * 1e6, notes)
              : generateCsv(file, mb * 1e6, 42, { predictions, format });
      console.log(`generated ${path.relative(root, file)}: ${n.toLocaleString('en-US')} rows`);
    }
    const bytes = fs.statSync(file).size / 1e6;
    // BENCH_SCAN_COMPRESS=gzip: the audit reads the gzip-compressed copy; the reference, the plain text.
    const compress = process.env.BENCH_SCAN_COMPRESS;
    if (compress && compress !== 'gzip') throw new Error('BENCH_SCAN_COMPRESS takes gzip.');
    const audited = compress ? `${file}.gz` : file;
    if (compress && !fs.existsSync(audited))
      fs.writeFileSync(audited, zlib.gzipSync(fs.readFileSync(file), { level: 6 }));
    // Warm the page cache so neither side pays for the disk.
    const reference = format === 'csv' ? rawReadAndSplit : rawReadAndParse;
    measure(reference, [file]);
    const raw = measure(reference, [file]);
    // One thread, and what `rml audit` picks by default for this file on this machine (at least two), or the
    // counts in BENCH_SCAN_THREADS (e.g. 1,2,4,8).
    const threads = process.env.BENCH_SCAN_THREADS
      ? process.env.BENCH_SCAN_THREADS.split(',').map(Number)
      : [1, Math.max(2, defaultThreads(fs.statSync(file).size))];
    if (copies > 1) {
      const one = measure(audit, [audited, '1', String(copies)]);
      const side = measure(audit, [audited, 'default', String(copies)]);
      const speed = (m: Measure) =>
        `${((copies * bytes) / m.cpuSeconds).toFixed(1)} MB/s (${((copies * bytes) / m.seconds).toFixed(1)})`;
      files.push(
        `| ${bytes.toFixed(0)} MB | ${speed(one)} | ${one.maxRssMb.toFixed(0)} MB | ${speed(side)} | ` +
          `${side.maxRssMb.toFixed(0)} MB |`,
      );
    }
    for (const t of threads) {
      const rml = measure(audit, [audited, String(t), '1']);
      runs.set(t, [...(runs.get(t) ?? []), { bytes, cpuSeconds: rml.cpuSeconds, seconds: rml.seconds }]);
      rows.push(
        `| ${bytes.toFixed(0)} MB | ${(bytes / raw.cpuSeconds).toFixed(1)} MB/s (${(bytes / raw.seconds).toFixed(1)}) | ${raw.maxRssMb.toFixed(0)} MB | ` +
          `${t} | ${(bytes / rml.cpuSeconds).toFixed(1)} MB/s (${(bytes / rml.seconds).toFixed(1)}) | ${rml.maxRssMb.toFixed(0)} MB | ` +
          `${(raw.cpuSeconds / rml.cpuSeconds).toFixed(3)} (${(raw.seconds / rml.seconds).toFixed(3)}) |`,
      );
    }
  }
  const load = os.loadavg()[0]!.toFixed(1);
  console.log(
    `\nMachine: ${os.cpus().length} cores, load average ${load}. Speeds by CPU time (by wall time in brackets), ` +
      `best of ${repeat} runs; peaks the highest.` +
      (process.env.BENCH_SCAN_WIDE ? ` Wide table: ${process.env.BENCH_SCAN_WIDE} feature columns.` : '') +
      (process.env.BENCH_SCAN_DOCS
        ? ` Corpus: documents of ${process.env.BENCH_SCAN_DOCS} characters.`
        : '') +
      (process.env.BENCH_SCAN_NOTES
        ? ` Notes in ${process.env.BENCH_SCAN_NOTES === 'zh' ? 'Chinese' : 'Russian'}.`
        : '') +
      (process.env.BENCH_SCAN_FORMAT && process.env.BENCH_SCAN_FORMAT !== 'csv'
        ? ` Format ${process.env.BENCH_SCAN_FORMAT}: the raw reference reads and JSON.parses each line.`
        : '') +
      (process.env.BENCH_SCAN_COMPRESS
        ? ' Audited gzip-compressed (one thread whatever the count); speeds on the bytes of the text.'
        : '') +
      (process.env.BENCH_SCAN_PREDICTION
        ? ' Audited with --label approved --prediction approved_pred --score approved_score.'
        : process.env.BENCH_SCAN_LABEL
          ? ' Audited with --label sex --positive Female.'
          : ''),
  );
  console.log(
    '\n| file | raw read+split | raw peak RSS | threads | rml audit | audit peak RSS | audit / raw speed |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  printMarginal(runs);
  if (files.length > 0) {
    console.log(
      `\n${copies} files of one audit (the same file given ${copies} times): one after another ` +
        '(`--threads 1`) and by default (files under 40 MB two at a time, one a thread)\n',
    );
    console.log('| each file | one after another | peak | by default | peak |');
    console.log('|---|---|---|---|---|');
    for (const l of files) console.log(l);
  }
  printStartup();
  console.log('\nAim: rml audit >= 40 MB/s and < 300 MB peak memory, independent of file size.');
}

main();
