import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NumberBuilder, SpilledNumbers, numberWindows } from '../../../src/core/data/encoded';
import type { SpillDir } from '../../../src/core/data/spill';
import type { FairColumn } from '../../../src/core/fairness/windows';

/** Helpers shared by the tests of the fairness analyses over windows. */

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A numeric column spilled past `afterRows` rows, as a scan's builder keeps it. */
export function spilledNumbers(
  values: readonly number[],
  spill: SpillDir,
  afterRows: number,
): Extract<FairColumn, { kind: 'numeric' }> {
  const b = new NumberBuilder(16, { afterRows, file: () => spill.file() });
  for (const v of values) b.push(v);
  const c = b.build();
  return {
    kind: 'numeric',
    length: values.length,
    values: c instanceof SpilledNumbers ? c : numberWindows(c),
  };
}
