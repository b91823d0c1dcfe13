import { strict as assert } from 'assert';
import { severityRank } from '../../src/core/findings';

describe('severityRank', () => {
  it('orders error above warning above info above hint', () => {
    assert.ok(severityRank('error') > severityRank('warning'));
    assert.ok(severityRank('warning') > severityRank('info'));
    assert.ok(severityRank('info') > severityRank('hint'));
  });
});
