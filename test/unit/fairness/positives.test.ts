import * as assert from 'assert';
import { OutcomeMappingError, toBinaryOutcome } from '../../../src/core/fairness/positives';

describe('fairness: mapping labels and predictions to a binary outcome', () => {
  it('maps named positive values; everything else present is negative; missing stays -1', () => {
    const r = toBinaryOutcome(['>50K', '<=50K', ' >50K ', undefined, '', '?', 'NA', '<=50K'], ['>50K']);
    assert.deepStrictEqual([...r.outcome], [1, 0, 1, -1, -1, -1, -1, 0]);
    assert.deepStrictEqual(r.positiveValues, ['>50K']);
    assert.deepStrictEqual(r.problems, []);
  });

  it('accepts several positive values, e.g. the upper levels of a risk score', () => {
    const r = toBinaryOutcome(['Low', 'Medium', 'Medium High', 'High'], ['Medium High', 'High']);
    assert.deepStrictEqual([...r.outcome], [0, 0, 1, 1]);
    assert.deepStrictEqual(r.positiveValues, ['Medium High', 'High']);
  });

  it('matches numeric positive values numerically', () => {
    assert.deepStrictEqual([...toBinaryOutcome(['1.0', '0.0', '2', '1'], ['1']).outcome], [1, 0, 0, 1]);
  });

  it('works without --positive for 1/0 and true/false', () => {
    assert.deepStrictEqual([...toBinaryOutcome(['1', '0', '1.0', undefined]).outcome], [1, 0, 1, -1]);
    assert.deepStrictEqual([...toBinaryOutcome(['true', 'False', 'TRUE', 'null']).outcome], [1, 0, 1, -1]);
    assert.deepStrictEqual([...toBinaryOutcome(['0', '0']).outcome], [0, 0]);
  });

  it('is a clear error, listing the values seen, for anything else without --positive', () => {
    assert.throws(
      () => toBinaryOutcome(['<=50K', '>50K', '<=50K', 'Yes']),
      (e: unknown) =>
        e instanceof OutcomeMappingError &&
        /values seen are '<=50K' \(2\), '>50K' \(1\), 'Yes' \(1\)\. Name it with --positive/.test(
          e.message,
        ) &&
        e.valuesSeen.length === 3,
    );
    assert.throws(() => toBinaryOutcome(['1', '0', '2']), /values seen are '0' \(1\), '1' \(1\), '2' \(1\)/);
    assert.throws(() => toBinaryOutcome([undefined, '?']), /no values, only missing cells/);
  });

  it('reports a positive value that never occurs, or a column where everything is positive', () => {
    const typo = toBinaryOutcome(['yes', 'no'], ['Yes']);
    assert.deepStrictEqual([...typo.outcome], [0, 0]);
    assert.match(
      typo.problems[0]!,
      /The positive value 'Yes' never occurs; values seen: 'no' \(1\), 'yes' \(1\)/,
    );
    const all = toBinaryOutcome(['a', 'a'], ['a']);
    assert.match(all.problems[0]!, /Every value is positive/);
  });

  it('quotes row counts when given the distinct levels of a column with their counts', () => {
    assert.throws(
      () => toBinaryOutcome(['<=50K', '>50K'], undefined, { counts: [24720, 7841] }),
      /values seen are '<=50K' \(24720\), '>50K' \(7841\)/,
    );
    assert.deepStrictEqual(
      [...toBinaryOutcome(['<=50K', '>50K'], ['>50K'], { counts: [24720, 7841] }).outcome],
      [0, 1],
    );
  });
});
