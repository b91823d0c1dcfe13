import { strict as assert } from 'assert';
import { PerformanceObserver, constants } from 'perf_hooks';
import { collectGarbage, collectorForScan } from '../../../src/worker/collect';

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

describe('collectorForScan', () => {
  it('collects once the heap has grown 64 MB past its start or its last collection, not before', async () => {
    let forced = 0;
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const flags = (e as unknown as { detail?: { flags?: number } }).detail?.flags ?? 0;
        if (flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) forced++;
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    // Entries arrive after the collection, in a later turn.
    const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));
    try {
      const collect = collectorForScan();
      collect();
      await settle();
      assert.equal(forced, 0, 'no growth yet');
      // 80 MB held: 80 arrays of 131,072 doubles.
      const held = Array.from({ length: 80 }, () => new Array<number>(131072).fill(0.5));
      collect();
      await settle();
      assert.equal(forced, 1, 'grown by 80 MB');
      collect();
      await settle();
      assert.equal(forced, 1, 'no growth since its collection');
      assert.equal(held.length, 80);
    } finally {
      observer.disconnect();
    }
  });
});
