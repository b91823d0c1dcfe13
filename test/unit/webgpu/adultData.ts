/** Where the WebGPU tests find the Adult census data. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The example's copy in the repository (issue 4), else the shared data folder of this machine. */
export function adultCsvPath(): string {
  const candidates = [
    path.resolve(__dirname, '../../../examples/adult/adult.csv'),
    '/work/shared/data/adult/adult.csv',
  ];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`The Adult data is missing: looked for ${candidates.join(' and ')}`);
  return found;
}
