import { SpillDir } from '../../../src/core/data/spill';

/**
 * Counts the temporary files scans in this thread ask for (a worker thread has its own module), so that a
 * test of a spilled scan cannot pass with a scan that never spilled. `restore` puts `SpillDir.file` back.
 */
export function countSpillFiles(): { count: number; restore(): void } {
  const made = SpillDir.prototype.file;
  const spy = {
    count: 0,
    restore: () => {
      SpillDir.prototype.file = made;
    },
  };
  SpillDir.prototype.file = function (this: SpillDir) {
    spy.count++;
    return made.call(this);
  };
  return spy;
}
