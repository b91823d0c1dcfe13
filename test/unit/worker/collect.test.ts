import { strict as assert } from 'assert';
import { collectGarbage } from '../../../src/worker/collect';

describe('collectGarbage', () => {
  it('runs a full collection: an object only a WeakRef points at is gone after it', async () => {
    let ref: WeakRef<object> | undefined;
    (() => {
      ref = new WeakRef({ payload: new Array(1000).fill(0) });
    })();
    // A WeakRef's target lives to the end of the job that made or read it.
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    assert.equal(ref!.deref(), undefined);
    collectGarbage();
  });
});
