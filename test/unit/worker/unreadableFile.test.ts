import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { unreadableFile } from '../../../src/worker/scannedFile';

describe('unreadableFile', () => {
  it('says what is wrong with a dataset path, in words of its own for each case', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rml-input-'));
    try {
      const file = path.join(dir, 'data.csv');
      fs.writeFileSync(file, 'a,b\n1,2\n');
      assert.equal(unreadableFile(file, 'data.csv'), null);
      assert.equal(unreadableFile(path.join(dir, 'nope.csv'), 'nope.csv'), 'nope.csv: no such file.');
      assert.equal(
        unreadableFile(path.join(file, 'x.csv'), 'data.csv/x.csv'),
        'data.csv/x.csv: no such file.',
      );
      assert.equal(unreadableFile(dir, 'dir'), 'dir: a folder, not a dataset file.');
      if (process.platform !== 'win32') {
        assert.equal(unreadableFile('/dev/null', '/dev/null'), '/dev/null: not a regular file.');
        fs.chmodSync(file, 0o200);
        // The superuser reads any file: the check is for everyone else.
        const expected =
          process.getuid?.() === 0 ? null : 'data.csv: cannot be read (no permission to read it).';
        assert.equal(unreadableFile(file, 'data.csv'), expected);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
