/**
 * `npm run bench` (first half): what the host spends on each manifest, as ratios against a
 * baseline measured in the same process, so the numbers mean the same on any
 * machine. No timing is asserted anywhere; read the ratios over time.
 *
 *  - planning 200 features (rollout buckets, targeting, sign-off checks
 *    including each feature's content-script file) vs
 *    the bare SHA-256 digests that the buckets need;
 *  - verifying a 200-feature signed manifest (signature + schema) vs one
 *    bare ECDSA verification of the same bytes.
 */
import { planFeatures } from '../extension/runtime/planner';
import { verifyEnvelope, decodeBase64url } from '../protocol/envelope';
import type { Envelope, ManifestFeature, ManifestPayload } from '../protocol/manifest-schema';
import { MANIFEST_ENV } from '../protocol/environments';
import { makeEntry, makeManifestPayload } from '../test/helpers/manifests';
import { createSigningKey, signPayload } from '../test/helpers/signing';

const FEATURES = 200;
const ROUNDS = 30;

// Each feature ships one content script, as the sample features do, so the
// sign-off check compares file lists too.
function makeFeatures(count: number): ManifestFeature[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `feature-${String(i).padStart(4, '0')}`;
    return makeEntry(id, '1.0.0', 'a'.repeat(64), {
      files: [{ path: `features/${id}/content/script.js`, sha256: 'b'.repeat(64) }],
      rollout: (i * 37) % 10001,
      targeting: { firefoxVersion: { min: '128' }, os: ['linux', 'win', 'mac'], locales: ['en', 'de'] },
      killed: i % 50 === 0,
      requiresAccount: i % 7 === 0,
    });
  });
}

function makePayload(featureCount: number): ManifestPayload {
  return makeManifestPayload({ features: makeFeatures(featureCount) }, Date.now(), 1);
}

async function timeIt(rounds: number, run: () => Promise<unknown>): Promise<number> {
  await run(); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) await run();
  return Number(process.hrtime.bigint() - start) / 1e6 / rounds;
}

function report(name: string, subject: number, baseline: number): void {
  console.log(`${name.padEnd(52)} ${subject.toFixed(3).padStart(9)} ms  baseline ${baseline.toFixed(3).padStart(9)} ms  ratio ${(subject / baseline).toFixed(2)}×`);
}

async function benchPlanning(): Promise<void> {
  const payload = makePayload(FEATURES);
  const features = payload.features;
  const registry = features.map((f) => ({ id: f.id, requiresAccount: f.requiresAccount }));
  const unit = crypto.randomUUID();
  const subject = await timeIt(ROUNDS, () =>
    planFeatures({
      manifest: payload,
      registry,
      unit,
      environment: { hostVersion: '0.1.0', firefoxVersion: '128.5.0', os: 'linux', locale: 'en-US' },
      account: { signedIn: true, termsAccepted: true },
      overrides: {},
      optOuts: [],
      allowUnreviewed: false,
    }),
  );
  const encoder = new TextEncoder();
  const baseline = await timeIt(ROUNDS, () =>
    Promise.all(features.map((f) => crypto.subtle.digest('SHA-256', encoder.encode(`${f.id}:${unit}`)))),
  );
  report(`plan ${FEATURES} features vs ${FEATURES} bare SHA-256 digests`, subject, baseline);
}

async function benchVerification(): Promise<void> {
  const key = await createSigningKey('bench');
  const bytes = new TextEncoder().encode(JSON.stringify(makePayload(FEATURES)));
  const text = await signPayload(bytes, key);
  const subject = await timeIt(ROUNDS, () => verifyEnvelope(text, { keys: [key.pinned], env: MANIFEST_ENV }));
  const sig = decodeBase64url((JSON.parse(text) as Envelope).signatures[0]!.sig);
  const baseline = await timeIt(ROUNDS, () =>
    crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key.publicKey, sig as BufferSource, bytes as BufferSource),
  );
  report(`verify a ${FEATURES}-feature manifest (${(text.length / 1024).toFixed(0)} KiB) vs one bare ECDSA verify`, subject, baseline);
}

async function main(): Promise<void> {
  console.log(`Services Beta Channel benchmarks (${ROUNDS} rounds each, mean per round)`);
  await benchPlanning();
  await benchVerification();
}

void main();
