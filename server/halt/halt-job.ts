/**
 * The gate job: every interval, judges the features of the manifest in force
 * against the gates of their stage (gates.ts) and, when one fails, signs a
 * new halt document with the halt key and stores it, for GET /v1/halt. The
 * halt key can sign nothing the add-on would take for a manifest, and the
 * document is checked here with the add-on's own rules before it is signed.
 * Several server processes may run it at once: the store keeps only a serial
 * above the last, so one of them wins a round and the others change nothing.
 */
import { decodeBase64url, signEnvelope } from '../../protocol/envelope';
import { checkHaltDocument, haltPayloadSchema, HALT_DOCUMENT_KIND, HALT_SCHEMA_VERSION, type HaltPayload } from '../../protocol/halt-document';
import { DAY_MS } from '../../protocol/manifest-policy';
import { parseManifestPayload, type ManifestPayload } from '../../protocol/manifest-schema';
import { readFeatureMetrics } from '../health/feature-health';
import { judgeFeature } from '../health/judge';
import { computeEtag } from '../routes/signed-documents';
import type { BetaStore, ManifestRecord } from '../store/store';
import { decideHalt, mergeHalts, type HaltDecision } from './gates';

/** A halt is re-signed when half of this is gone, so a new install never meets an expired one. */
export const HALT_LIFETIME_DAYS = 7;

export interface HaltJobOptions {
  store: BetaStore;
  /** The halt key (HALT_KEY): PKCS#8, P-256. */
  signer: { keyId: string; privateKey: CryptoKey };
  env: string;
  now: () => number;
  /** How long before a stage ends its gates must hold (gates.ts DEFAULT_GATE_LEAD_MS). */
  leadMs?: number;
  /** Called after this process stored a new halt document. */
  onPublished?: (payload: HaltPayload) => Promise<void> | void;
  log?: Pick<Console, 'log' | 'warn'>;
}

/** The payload of a signed document the server stored itself (verified on upload, or signed here), parsed. */
export function readPayload<T>(record: ManifestRecord, parse: (raw: unknown) => T): T {
  const envelope = JSON.parse(record.bytes.toString('utf8')) as { payload: string };
  return parse(JSON.parse(new TextDecoder().decode(decodeBase64url(envelope.payload))));
}

/**
 * One round: returns the halt document it stored, or null when nothing had
 * to change (or another process stored one first).
 *
 * @example const stored = await runHaltRound({ store, signer, env: MANIFEST_ENV, now: Date.now });
 */
export async function runHaltRound(options: HaltJobOptions): Promise<HaltPayload | null> {
  const { store } = options;
  const manifestRecord = await store.getCurrentManifest();
  if (!manifestRecord) return null;
  const manifest: ManifestPayload = readPayload(manifestRecord, (raw) => parseManifestPayload(raw));
  const previousRecord = await store.getCurrentHalt();
  const previous = previousRecord ? readPayload(previousRecord, (raw) => haltPayloadSchema.parse(raw)) : null;
  const sameManifest = previous?.manifestSerial === manifest.serial ? previous : null;
  const earlier = sameManifest?.halts ?? [];
  const now = new Date(options.now());
  const day = now.toISOString().slice(0, 10);

  const decided = new Map<string, HaltDecision>();
  for (const feature of manifest.features) {
    if (!feature.exitCriteria || earlier.some((halt) => halt.featureId === feature.id && halt.action === 'kill')) continue;
    const health = judgeFeature(feature.exitCriteria, await readFeatureMetrics(store, feature.id, day));
    const decision = decideHalt(feature, health, now, options.leadMs);
    if (decision) decided.set(feature.id, decision);
    // SQLite answers synchronously: a turn of the event loop per feature keeps the round from holding requests back.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const halts = mergeHalts(earlier, decided, now);
  const lifetimeMs = HALT_LIFETIME_DAYS * DAY_MS;
  const ageing = sameManifest !== null && Date.parse(sameManifest.expiresAt) - now.getTime() < lifetimeMs / 2;
  if (halts.length === 0 || (halts === earlier && !ageing)) return null;

  const payload: HaltPayload = {
    schema: HALT_SCHEMA_VERSION,
    kind: HALT_DOCUMENT_KIND,
    env: options.env,
    serial: Math.max(Math.floor(now.getTime() / 1000), (previousRecord?.serial ?? 0) + 1),
    issuedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + lifetimeMs).toISOString(),
    manifestSerial: manifest.serial,
    halts: [...halts],
  };
  // The add-on's rules, applied before signing: a bug here must never reach it as a refused halt.
  checkHaltDocument(payload, manifest, sameManifest);
  const bytes = new TextEncoder().encode(JSON.stringify(payload));
  const envelope = Buffer.from(JSON.stringify(await signEnvelope(bytes, [options.signer])));
  const stored = await store.publishHalt({ serial: payload.serial, bytes: envelope, etag: computeEtag(envelope), publishedAt: now.getTime() });
  if (!stored) return null;
  for (const halt of halts) {
    if (!earlier.includes(halt)) (options.log ?? console).log(`beta server: halted ${halt.featureId} (${halt.action}): ${halt.reason}`);
  }
  await options.onPublished?.(payload);
  return payload;
}

/**
 * Runs a round every `intervalMs`, one at a time; a failed round is logged
 * and tried again at the next.
 *
 * @example const job = startHaltJob({ store, signer, env: MANIFEST_ENV, now: Date.now }, 60_000); … await job.stop();
 */
export function startHaltJob(options: HaltJobOptions, intervalMs: number): { runNow(): Promise<HaltPayload | null>; stop(): Promise<void> } {
  let running: Promise<HaltPayload | null> | null = null;
  const runNow = () => {
    running ??= runHaltRound(options)
      .catch((error: unknown) => {
        (options.log ?? console).warn('beta server: the gate check failed; it runs again at the next interval:', error);
        return null;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = setInterval(() => void runNow(), intervalMs);
  timer.unref();
  return {
    runNow,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
