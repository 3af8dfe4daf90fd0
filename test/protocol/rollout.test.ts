import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { computeBucket, formatRollout, isBucketInRollout, isInRollout } from '../../protocol/rollout';

describe('rollout', () => {
  it('computes the bucket as the first 32 bits of SHA-256("featureId:unit"), big-endian, mod 10000', async () => {
    const unit = '3f2c8a8e-6a55-4f0e-9a63-2d1e8c1b7a10';
    const expected = createHash('sha256').update(`reading-time:${unit}`).digest().readUInt32BE(0) % 10000;
    assert.equal(await computeBucket('reading-time', unit), expected);
  });

  it('gives the same bucket for the same inputs and different buckets across features', async () => {
    const unit = randomUUID();
    assert.equal(await computeBucket('page-notes', unit), await computeBucket('page-notes', unit));
    const buckets = new Set(await Promise.all(['a-feature', 'b-feature', 'c-feature', 'd-feature'].map((id) => computeBucket(id, unit))));
    assert.ok(buckets.size > 1, 'features are bucketed independently');
  });

  it('raising a rollout from 10% to 20% keeps every unit that had it', async () => {
    const units = Array.from({ length: 2000 }, () => randomUUID());
    const buckets = await Promise.all(units.map((unit) => computeBucket('reading-time', unit)));
    const at10 = buckets.filter((b) => isBucketInRollout(b, 1000));
    const at20 = buckets.filter((b) => isBucketInRollout(b, 2000));
    assert.ok(at10.length > 0);
    assert.ok(at10.every((b) => isBucketInRollout(b, 2000)), 'nobody loses the feature');
    assert.ok(at20.length > at10.length, 'some units gain it');
  });

  it('a 25% rollout lands within 23–27% of 10,000 random units', async () => {
    const results = await Promise.all(Array.from({ length: 10000 }, () => isInRollout('page-notes', randomUUID(), 2500)));
    const share = results.filter(Boolean).length / results.length;
    assert.ok(share >= 0.23 && share <= 0.27, `share was ${share}`);
  });

  it('is off for everyone at 0 and on for everyone at 10000', async () => {
    assert.equal(isBucketInRollout(0, 0), false);
    assert.equal(isBucketInRollout(9999, 10000), true);
    assert.equal(formatRollout(2500), '25%');
    assert.equal(formatRollout(50), '0.5%');
  });
});
