/**
 * Deterministic rollout (DESIGN.md decision 6): a unit's bucket for a feature
 * is the first 32 bits of SHA-256("featureId:unit"), big-endian unsigned,
 * mod 10000. The feature is on for buckets below its rollout in basis points,
 * so raising a rollout only ever adds units.
 */

export const BUCKET_COUNT = 10000;

/**
 * The rollout bucket (0–9999) of a unit for a feature. Uses WebCrypto, the
 * same in Firefox and Node 20.
 *
 * @example
 * const bucket = await computeBucket('reading-time', unit); // e.g. 4711
 */
export async function computeBucket(featureId: string, unit: string, subtle: SubtleCrypto = globalThis.crypto.subtle): Promise<number> {
  const digest = await subtle.digest('SHA-256', new TextEncoder().encode(`${featureId}:${unit}`));
  return new DataView(digest).getUint32(0, false) % BUCKET_COUNT;
}

// A unit's buckets never change, and every replan asks for the same ones again.
const rememberedBuckets = new Map<string, Promise<number>>();
const MAX_REMEMBERED_BUCKETS = 2048;

/**
 * computeBucket, remembered per feature and unit for the page's life: a
 * replan after a QA override or an account change costs no digest.
 *
 * @example const bucket = await readBucket('reading-time', unit);
 */
export function readBucket(featureId: string, unit: string): Promise<number> {
  const key = `${featureId}:${unit}`;
  let bucket = rememberedBuckets.get(key);
  if (!bucket) {
    if (rememberedBuckets.size >= MAX_REMEMBERED_BUCKETS) rememberedBuckets.clear();
    bucket = computeBucket(featureId, unit);
    bucket.catch(() => rememberedBuckets.delete(key));
    rememberedBuckets.set(key, bucket);
  }
  return bucket;
}

/** True when a bucket falls under a rollout given in basis points (2500 = 25%). */
export function isBucketInRollout(bucket: number, rolloutBasisPoints: number): boolean {
  return bucket < rolloutBasisPoints;
}

/**
 * True when the unit gets the feature at this rollout.
 *
 * @example
 * if (await isInRollout('reading-time', unit, 1000)) { ... } // 10%
 */
export async function isInRollout(featureId: string, unit: string, rolloutBasisPoints: number): Promise<boolean> {
  return isBucketInRollout(await computeBucket(featureId, unit), rolloutBasisPoints);
}

/** A rollout in basis points as a percentage: 2500 → "25%", 50 → "0.5%", 25 → "0.25%". */
export function formatRollout(rolloutBasisPoints: number): string {
  return `${Number((rolloutBasisPoints / 100).toFixed(2))}%`;
}
