/**
 * Asking for the halt document, its verification and its rules, in a chunk
 * of its own: the event page loads it when it polls, never on a wake, so the
 * host runtime stays small (channel.config.json sizeBudgets).
 */
import { readHostValue, type ChannelError, type HostDb } from '../db';
import type { HaltStatus } from '../messages';
import { hashPayload, readPayloadBytes } from '../../protocol/envelope';
import { checkHaltDocument, verifyHaltDocument } from '../../protocol/halt-document';
import { HALT_PATH } from '../../protocol/halts';
import type { ManifestPayload } from '../../protocol/manifest-schema';
import { BetaServerError } from './beta-server-client';
import type { HaltCheckResult, HaltClientDeps } from './halt-client';
import type { CheckResult } from './manifest-client';

/**
 * GET /v1/halt; a new document is verified against the halt role's keys,
 * checked against the manifest in force and the halt before it, and kept.
 * One for an older manifest is left aside. Never throws.
 */
export async function checkHalt(deps: HaltClientDeps, manifest: ManifestPayload): Promise<HaltCheckResult> {
  const { db } = deps;
  const finish = async (error: ChannelError | null, outcome: 'unchanged' | 'refused' | 'failed'): Promise<HaltCheckResult> => {
    await db.put('channel', error, 'haltLastError');
    return { outcome };
  };
  const signers = await deps.signers();
  if (!signers) return { outcome: 'unchanged' };
  const cached = await readHostValue(db, 'halt');
  const now = (deps.now ?? (() => new Date()))();
  const at = now.toISOString();
  try {
    const answer = await deps.server.request({
      path: HALT_PATH,
      headers: cached?.etag ? { 'If-None-Match': cached.etag } : {},
      maxBytes: 256 * 1024,
      readBody: (status) => status === 200,
    });
    // 404: nothing was ever halted on this server; 304: nothing new.
    if (answer.status === 404 || answer.status === 304) return await finish(null, 'unchanged');
    if (answer.status !== 200) return await finish({ reason: 'http', message: `${HALT_PATH} answered HTTP ${answer.status}`, at }, 'failed');
    const text = answer.text();
    const lastSerial = (await readHostValue(db, 'haltLastSerial')) ?? cached?.payload.serial;
    const payload = await verifyHaltDocument(text, {
      signers,
      env: deps.env,
      now,
      ...(lastSerial === undefined ? {} : { lastSerial, ...(cached ? { lastPayloadSha256: cached.payloadSha256 } : {}) }),
    });
    // A halt of an older manifest: the channel has published since, and that ends it.
    if (payload.manifestSerial < manifest.serial || payload.serial === cached?.payload.serial) return await finish(null, 'unchanged');
    checkHaltDocument(payload, manifest, cached?.payload);
    const payloadSha256 = await hashPayload(readPayloadBytes(text)!);
    const tx = db.transaction('channel', 'readwrite');
    await Promise.all([
      tx.store.put({ envelopeText: text, etag: answer.headers.get('etag'), payload, payloadSha256 }, 'halt'),
      tx.store.put(payload.serial, 'haltLastSerial'),
      tx.store.put(null, 'haltLastError'),
      tx.done,
    ]);
    return { outcome: 'accepted', halt: payload };
  } catch (error) {
    if (error instanceof BetaServerError) return finish({ reason: 'network', message: error.message, at }, 'failed');
    const { code, message } = error as { code?: unknown; message?: string };
    const reason = typeof code === 'string' ? (code as ChannelError['reason']) : 'malformed-envelope';
    return finish({ reason, message: message ?? String(error), at }, 'refused');
  }
}

/**
 * One poll: the manifest's check, then the halt's for the manifest in force.
 * A new halt goes to `holder` (the replanner); with no new manifest, the
 * manifest in force comes back as accepted, so that the poller plans again.
 */
export async function checkManifestAndHalt(
  manifests: { check(): Promise<CheckResult> },
  deps: HaltClientDeps,
  holder: { manifest: ManifestPayload | null; halt: import('../../protocol/halt-document').HaltPayload | null },
): Promise<CheckResult> {
  const result = await manifests.check();
  const manifest = result.outcome === 'accepted' ? result.payload : holder.manifest;
  const halt = manifest ? await checkHalt(deps, manifest) : null;
  if (halt?.outcome !== 'accepted') return result;
  holder.halt = halt.halt;
  return result.outcome === 'accepted' || !manifest ? result : { outcome: 'accepted', payload: manifest };
}

/** What the QA panel shows about halts. */
export async function readHaltStatus(db: HostDb): Promise<HaltStatus> {
  const [cached, lastError] = await Promise.all([readHostValue(db, 'halt'), readHostValue(db, 'haltLastError')]);
  const halt = cached?.payload;
  return { serial: halt?.serial ?? null, issuedAt: halt?.issuedAt ?? null, manifestSerial: halt?.manifestSerial ?? null, lastError: lastError ?? null };
}
