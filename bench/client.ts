/**
 * `npm run bench` (first part): what the host spends on each manifest, against
 * a baseline measured in the same process, so the numbers mean the same on
 * any machine. No timing is asserted anywhere; read the figures over time.
 *
 *  - END TO END: the bytes of a valid 200-feature signed manifest in, as the
 *    add-on receives them, verified and planned decisions out, as the add-on
 *    does when a new one arrives (decode, one ECDSA verify, the schema and
 *    the policy with the add-on's own options, then the plan for a build of
 *    20 features) vs JSON.parse of the same bytes: median of 50;
 *  - its parts, to see where the time goes: planning alone vs the bare
 *    SHA-256 digests its buckets need; verifying every entry (as the server
 *    and the publisher do) vs one bare ECDSA verification of the same bytes.
 */
import { planFeatures } from '../protocol/planner';
import { verifyEnvelope, decodeBase64url } from '../protocol/envelope';
import { DAY_MS, DEFAULT_MAX_LIFETIME_DAYS } from '../protocol/manifest-policy';
import type { Envelope, ManifestFeature, ManifestPayload } from '../protocol/manifest-schema';
import { MANIFEST_ENV } from '../protocol/environments';
import { makeEntry, makeManifestPayload } from '../test/helpers/manifests';
import { createSigningKey, signPayload } from '../test/helpers/signing';
import { runBench } from './run-bench';

const FEATURES = 200;
const ROUNDS = 50;
/** Features in the add-on's build (its registry): the manifest lists many more. */
const BUILD_FEATURES = 20;

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

/** Median milliseconds of `rounds` runs, after one warm-up. */
async function timeIt(rounds: number, run: () => Promise<unknown>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

const ENVIRONMENT = { hostVersion: '0.1.0', firefoxVersion: '128.5.0', os: 'linux', locale: 'en-US' };

function report(name: string, subject: number, baseline: number): void {
  console.log(`${name.padEnd(84)} ${subject.toFixed(3).padStart(9)} ms  baseline ${baseline.toFixed(3).padStart(9)} ms  ratio ${(subject / baseline).toFixed(2)}×`);
}

async function benchVerifyAndPlan(): Promise<void> {
  const key = await createSigningKey('bench');
  // The envelope's bytes as the network hands them to the add-on.
  const bytes = new TextEncoder().encode(await signPayload(new TextEncoder().encode(JSON.stringify(makePayload(FEATURES))), key));
  const registry = makeFeatures(BUILD_FEATURES).map((f) => ({ id: f.id, requiresAccount: f.requiresAccount, owners: f.owners }));
  const onlyFeatures = new Set(registry.map((feature) => feature.id));
  // Alternated round by round, so that a busy machine slows both alike.
  const subjectTimes: number[] = [];
  const baselineTimes: number[] = [];
  const time = async (into: number[], run: () => Promise<unknown>) => {
    const start = process.hrtime.bigint();
    await run();
    into.push(Number(process.hrtime.bigint() - start) / 1e6);
  };
  for (let round = 0; round <= ROUNDS; round++) {
    await time(subjectTimes, async () => {
      // ManifestClient.check's options: this build's features only, the lifetime cap, the last serial.
      const manifest = await verifyEnvelope(new TextDecoder().decode(bytes), {
        keys: [key.pinned], env: MANIFEST_ENV, now: new Date(), allowUnreviewed: false,
        maxLifetimeMs: DEFAULT_MAX_LIFETIME_DAYS * DAY_MS, onlyFeatures, lastSerial: 0,
      });
      // A fresh unit each round: no bucket is remembered from an earlier round.
      return planFeatures({
        manifest, registry, unit: crypto.randomUUID(), environment: ENVIRONMENT,
        account: { signedIn: true, termsAccepted: true }, overrides: {}, optOuts: [], allowUnreviewed: false,
      });
    });
    // The same bytes: the envelope, then the payload inside it.
    await time(baselineTimes, async () => JSON.parse(new TextDecoder().decode(decodeBase64url((JSON.parse(new TextDecoder().decode(bytes)) as Envelope).payload))));
  }
  const median = (times: number[]) => times.slice(1).sort((a, b) => a - b)[times.length >> 1]!;
  const [subject, baseline] = [median(subjectTimes), median(baselineTimes)];
  report(`END TO END: ${(bytes.length / 1024).toFixed(0)} KiB of a ${FEATURES}-feature manifest in, verified + planned (build of ${BUILD_FEATURES}) out, vs JSON.parse`, subject, baseline);
}

async function benchPlanning(): Promise<void> {
  const payload = makePayload(FEATURES);
  const features = payload.features;
  const registry = features.slice(0, BUILD_FEATURES).map((f) => ({ id: f.id, requiresAccount: f.requiresAccount, owners: f.owners }));
  const subject = await timeIt(ROUNDS, () =>
    planFeatures({
      manifest: payload, registry, unit: crypto.randomUUID(), environment: ENVIRONMENT,
      account: { signedIn: true, termsAccepted: true }, overrides: {}, optOuts: [], allowUnreviewed: false,
    }),
  );
  const encoder = new TextEncoder();
  const unit = crypto.randomUUID();
  const baseline = await timeIt(ROUNDS, () =>
    Promise.all(registry.map((f) => crypto.subtle.digest('SHA-256', encoder.encode(`${f.id}:${unit}`)))),
  );
  report(`plan ${FEATURES} features (build of ${BUILD_FEATURES}) vs ${BUILD_FEATURES} bare SHA-256 digests`, subject, baseline);
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
  report(`verify a ${FEATURES}-feature manifest, every entry (server, publisher) vs one bare ECDSA verify`, subject, baseline);
}

async function main(): Promise<void> {
  console.log(`Services Beta Channel benchmarks (${ROUNDS} rounds each, median)`);
  await benchVerifyAndPlan();
  console.log('where it goes:');
  await benchPlanning();
  await benchVerification();
}

runBench(main);
