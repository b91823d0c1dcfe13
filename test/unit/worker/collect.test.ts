import { strict as assert } from 'assert';
import { PerformanceObserver, constants } from 'perf_hooks';
import {
  AFTER_READING_ROWS,
  collectAfterReading,
  collectGarbage,
  collectorForScan,
} from '../../../src/worker/collect';

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
  /** The width of a narrow table, in columns. */
  const NARROW = 12;
  let forced = 0;
  let observer: PerformanceObserver;
  // Entries arrive after the collection, in a later turn.
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));
  beforeEach(async () => {
    // What earlier tests left is collected first: a collection of V8's own while a test allocates would free it
    // and hide that test's growth. Through `collectAfterReading`, so that no earlier scan's collection is left
    // to these collectors either.
    collectAfterReading(AFTER_READING_ROWS, 1);
    await settle();
    forced = 0;
    observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const flags = (e as unknown as { detail?: { flags?: number } }).detail?.flags ?? 0;
        if (flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) forced++;
      }
    });
    observer.observe({ entryTypes: ['gc'] });
  });
  afterEach(() => observer.disconnect());

  it('collects once the heap has grown 64 MB past its start or its last collection, not before', async () => {
    {
      const collect = collectorForScan();
      collect(NARROW);
      await settle();
      assert.equal(forced, 0, 'no growth yet');
      // 80 MB held: 80 arrays of 131,072 doubles.
      const held = Array.from({ length: 80 }, () => new Array<number>(131072).fill(0.5));
      collect(NARROW);
      await settle();
      assert.equal(forced, 1, 'grown by 80 MB');
      collect(NARROW);
      await settle();
      assert.equal(forced, 1, 'no growth since its collection');
      assert.equal(held.length, 80);
    }
  });

  // [columns, growth it collects after, the widest table that waits for more, MB held]
  for (const [columns, growth, narrower, mb] of [
    [1000, 32, 999, 40],
    [10_000, 16, 9_999, 24],
  ] as const) {
    it(`collects after ${growth} MB for a table of ${columns.toLocaleString('en')} columns or more`, async () => {
      const collect = collectorForScan();
      // Arrays of 131,072 doubles, a MB each.
      const held = Array.from({ length: mb }, () => new Array<number>(131072).fill(0.5));
      collect(NARROW);
      await settle();
      assert.equal(forced, 0, 'a narrow table waits for 64 MB');
      collect(narrower);
      await settle();
      assert.equal(forced, 0, `${narrower} columns wait for more`);
      collect(columns);
      await settle();
      assert.equal(forced, 1, `${columns} columns collect after ${growth} MB`);
      assert.equal(held.length, mb);
    });
  }

  it('counts array buffers too', async () => {
    const collect = collectorForScan();
    // 80 MB outside the heap: 80 buffers of 1 MB.
    const held = Array.from({ length: 80 }, () => new Float64Array(131072).fill(0.5));
    collect(NARROW);
    await settle();
    assert.equal(forced, 1);
    assert.equal(held.length, 80);
  });

  it('measures from the least it has seen held, as after a collection it did not ask for', async () => {
    // On the heap: a full collection frees it at once, where V8 frees array buffers after it, in the background.
    let early: number[][] | undefined = Array.from({ length: 40 }, () => new Array<number>(131072).fill(1.5));
    const collect = collectorForScan();
    collect(NARROW);
    // The 40 MB it started with are freed by a collection of someone else's (one forced one, not its own).
    early = undefined;
    collectGarbage();
    await settle();
    collect(NARROW);
    const held = Array.from({ length: 90 }, () => new Array<number>(131072).fill(0.5));
    collect(NARROW);
    await settle();
    // Measured from its start, 90 MB would be 50 MB more than it began with.
    assert.equal(forced, 2, 'grown by 90 MB since the least it saw');
    assert.equal(held.length, 90);
    assert.equal(early, undefined);
  });
});

describe('collectAfterReading', () => {
  let forced = 0;
  let observer: PerformanceObserver;
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));
  beforeEach(async () => {
    // A collection left by an earlier test's small table is taken first, so that each test starts with none.
    collectAfterReading(AFTER_READING_ROWS, 1);
    await settle();
    forced = 0;
    observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const flags = (e as unknown as { detail?: { flags?: number } }).detail?.flags ?? 0;
        if (flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) forced++;
      }
    });
    observer.observe({ entryTypes: ['gc'] });
  });
  afterEach(() => observer.disconnect());

  it('collects at once after a table of 2^16 rows or more, or of 1,000 columns or more', async () => {
    collectAfterReading(AFTER_READING_ROWS, 12);
    await settle();
    assert.equal(forced, 1, 'many rows');
    collectAfterReading(10, 1000);
    await settle();
    assert.equal(forced, 2, 'many columns');
    // Nothing left for the next scan.
    collectorForScan()(12);
    await settle();
    assert.equal(forced, 2);
  });

  it("leaves a smaller table's collection to the next scan's collector, once", async () => {
    collectAfterReading(AFTER_READING_ROWS - 1, 999);
    await settle();
    assert.equal(forced, 0, 'not at once');
    const next = collectorForScan();
    next(12);
    await settle();
    assert.equal(forced, 1, "at the next scan's first turn");
    next(12);
    collectorForScan()(12);
    await settle();
    assert.equal(forced, 1, 'once');
  });

  it("leaves it to a scan that starts after the table, not to the table's own analyses", async () => {
    const own = collectorForScan();
    collectAfterReading(100, 12);
    own(12);
    await settle();
    assert.equal(forced, 0, "the table's own collector");
    collectorForScan()(12);
    await settle();
    assert.equal(forced, 1, 'the next scan');
  });

  it('leaves nothing to the next scan after a large table that follows a small one', async () => {
    collectAfterReading(100, 12);
    collectAfterReading(AFTER_READING_ROWS, 12);
    await settle();
    assert.equal(forced, 1);
    collectorForScan()(12);
    await settle();
    assert.equal(forced, 1);
  });
});
