/**
 * `rml fix`: mitigations that write something new beside the user's data and never touch the original.
 * - `reweigh`: a copy of the dataset with a Kamiran & Calders instance-weight column.
 * - `thresholds`: per-group thresholds on a score column (Hardt et al. post-processing), as JSON.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { DataFormat, DataRow, TableHeader } from '../../core/data/table';
import type { Finding } from '../../core/findings';
import { readTable } from '../../core/data/readTable';
import { decompressWhole, memberOptions, withoutGzipExtension } from '../../core/data/compressed';
import { encodeCategorical, type CategoricalColumn } from '../../core/data/encoded';
import { datasetBias } from '../../core/fairness/datasetBias';
import { combineColumns, reweigh } from '../../core/fairness/mitigation/reweighing';
import { optimizeThresholds, type FairnessConstraint } from '../../core/fairness/mitigation/thresholds';
import { MISSING_OUTCOME_TOKENS, OutcomeMappingError, toBinaryOutcome } from '../../core/fairness/positives';
import { fmt } from '../../core/fairness/stats';
import { UsageError, type CliCommand, type CliIo, parseCommandLine } from '../command';
import { datasetSource, derivedFrom, openScanned, type DatasetSource } from '../../worker/scannedFile';
import { writeThroughTemporary } from '../writeFile';
import { count } from '../../core/numberText';

const usage = `Usage: rml fix <transform> FILE [options]

Mitigations that write a new file beside the dataset; the dataset itself is never modified. FILE may be a
table inside a ZIP or tar archive, named as rml audit names it (titanic.zip/train.csv).

Transforms:
  reweigh FILE      Write a copy of FILE with an instance-weight column (Kamiran & Calders reweighing) under
                    which the label is independent of the group: train with these weights.
  thresholds FILE   Fit per-group decision thresholds on a score column (Hardt et al. 2016) that satisfy
                    demographic parity or equalized odds with the best accuracy; write them and the
                    resulting metrics as JSON.

Options:
  --label COL               Label (outcome) column. Required.
  --group COL               Protected attribute (repeatable: groups are the combinations). Required.
  --positive VALUE          Label value that is the positive outcome (repeatable; not needed for 1/0 or true/false).
  --out FILE                Output file (default: <name>.reweighed.<ext> or <name>.thresholds.json beside FILE;
                            a compressed file's or an archive's copy is written uncompressed; a table
                            in an archive's beside it, as <archive>.<table>.reweighed.csv).
  --force                   Replace the output file if it exists (never the input).
  reweigh:
  --weight-column NAME      Name of the added column (default: weight).
  thresholds:
  --score COL               Score column (probability or any score; higher means more likely positive). Required.
  --constraint NAME         demographic_parity (default) or equalized_odds.

Exit status: 0 written, 1 input error (nothing written), 2 usage error.`;

interface LoadedTable {
  header: TableHeader;
  rows: (string | undefined)[][];
  problems: Finding[];
  bytes: Buffer;
  /** The archive's file read (ZIP or tar), when the input was one. */
  entry?: string;
}

async function readOnce(
  bytes: Buffer,
  displayName: string,
  hasHeader: boolean | 'auto',
): Promise<LoadedTable> {
  let header: TableHeader | undefined;
  const rows: (string | undefined)[][] = [];
  const problems: Finding[] = [];
  // Chunks of the size a file stream would give: the reader is tuned for those, not for one 100 MB string.
  const chunks = function* () {
    for (let at = 0; at < bytes.length; at += 1 << 16) yield bytes.subarray(at, at + (1 << 16));
  };
  await readTable(
    chunks(),
    {
      header: (h) => {
        header = h;
      },
      row: (r: DataRow) => {
        rows.push(r.values);
      },
      problem: (f) => problems.push(f),
    },
    { fileName: displayName, hasHeader },
  );
  if (!header) throw new Error(`${displayName}: no header could be read.`);
  return { header, rows, problems, bytes };
}

/**
 * Reads the whole table. The user names columns, so when the reader guesses "no header" (a small file whose
 * first row looks like data) but the first row holds a requested name, it is read again with a header.
 */
async function loadTable(
  source: DatasetSource,
  displayName: string,
  requested: string[],
): Promise<LoadedTable> {
  // Held whole anyway, so decompressed whole: the copy is written as plain text. A table of an archive is
  // read from where it lies (a ZIP archive's local header, a plain tar archive's data), alone.
  const { file, member } = source;
  const { bytes, entry } = member
    ? await decompressWhole(openScanned(file, memberOptions(member)), displayName, member)
    : await decompressWhole(fs.readFileSync(file), displayName);
  // An archive's file is read as its name says.
  const name = entry ?? displayName;
  let t = await readOnce(bytes, name, 'auto');
  const first = t.rows[0];
  if (!t.header.hasHeader && first && requested.some((n) => first.includes(n)))
    t = await readOnce(bytes, name, true);
  return entry === undefined ? t : { ...t, entry };
}

function columnIndex(t: LoadedTable, name: string, what: string, displayName: string): number {
  const i = t.header.columns.findIndex((c) => c.name === name);
  if (i < 0) {
    const names = t.header.columns.map((c) => c.name);
    throw new UsageError(
      `${what} column '${name}' is not in ${displayName}; its columns are ${names.slice(0, 30).join(', ')}${names.length > 30 ? ', ...' : ''}.`,
    );
  }
  return i;
}

function groupColumn(t: LoadedTable, names: string[], displayName: string): CategoricalColumn {
  const cols = names.map((g) => {
    const i = columnIndex(t, g, 'Group', displayName);
    return encodeCategorical(
      t.rows.map((r) => {
        const v = r[i]?.trim();
        return v === undefined || MISSING_OUTCOME_TOKENS.has(v) ? undefined : v;
      }),
    );
  });
  return combineColumns(cols);
}

function labelOutcome(
  t: LoadedTable,
  name: string,
  positive: string[] | undefined,
  displayName: string,
  io: CliIo,
) {
  const i = columnIndex(t, name, 'Label', displayName);
  try {
    const r = toBinaryOutcome(
      t.rows.map((row) => row[i]),
      positive,
    );
    for (const p of r.problems) io.stderr.write(`rml fix: ${displayName}: label '${name}': ${p}\n`);
    return r;
  } catch (e) {
    if (e instanceof OutcomeMappingError) throw new UsageError(`label '${name}': ${e.message}`);
    throw e;
  }
}

function where(f: Finding): string {
  return f.location ? `${f.file ?? ''}:${f.location.line}:${f.location.startColumn}` : (f.file ?? '');
}

/** Errors in the input (dropped fields, unclosed quotes, invalid JSON) would make the copy lose data: refuse. */
function refuseLossyInput(t: LoadedTable, io: CliIo): void {
  for (const p of t.problems)
    if (p.severity !== 'error') io.stderr.write(`rml fix: warning: ${where(p)} ${p.message}\n`);
  const errors = t.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    const shown = errors.slice(0, 5).map((p) => `  ${where(p)} ${p.message}`);
    throw new Error(
      `the input has ${errors.length} error${errors.length > 1 ? 's' : ''} that a rewritten copy would not preserve; nothing was written:\n${shown.join('\n')}${errors.length > 5 ? '\n  ...' : ''}`,
    );
  }
}

/** Left-aligned text columns, right-aligned numbers, each as wide as its widest cell. */
function table(head: string[], rows: string[][]): string[] {
  const numeric = head.map((_, c) => rows.every((r) => /^[-\d.,%]+$|^n\/a$/.test(r[c] ?? '')));
  const width = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    '  ' +
    cells
      .map((x, c) => (numeric[c] ? x.padStart(width[c]!) : x.padEnd(width[c]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)];
}

/** `adult.csv.gz` as `adult.csv`, `adult.zip` as `adult`: the copy beside it is written uncompressed. */
function withoutCompression(file: string): string {
  return withoutGzipExtension(file).replace(/\.zip$/i, '');
}

function defaultOut(input: string, suffix: string, ext: string): string {
  const dir = path.dirname(input);
  const base = path.basename(input);
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  return path.join(dir, `${stem}.${suffix}${ext}`);
}

/** Writes beside the target and renames when complete, so a reader never sees a half-written file. */
function writeAtomically(out: string, input: string, force: boolean, write: (fd: number) => void): void {
  if (path.resolve(out) === path.resolve(input))
    throw new UsageError('--out names the input file; rml fix never modifies its input.');
  try {
    if (fs.realpathSync(out) === fs.realpathSync(input))
      throw new UsageError('--out is the input file under another name; rml fix never modifies its input.');
  } catch (e) {
    if (e instanceof UsageError) throw e;
  }
  if (fs.existsSync(out) && !force)
    throw new UsageError(`${out} exists; pass --force to replace it, or choose another --out.`);
  writeThroughTemporary(out, write);
}

/** RFC 4180 quoting: only fields that need it, so a plain file comes back byte for byte. */
function csvField(v: string | undefined, delimiter: string): string {
  if (v === undefined) return '';
  if (v.includes(delimiter) || v.includes('"') || v.includes('\n') || v.includes('\r') || v !== v.trim())
    return `"${v.replace(/"/g, '""')}"`;
  return v;
}

/** Streams the output in blocks rather than building one string for the whole file. */
function blockWriter(fd: number) {
  let buf: string[] = [];
  let size = 0;
  return {
    push(s: string) {
      buf.push(s);
      size += s.length;
      if (size > 1 << 20) this.flush();
    },
    flush() {
      if (buf.length) fs.writeSync(fd, buf.join(''));
      buf = [];
      size = 0;
    },
  };
}

function writeWeighted(
  fd: number,
  t: LoadedTable,
  format: DataFormat,
  weightName: string,
  weights: Float64Array,
  displayName: string,
): void {
  const w = blockWriter(fd);
  if (format === 'csv' || format === 'tsv') {
    const d = t.header.delimiter ?? (format === 'tsv' ? '\t' : ',');
    const text = t.bytes.subarray(0, 1 << 16).toString('utf8');
    const eol = /\r\n/.test(text) ? '\r\n' : '\n';
    // Kept so that Excel splits the copy as it split the original.
    if (t.header.separatorLine) w.push(`sep=${d}${eol}`);
    if (t.header.hasHeader)
      w.push(
        t.header.columns
          .map((c) => csvField(c.name, d))
          .concat(csvField(weightName, d))
          .join(d) + eol,
      );
    t.rows.forEach((r, i) => {
      const cells: string[] = [];
      for (let c = 0; c < t.header.columns.length; c++) cells.push(csvField(r[c], d));
      cells.push(String(weights[i]));
      w.push(cells.join(d) + eol);
    });
  } else {
    // JSON keeps its value types only if the objects themselves are copied, so the original text is parsed
    // again here; the reader has already reported any syntax error, which stopped us before this point.
    const text = t.bytes.toString('utf8').replace(/^\uFEFF/, '');
    const parsed: unknown =
      format === 'json'
        ? JSON.parse(text)
        : text
            .split(/\r?\n/)
            .filter((l) => l.trim().length > 0)
            .map((l) => JSON.parse(l) as Record<string, unknown>);
    // An object holding the records (`{"data": [...]}`) keeps its other keys; the reader took the records
    // from its first array of objects, and so does the copy.
    const wrapper = Array.isArray(parsed) ? undefined : (parsed as Record<string, unknown>);
    const key = wrapper ? recordsKey(wrapper) : undefined;
    const objects = (wrapper ? (key === undefined ? [] : wrapper[key]) : parsed) as Record<string, unknown>[];
    if (objects.length !== weights.length)
      throw new Error(
        `${displayName}: read ${weights.length} rows but found ${objects.length} objects; nothing was written.`,
      );
    if (wrapper && key !== undefined) {
      const weighted = objects.map((o, i) => ({ ...o, [weightName]: weights[i] }));
      w.push(JSON.stringify({ ...wrapper, [key]: weighted }, null, 2) + '\n');
      w.flush();
      return;
    }
    if (format === 'json') w.push('[\n');
    objects.forEach((o, i) => {
      const line = JSON.stringify({ ...o, [weightName]: weights[i] });
      w.push(format === 'json' ? `  ${line}${i + 1 < objects.length ? ',' : ''}\n` : `${line}\n`);
    });
    if (format === 'json') w.push(']\n');
  }
  w.flush();
}

/** The key of an object's first array of objects (or empty array), as the reader chooses its records. */
function recordsKey(o: Record<string, unknown>): string | undefined {
  return Object.keys(o).find((k) => {
    const v = o[k];
    return (
      Array.isArray(v) &&
      (v.length === 0 || (typeof v[0] === 'object' && v[0] !== null && !Array.isArray(v[0])))
    );
  });
}

interface Options {
  label?: string;
  group?: string[];
  positive?: string[];
  out?: string;
  force: boolean;
  'weight-column': string;
  score?: string;
  constraint: string;
}

async function runReweigh(
  file: string,
  source: DatasetSource,
  displayName: string,
  o: Options,
  io: CliIo,
): Promise<number> {
  const t = await loadTable(source, displayName, [o.label!, ...o.group!]);
  refuseLossyInput(t, io);
  const weightName = o['weight-column'];
  if (t.header.columns.some((c) => c.name === weightName)) {
    throw new UsageError(
      `${displayName} already has a column '${weightName}'; choose another name with --weight-column.`,
    );
  }
  const label = labelOutcome(t, o.label!, o.positive, displayName, io);
  const groupNames = o.group!;
  const group = groupColumn(t, groupNames, displayName);
  const r = reweigh(label.outcome, group);
  const before = datasetBias(
    { label: label.outcome, attributes: [{ name: groupNames.join(' & '), column: group }] },
    { intersections: false },
  );
  const after = datasetBias(
    {
      label: label.outcome,
      attributes: [{ name: groupNames.join(' & '), column: group }],
      weights: r.weights,
    },
    { intersections: false },
  );

  const out = o.out
    ? path.resolve(io.cwd, o.out)
    : defaultOut(
        withoutCompression(derivedFrom(file, source)),
        'reweighed',
        path.extname(t.entry ?? withoutCompression(file)) || '.csv',
      );
  writeAtomically(out, source.file, o.force, (fd) =>
    writeWeighted(fd, t, t.header.format, weightName, r.weights, displayName),
  );

  const lines = [
    `Wrote ${path.relative(io.cwd, out) || out}: ${t.rows.length} rows with a '${weightName}' column (Kamiran & Calders reweighing).`,
    `Positive outcome: ${label.positiveValues.map((v) => `'${v}'`).join(', ') || '(none found)'}; overall rate ${fmt(before.baseRate, 4)}.`,
    '',
    ...table(
      ['group', 'label', 'rows', 'weight'],
      r.cells.map((c) => [c.group ?? '(missing)', String(c.label), String(c.count), c.weight.toFixed(6)]),
    ),
    '',
    ...table(
      ['group', 'rate before', 'after'],
      before.attributes[0]!.groups.map((g) => {
        const a = after.attributes[0]!.groups.find((x) => x.value === g.value);
        return [g.value, fmt(g.baseRate, 4), fmt(a?.baseRate, 4)];
      }),
    ),
  ];
  if (r.missingLabel > 0)
    lines.push(
      '',
      `${count(r.missingLabel, 'row')} without a label keep${r.missingLabel === 1 ? 's' : ''} weight 1.`,
    );
  io.stdout.write(lines.join('\n') + '\n');
  return 0;
}

async function runThresholds(
  file: string,
  source: DatasetSource,
  displayName: string,
  o: Options,
  io: CliIo,
): Promise<number> {
  if (!o.score) throw new UsageError('thresholds needs --score COL.');
  const constraint = o.constraint;
  if (constraint !== 'demographic_parity' && constraint !== 'equalized_odds') {
    throw new UsageError(`--constraint must be demographic_parity or equalized_odds (got '${constraint}').`);
  }
  const t = await loadTable(source, displayName, [o.label!, o.score, ...o.group!]);
  for (const p of t.problems) io.stderr.write(`rml fix: ${p.severity}: ${where(p)} ${p.message}\n`);
  const label = labelOutcome(t, o.label!, o.positive, displayName, io);
  const group = groupColumn(t, o.group!, displayName);
  const si = columnIndex(t, o.score, 'Score', displayName);
  const score = new Float64Array(t.rows.length);
  let bad = 0;
  let firstBad: { row: number; value: string } | undefined;
  t.rows.forEach((r, i) => {
    const v = r[si]?.trim();
    if (v === undefined || MISSING_OUTCOME_TOKENS.has(v)) {
      score[i] = NaN;
      return;
    }
    const x = Number(v);
    if (!Number.isFinite(x)) {
      bad++;
      firstBad ??= { row: i + 1, value: v };
      score[i] = NaN;
    } else score[i] = x;
  });
  if (firstBad) {
    throw new Error(
      `score column '${o.score}' holds ${bad} value${bad > 1 ? 's' : ''} that ${bad > 1 ? 'are' : 'is'} not a number, first in data row ${firstBad.row} ('${firstBad.value.slice(0, 20)}'); nothing was written.`,
    );
  }
  let result;
  try {
    result = optimizeThresholds(
      { score, label: label.outcome, group },
      { constraint: constraint as FairnessConstraint },
    );
  } catch (e) {
    if (e instanceof RangeError) throw new Error(`${e.message} Nothing was written.`);
    throw e;
  }
  const out = o.out
    ? path.resolve(io.cwd, o.out)
    : defaultOut(withoutCompression(derivedFrom(file, source)), 'thresholds', '.json');
  const doc = {
    file: displayName,
    label: o.label,
    positive: label.positiveValues,
    score: o.score,
    groups: o.group,
    method: 'Hardt, Price & Srebro (2016) post-processing; predict positive when score >= cut',
    ...result,
  };
  writeAtomically(out, source.file, o.force, (fd) => fs.writeSync(fd, JSON.stringify(doc, null, 2) + '\n'));
  const cut = (c: number | string) => (typeof c === 'number' ? String(c) : c);
  const lines = [
    `Wrote ${path.relative(io.cwd, out) || out}: ${constraint} thresholds for ${Object.keys(result.rules).length} groups.`,
    constraint === 'demographic_parity'
      ? `Common selection rate ${fmt(result.target.selectionRate, 4)}.`
      : `Common TPR ${fmt(result.target.tpr, 4)} and FPR ${fmt(result.target.fpr, 4)}.`,
    `Expected accuracy ${fmt(result.expected.overall.accuracy, 4)} (best single threshold: ${fmt(result.unconstrained.accuracy, 4)} at ${cut(result.unconstrained.cut)}).`,
    '',
    ...table(
      ['group', 'n', 'rule', 'select', 'TPR', 'FPR'],
      Object.entries(result.rules).map(([g, r]) => {
        const e = result.expected.groups[g]!;
        let rule =
          r.pA >= 1
            ? `score >= ${cut(r.cutA)}`
            : `score >= ${cut(r.cutA)} (p ${r.pA.toFixed(3)}) else >= ${cut(r.cutB)}`;
        if (r.pIgnore > 0)
          rule += `; ${(r.pIgnore * 100).toFixed(1)}% at random (p ${r.constant.toFixed(3)})`;
        return [g, String(e.n), rule, fmt(e.selectionRate), fmt(e.tpr), fmt(e.fpr)];
      }),
    ),
  ];
  if (result.skipped > 0)
    lines.push(
      '',
      `${count(result.skipped, 'row')} without a label, score or group ${result.skipped === 1 ? 'was' : 'were'} not used.`,
    );
  io.stdout.write(lines.join('\n') + '\n');
  return 0;
}

export const fixCommand: CliCommand = {
  name: 'fix',
  summary: 'Mitigate bias: write a reweighed copy of a dataset, or fair per-group thresholds.',
  usage,
  async run(argv, io) {
    const parsed = parseCommandLine(argv, {
      label: { type: 'string' },
      group: { type: 'string', multiple: true },
      positive: { type: 'string', multiple: true },
      out: { type: 'string' },
      force: { type: 'boolean', default: false },
      'weight-column': { type: 'string', default: 'weight' },
      score: { type: 'string' },
      constraint: { type: 'string', default: 'demographic_parity' },
    });
    const [transform, file, ...extra] = parsed.positionals;
    if (transform !== 'reweigh' && transform !== 'thresholds') {
      throw new UsageError(
        transform
          ? `unknown transform '${transform}'; use reweigh or thresholds.`
          : 'name a transform: reweigh or thresholds.',
      );
    }
    if (!file) throw new UsageError(`${transform} needs a dataset FILE.`);
    if (extra.length > 0) throw new UsageError(`one FILE at a time (also got ${extra.join(' ')}).`);
    const o = parsed.values as Options;
    if (!o.label) throw new UsageError(`${transform} needs --label COL.`);
    if (!o.group || o.group.length === 0) throw new UsageError(`${transform} needs --group COL.`);
    const abs = path.resolve(io.cwd, file);
    // A table inside a ZIP or tar archive too (`titanic.zip/train.csv`), as `rml audit` names it.
    let source: DatasetSource;
    try {
      source = await datasetSource(abs, file);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    return transform === 'reweigh'
      ? runReweigh(abs, source, file, o, io)
      : runThresholds(abs, source, file, o, io);
  },
};
