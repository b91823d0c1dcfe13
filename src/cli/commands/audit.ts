import * as fs from 'fs';
import * as path from 'path';
import { severityRank, SEVERITIES, type Finding, type Severity } from '../../core/findings';
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../../core/policy';
import { toSarif } from '../../core/report/sarif';
import type { AuditReport } from '../../core/report/auditReport';
import { collectAfterReading, collectorForScan } from '../../worker/collect';
import { scanFilesEach, type FileScan } from '../../worker/scanFiles';
import { countBySeverity, formatAuditText } from '../auditText';
import { UsageError, type CliCommand, type CliIo, parseCommandLine } from '../command';
import { writeJson } from '../jsonOut';
import { loadRuleSections } from '../ruleDocs';
import { writeAllSync, writeThroughTemporary } from '../writeFile';
import { version } from '../version';
import { scanDataset } from '../../core/scan';
import { isPhoneRegion } from '../../core/privacy/detectors';
import { memberOptions, type ArchiveMember } from '../../core/data/compressed';
import { archiveMemberAt, archiveMembersOf, memberName, unreadableFile } from '../../worker/scannedFile';
import { count, groupDigits } from '../../core/numberText';

/** How standard input is named in reports and findings. */
const STDIN_NAME = '<stdin>';

const usage = `Usage: rml audit <file...|-> [options]

Scans CSV, TSV, JSON and JSONL datasets (gzip, Zstandard, xz and bzip2 files too, and the tables of a ZIP
or tar archive, each on its own, or one named inside it: data.zip/train.csv, data.tar.gz/train.csv) for
personal data, re-identification risk, protected attributes, bias and data-quality faults; with --prediction,
audits a model's predictions per group.

Options:
  --format text|json|sarif   Output format (default: text).
  --policy FILE              Workspace policy (default: the nearest responsible-ml.json above the file).
  --label COL                Label (outcome) column.
  --positive VALUE           A label/prediction value that counts as the positive outcome (repeatable).
  --prediction COL           Column with the model's predicted outcome: audit the predictions per group.
  --score COL                Column with the predicted probability of the positive outcome.
  --group COL                Attribute to audit by (repeatable; default: the protected attributes found).
  --fail-on SEVERITY         Exit with status 1 when a finding is at least this severe (error|warning|info|hint).
  --max-findings N           Cap per rule per file (default: 1000, or the policy's).
  --region CC                The country whose phone numbers written without + are looked for (ISO
                             3166-1 alpha-2: GB, DE, ES, ...; default: the policy's, else US).
  --max-columns N            Columns read of a file (default: 16384, or the policy's); a wider file's
                             other columns are not audited, and a data/too-many-columns error says so.
  --output FILE              Write the output to FILE instead of standard output.
  --threads N                Threads for a large file (default: three on three cores or more, two on
                             two, one for files under 40 MB, JSON, long text cells, compressed files, and
                             fewer for a wide table or with a label, within about 300 MB). Up to three
                             split the columns, byte for byte the one-thread report, 20 to 55 MB a
                             thread; four or more split a CSV, TSV, JSON Lines or JSON file into 1 MB
                             ranges, the same report for any N, faster on many cores at 65 to 95 MB a
                             thread. Without it, files under 40 MB are scanned two at a time, one a
                             thread, when they come to 40 MB together; with it, each as N says, in turn.
  --split columns|ranges     How threads share the work (default: columns up to three, ranges from four).
                             By column, each thread reads the whole file: less memory per thread, and
                             the one-thread report byte for byte.
  --stdin-name NAME          The name of the dataset read from standard input ('-'), as its findings and
                             SARIF locations show it, its format by extension and its policy by folder
                             (default: <stdin>, the format from its content, the policy above the
                             working folder).
  --no-color                 Plain text output.

JSON output: one report object for one file, an array of them for several (see the README). A file
that cannot be read, or whose scan fails (a read error), is named on standard error; the others are
still audited.
Exit status: 0 clean, 1 a finding reached --fail-on, 2 usage or input errors (such a file included).`;

function findPolicy(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    const p = path.join(dir, 'responsible-ml.json');
    if (fs.existsSync(p)) return p;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function loadPolicy(
  file: string | undefined,
  io: CliIo,
): { policy: Policy; problems: Finding[]; file?: string } {
  if (!file) return { policy: DEFAULT_POLICY, problems: [] };
  const text = fs.readFileSync(file, 'utf8');
  const { policy, problems } = parsePolicy(text, path.relative(io.cwd, file) || file);
  return { policy, problems, file };
}

/** Files this large get a progress line on a terminal: a few seconds' work at the scanner's speed. */
export const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;

/**
 * A progress line on standard error, rewritten in place at most four times a second, for a large file when
 * standard error is a terminal (never in CI logs or pipes): the share read, megabytes, and speed.
 */
export function progressLine(
  io: CliIo,
  file: string,
  size: number,
  minBytes = PROGRESS_MIN_BYTES,
): { update: (bytesRead: number) => void; clear: () => void } | undefined {
  if (!io.stderr.isTTY || size < minBytes) return undefined;
  const start = Date.now();
  // The first line after a quarter of a second: a scan that ends sooner shows none.
  let last = start;
  let shown = false;
  const mb = (b: number) => (b / 1e6).toFixed(1);
  return {
    update(bytesRead) {
      const now = Date.now();
      if (now - last < 250) return;
      last = now;
      const seconds = (now - start) / 1000;
      const pct = Math.min(100, Math.floor((100 * bytesRead) / size));
      const speed = seconds > 0 ? ` · ${mb(bytesRead / seconds)} MB/s` : '';
      io.stderr.write(`\r\u001b[K${file}: ${pct}% · ${mb(bytesRead)} of ${mb(size)} MB${speed}`);
      shown = true;
    },
    clear() {
      if (shown) io.stderr.write('\r\u001b[K');
    },
  };
}

export const auditCommand: CliCommand = {
  name: 'audit',
  summary: 'Scan datasets for privacy, bias and quality risks; audit predictions per group.',
  usage,
  async run(argv, io) {
    const parsed = parseCommandLine(argv, {
      format: { type: 'string', default: 'text' },
      policy: { type: 'string' },
      label: { type: 'string' },
      positive: { type: 'string', multiple: true },
      prediction: { type: 'string' },
      score: { type: 'string' },
      group: { type: 'string', multiple: true },
      'fail-on': { type: 'string' },
      'max-findings': { type: 'string' },
      region: { type: 'string' },
      'max-columns': { type: 'string' },
      output: { type: 'string' },
      threads: { type: 'string' },
      split: { type: 'string' },
      'no-color': { type: 'boolean', default: false },
      'stdin-name': { type: 'string' },
    });
    const { values: o, positionals: files } = parsed;
    if (files.length === 0)
      throw new UsageError("give at least one dataset file, or '-' for standard input.");
    if (o['stdin-name'] !== undefined && !files.includes('-'))
      throw new UsageError("--stdin-name names standard input, which is read only when '-' is given.");
    const format = o.format;
    if (format !== 'text' && format !== 'json' && format !== 'sarif') {
      throw new UsageError(`--format must be text, json or sarif (got '${format}').`);
    }
    const failOn = o['fail-on'];
    if (failOn !== undefined && !SEVERITIES.includes(failOn as Severity)) {
      throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')} (got '${failOn}').`);
    }
    let maxFindings: number | undefined;
    if (o['max-findings'] !== undefined) {
      maxFindings = Number(o['max-findings']);
      if (!Number.isInteger(maxFindings) || maxFindings < 1) {
        throw new UsageError(`--max-findings must be a positive integer (got '${o['max-findings']}').`);
      }
    }
    const region = o.region?.toUpperCase();
    if (region !== undefined && !isPhoneRegion(region)) {
      throw new UsageError(
        `--region must be a country code as ISO 3166-1 gives it (got '${o.region}'${region === 'UK' ? '; the United Kingdom is GB' : ''}).`,
      );
    }
    let maxColumns: number | undefined;
    if (o['max-columns'] !== undefined) {
      maxColumns = Number(o['max-columns']);
      if (!Number.isInteger(maxColumns) || maxColumns < 1) {
        throw new UsageError(`--max-columns must be a positive integer (got '${o['max-columns']}').`);
      }
    }

    let threads: number | undefined;
    if (o.threads !== undefined) {
      threads = Number(o.threads);
      if (!Number.isInteger(threads) || threads < 1) {
        throw new UsageError(`--threads must be a positive integer (got '${o.threads}').`);
      }
    }

    const split = o.split;
    if (split !== undefined && split !== 'columns' && split !== 'ranges') {
      throw new UsageError(`--split must be columns or ranges (got '${split}').`);
    }

    const inputErrors: string[] = [];
    const policyProblems: Finding[] = [];
    const seenPolicies = new Set<string>();
    /** Each file to scan, its name, and the index of the argument that gave it. */
    const scans: (FileScan & { name: string; arg: number })[] = [];
    // `-` is standard input (`zcat data.csv.gz | rml audit -`), read once, in this thread, as it comes: it is
    // never written to disk, where a file of personal data would outlive the audit.
    const stdinAt = files.indexOf('-');
    if (stdinAt !== files.lastIndexOf('-')) throw new UsageError("give standard input ('-') once.");
    let stdinScan: FileScan['options'] | undefined;
    // The policy of a file in `dir` (or --policy's), its problems reported once whatever files share it.
    const policyFor = (dir: string): Policy => {
      const policyFile = o.policy ? path.resolve(io.cwd, o.policy) : findPolicy(dir);
      const { policy, problems } = loadPolicy(policyFile, io);
      if (policyFile && !seenPolicies.has(policyFile)) {
        seenPolicies.add(policyFile);
        policyProblems.push(...problems);
      }
      return policy;
    };
    for (const [arg, f] of files.entries()) {
      if (f === '-') {
        const named = o['stdin-name'];
        const policy = policyFor(named ? path.dirname(path.resolve(io.cwd, named)) : io.cwd);
        stdinScan = scanOptions(named ?? STDIN_NAME, policy);
        continue;
      }
      const abs = path.resolve(io.cwd, f);
      // A table inside an archive, named as the audit of the archive names it (`k.zip/data/train.csv`).
      const inside = await archiveMemberAt(abs, f);
      if (inside && 'error' in inside) {
        inputErrors.push(inside.error);
        continue;
      }
      if (inside) {
        const policy = policyFor(path.dirname(inside.archive));
        scans.push({ name: f, file: inside.archive, arg, options: scanOptions(f, policy, inside.member) });
        continue;
      }
      const unreadable = unreadableFile(abs, f);
      if (unreadable) {
        inputErrors.push(unreadable);
        continue;
      }
      const policy = policyFor(path.dirname(abs));
      // An archive's tables (ZIP or tar) are audited each on its own, named inside it when it holds several.
      const members = await archiveMembersOf(abs, f);
      if (members) {
        for (const m of members) {
          const name = members.length > 1 ? `${f}/${memberName(m)}` : f;
          scans.push({ name, file: abs, arg, options: scanOptions(name, policy, m) });
        }
      } else scans.push({ name: f, file: abs, arg, options: scanOptions(f, policy) });
    }
    function scanOptions(fileName: string, policy: Policy, member?: ArchiveMember): FileScan['options'] {
      return {
        fileName,
        ...memberOptions(member),
        policy: region ? { ...policy, region } : policy,
        label: o.label,
        positive: o.positive,
        prediction: o.prediction,
        score: o.score,
        groups: o.group,
        maxFindingsPerRule: maxFindings,
        ...(maxColumns !== undefined ? { maxColumns } : {}),
        afterReading: collectAfterReading,
      };
    }
    // Small files are scanned side by side (see `scanFiles.ts`); a progress line shows those in this thread.
    // A file whose scan fails outright (a read error, a thread out of memory) is told and the others go on:
    // in CI one such file must not hide every other file's findings.
    const results: (AuditReport | Error)[] = new Array<AuditReport | Error>(scans.length);
    await scanFilesEach(
      scans,
      { ...(threads !== undefined ? { threads } : {}), ...(split ? { split } : {}) },
      {
        onDone: (i, result) => (results[i] = result),
        onStart: (i) => {
          const f = scans[i]!;
          // An archive's table: its compressed bytes, or a plain tar archive's; a compressed tar archive is
          // read from its start, as far as the table.
          const tar = f.options.tarMember;
          const bytes =
            f.options.zipMember?.entry.compressedSize ??
            (tar && !tar.compression ? tar.size : fs.statSync(f.file).size);
          const progress = progressLine(io, f.name, bytes);
          // One a file: its mark is the file's (see `collectorForScan`).
          const collector = collectorForScan();
          return {
            options: {
              ...(progress ? { onProgress: progress.update } : {}),
              whileReading: collector,
              betweenAnalyses: collector,
            },
            ...(progress ? { done: progress.clear } : {}),
          };
        },
      },
    );
    const named = scans.map((s) => s.name);
    if (stdinScan) {
      // In its place among the files given, so that reports come in the order of the command line.
      const at = scans.filter((s) => s.arg < stdinAt).length;
      let result: AuditReport | Error;
      try {
        if (!io.stdin) throw new Error('this process has no standard input.');
        if ((io.stdin as { isTTY?: boolean }).isTTY)
          throw new Error(
            'standard input is a terminal: pipe a dataset into it (cat data.csv | rml audit -).',
          );
        const collector = collectorForScan();
        result = await scanDataset(io.stdin as AsyncIterable<Uint8Array>, {
          ...stdinScan,
          whileReading: collector,
          betweenAnalyses: collector,
        });
      } catch (e) {
        result = e instanceof Error ? e : new Error(String(e));
      }
      results.splice(at, 0, result);
      named.splice(at, 0, stdinScan.fileName ?? STDIN_NAME);
    }
    const reports: AuditReport[] = [];
    results.forEach((r, i) => {
      if (r instanceof Error) inputErrors.push(`${named[i]!}: the scan failed: ${r.message}`);
      else reports.push(r);
    });

    const allFindings = [...policyProblems, ...reports.flatMap((r) => r.findings)];
    // JSON and SARIF are written in pieces (see `writeJson`), text as one string.
    let text: string | undefined;
    let json: unknown;
    if (format === 'json') {
      json = reports.length === 1 ? reports[0] : reports;
    } else if (format === 'sarif') {
      json = toSarif(allFindings, { toolVersion: version, root: io.cwd, ruleHelp: loadRuleSections() });
    } else {
      const colour = !o['no-color'] && !o.output && Boolean(io.stdout.isTTY) && !io.env.NO_COLOR;
      const parts = reports.map((r) => formatAuditText(r, { colour }));
      if (policyProblems.length) {
        parts.unshift(
          [
            'Policy problems:',
            ...policyProblems.map(
              (p) => `  ${p.file}:${p.location?.line}:${p.location?.startColumn} ${p.message}`,
            ),
          ].join('\n'),
        );
      }
      if (reports.length > 1) {
        const c = countBySeverity(allFindings);
        parts.push(
          `${reports.length} files: ${count(c.error, 'error')}, ${count(c.warning, 'warning')}, ${groupDigits(c.info)} info, ${count(c.hint, 'hint')}`,
        );
      }
      text = parts.join('\n\n');
    }
    const emit = (write: (piece: string) => void): void => {
      if (text !== undefined) write(text);
      else writeJson(json, write);
      write('\n');
    };
    if (o.output) {
      writeThroughTemporary(path.resolve(io.cwd, o.output), (fd) => emit((piece) => writeAllSync(fd, piece)));
    } else {
      emit((piece) => io.stdout.write(piece));
    }
    for (const e of inputErrors) io.stderr.write(`rml audit: ${e}\n`);
    if (inputErrors.length) return 2;
    if (failOn && allFindings.some((f) => severityRank(f.severity) >= severityRank(failOn as Severity)))
      return 1;
    return 0;
  },
};
