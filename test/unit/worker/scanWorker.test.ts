import * as assert from 'assert';
import { fork, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CancellationTokenSource,
  createMessageConnection,
  ErrorCodes,
  IPCMessageReader,
  IPCMessageWriter,
  type ResponseError,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { makeZip } from '../data/makeZip';
import { generateCsv } from '../../../bench/scan/generate';
import type { AuditReport } from '../../../src/core/report/auditReport';
import {
  FILE_SCANNED_NOTIFICATION,
  PING_METHOD,
  SCAN_FILE_METHOD,
  SCAN_FILES_METHOD,
  scanFile,
  scanFiles,
  type FileScanned,
  type ScanFileParams,
  type ScanFilesParams,
} from '../../../src/worker/scanWorker';

const root = path.resolve(__dirname, '..', '..', '..');
const sample = path.join(root, 'test', 'integration', 'workspace', 'adult-sample.csv');

describe('scan worker (child process, JSON-RPC over IPC)', function () {
  this.timeout(60_000);
  let child: ChildProcess;
  let connection: MessageConnection;

  before(async () => {
    child = fork(path.join(root, 'src', 'worker', 'scanWorker.ts'), [], {
      execArgv: ['--require', 'tsx/cjs'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    connection.listen();
    const pong = await connection.sendRequest<{ pid: number }>(PING_METHOD);
    assert.strictEqual(pong.pid, child.pid);
  });
  after(() => {
    connection.dispose();
    child.kill();
  });

  /** The worker serves a request (after a cancel, say): the sample is scanned whole. */
  async function scansSample(extra: Partial<ScanFileParams>): Promise<void> {
    const report = await connection.sendRequest<AuditReport>(SCAN_FILE_METHOD, {
      path: sample,
      fileName: 'adult-sample.csv',
      format: 'csv',
      ...extra,
    });
    assert.strictEqual(report.rows, 800);
  }

  it('streams a file from disk and returns the same report as an in-process scan', async () => {
    const params: ScanFileParams = {
      path: sample,
      fileName: 'adult-sample.csv',
      format: 'csv',
      maxFindingsPerRule: 5,
    };
    const report = await connection.sendRequest<AuditReport>(SCAN_FILE_METHOD, params);
    assert.strictEqual(report.rows, 800);
    assert.ok(report.columns.some((c) => c.name === 'sex' && c.protected === 'sex'));
    const local = await scanFile(params);
    assert.deepStrictEqual(
      report.findings.map((f) => `${f.rule} ${f.column ?? ''} ${f.message}`),
      local.findings.map((f) => `${f.rule} ${f.column ?? ''} ${f.message}`),
    );
    assert.deepStrictEqual(report.findings, JSON.parse(JSON.stringify(local.findings)));
  });

  it('reads a table inside a ZIP archive by its path; says in its own words what is wrong with one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-worker-zip-'));
    try {
      const zip = path.join(dir, 'k.zip');
      fs.writeFileSync(
        zip,
        makeZip([
          { name: 'small.csv', data: Buffer.from('a,b\n1,2\n') },
          { name: 'adult/adult-sample.csv', data: fs.readFileSync(sample) },
        ]),
      );
      const plain = await scanFile({ path: sample, fileName: 'adult-sample.csv' });
      const inside = await connection.sendRequest<AuditReport>(SCAN_FILE_METHOD, {
        path: path.join(zip, 'adult', 'adult-sample.csv'),
        fileName: 'k.zip/adult/adult-sample.csv',
      });
      assert.strictEqual(inside.rows, 800);
      assert.deepStrictEqual(inside.columns, JSON.parse(JSON.stringify(plain.columns)));
      await assert.rejects(
        connection.sendRequest(SCAN_FILE_METHOD, { path: zip, fileName: 'k.zip' }),
        (e: ResponseError<unknown>) => {
          assert.strictEqual(e.code, ErrorCodes.InvalidParams);
          assert.strictEqual(
            e.message,
            'k.zip is a ZIP archive of 2 tables: name the one to read, as k.zip/small.csv (its tables: small.csv, adult/adult-sample.csv).',
          );
          return true;
        },
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scans a large file in the threads rml audit would take, up to the setting; same report; cancels', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-scan-'));
    // Past 40 MiB, where even two cores take two threads for CSV (`defaultThreads`).
    const file = path.join(dir, 'customers.csv');
    generateCsv(file, 44e6);
    const params: ScanFileParams = { path: file, fileName: 'customers.csv', format: 'csv' };
    try {
      const how: string[] = [];
      const one = await scanFile({ ...params, threads: 1 }, undefined, (h) => how.push(h));
      const two = await scanFile({ ...params, threads: 2 }, undefined, (h) => how.push(h));
      // Without a thread count (an older extension), one thread.
      await scanFile(params, undefined, (h) => how.push(h));
      assert.deepStrictEqual(how, ['single', 'columns', 'single']);
      assert.deepStrictEqual(two, one);
      const report = await connection.sendRequest<AuditReport>(SCAN_FILE_METHOD, { ...params, threads: 2 });
      assert.deepStrictEqual(report, JSON.parse(JSON.stringify(one)));
      // A cancel stops the threads too, and the worker serves the next request.
      const cts = new CancellationTokenSource();
      const pending = connection.sendRequest<AuditReport>(
        SCAN_FILE_METHOD,
        { ...params, threads: 3 },
        cts.token,
      );
      setTimeout(() => cts.cancel(), 300);
      await assert.rejects(pending);
      await scansSample({ threads: 2 });
      // JSON Lines stays in one thread whatever the setting, as rml audit's default does: a column thread
      // repeats the parse, for little gain and memory past the aim.
      const lines = path.join(dir, 'customers.jsonl');
      generateCsv(lines, 44e6, 42, { format: 'jsonl' });
      const split: string[] = [];
      await scanFile(
        { path: lines, fileName: 'customers.jsonl', format: 'jsonl', threads: 2 },
        undefined,
        (h) => split.push(h),
      );
      assert.deepStrictEqual(split, ['single']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scans several files, each result a notification as it comes, going on past one that fails', async () => {
    const files: ScanFilesParams['files'] = [
      { path: sample, fileName: 'adult-sample.csv', format: 'csv' },
      { path: path.join(root, 'no-such-file.csv'), fileName: 'no-such-file.csv', format: 'csv' },
      { path: sample, fileName: 'adult-sample.csv', format: 'csv', maxFindingsPerRule: 2 },
    ];
    const told: FileScanned[] = [];
    const sub = connection.onNotification(FILE_SCANNED_NOTIFICATION, (r: FileScanned) => void told.push(r));
    try {
      const done = await connection.sendRequest(SCAN_FILES_METHOD, { batch: 7, files, threads: 2 });
      assert.strictEqual(done, null);
    } finally {
      sub.dispose();
    }
    assert.deepStrictEqual(told.map((r) => [r.batch, r.index]).sort(), [
      [7, 0],
      [7, 1],
      [7, 2],
    ]);
    for (const r of told) {
      if (r.index === 1) {
        assert.ok('error' in r && /no-such-file/.test(r.error), JSON.stringify(r));
        continue;
      }
      assert.ok('report' in r, JSON.stringify(r));
      const local = await scanFile(files[r.index]!);
      assert.deepStrictEqual(r.report, JSON.parse(JSON.stringify(local)));
    }
    // In process, the same results.
    const here: FileScanned[] = [];
    await scanFiles({ batch: 1, files, threads: 2 }, (r) => here.push(r));
    assert.deepStrictEqual(
      here.map((r) => ('report' in r ? JSON.stringify(r.report) : r.error)),
      [...told]
        .sort((a, b) => a.index - b.index)
        .map((r) => ('report' in r ? JSON.stringify(r.report) : r.error)),
    );
  });

  it('scans unsaved editor text instead of the file when given', async () => {
    const report = await connection.sendRequest<AuditReport>(SCAN_FILE_METHOD, {
      path: sample,
      fileName: 'x.csv',
      text: 'a,b\n1,2\n3,4\n',
      format: 'csv',
    });
    assert.strictEqual(report.rows, 2);
  });

  it('stops a long scan when the request is cancelled, and keeps serving', async () => {
    const big = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rml-scan-')), 'big.csv');
    const body = fs.readFileSync(sample, 'utf8').split('\n').slice(1).join('\n');
    const fd = fs.openSync(big, 'w');
    fs.writeSync(
      fd,
      'age,workclass,fnlwgt,education,education-num,marital-status,occupation,relationship,race,sex,capital-gain,capital-loss,hours-per-week,native-country,income\n',
    );
    for (let i = 0; i < 80; i++) fs.writeSync(fd, body);
    fs.closeSync(fd);
    const cts = new CancellationTokenSource();
    const started = Date.now();
    const pending = connection.sendRequest<AuditReport>(
      SCAN_FILE_METHOD,
      { path: big, fileName: 'big.csv', format: 'csv' },
      cts.token,
    );
    setTimeout(() => cts.cancel(), 200);
    await assert.rejects(pending);
    const elapsed = Date.now() - started;
    await scansSample({ maxFindingsPerRule: 1 });
    fs.rmSync(path.dirname(big), { recursive: true, force: true });
    console.log(`      cancelled after ${elapsed} ms (64k-row file)`);
  });
});
