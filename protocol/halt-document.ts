/**
 * The halt document (DESIGN.md decision 11): what the beta server may sign
 * with its halt key, and nothing more. It freezes a feature at its current
 * stage or kills it, for the manifest in force. It can never raise a rollout,
 * add a feature or bring back one it stopped: the add-on refuses any document
 * that would (checkHaltDocument), so a server that is broken into can at most
 * turn features off. A new manifest, signed with the channel key, ends the
 * halts of the previous one: only the channel decides to ship again.
 *
 * Payload:
 *   {"schema": 1, "kind": "halt", "env": "beta", "serial": 1795564900,
 *    "issuedAt": "…", "expiresAt": "…", "manifestSerial": 1795564800,
 *    "halts": [{"featureId": "page-notes", "action": "kill", "reason": "failureRate …", "haltedAt": "…"},
 *              {"featureId": "reading-time", "action": "freeze", "stage": 1, "reason": "…", "haltedAt": "…"}]}
 *
 * Like the manifest it is served as stored bytes, expires, and its serial
 * never goes back. An expired halt document is not accepted afresh, but the
 * one accepted stays in force: a halt never lapses by the clock.
 */
import * as z from 'zod/mini';
import { hashPayload, parsePayload, verifySignatures, type TrustedSigners } from './envelope';
import { checkManifestPolicy, DAY_MS } from './manifest-policy';
import { featureId, type ManifestPayload } from './manifest-schema';
import { ManifestRefusedError } from './refusals';
import { checkEnvAndExpiry, isoDateTime, signedDocumentHeader } from './signed-document-header';
import { describeStage, findCurrentStage } from './stage-clock';
import { MAX_STAGES } from './stages';

export const HALT_SCHEMA_VERSION = 1;
export const HALT_DOCUMENT_KIND = 'halt';
export const MAX_HALT_LIFETIME_DAYS = 30;

export const haltEntrySchema = z.strictObject({
  featureId,
  /** freeze: no further stage (the rollout stays at `stage`); kill: uninstalled everywhere. */
  // Literals, not z.enum: the add-on's zod already carries them, and this schema loads in its event page.
  action: z.literal(['freeze', 'kill']),
  /** For a freeze of a staged feature: the stage it stays at (-1: the plan has not started). */
  stage: z.optional(z.int().check(z.gte(-1), z.lte(MAX_STAGES - 1))),
  /** Shown to QA; written by the server from the gate that failed. */
  reason: z.string().check(z.minLength(1), z.maxLength(500)),
  haltedAt: isoDateTime,
});
export type HaltEntry = z.infer<typeof haltEntrySchema>;

export const haltPayloadSchema = z.strictObject({
  ...signedDocumentHeader(HALT_SCHEMA_VERSION, HALT_DOCUMENT_KIND),
  /** The manifest whose features it halts; it does nothing under any other. */
  manifestSerial: z.int().check(z.positive()),
  halts: z.array(haltEntrySchema).check(
    z.maxLength(500),
    z.superRefine((halts, ctx) => {
      const seen = new Set<string>();
      halts.forEach((halt, index) => {
        if (seen.has(halt.featureId)) ctx.addIssue({ code: 'custom', path: [index, 'featureId'], message: `names feature "${halt.featureId}" a second time`, input: halt.featureId });
        seen.add(halt.featureId);
      });
    }),
  ),
});
export type HaltPayload = z.infer<typeof haltPayloadSchema>;

export interface HaltVerifyOptions {
  /** The halt role's keys (key document `roles.halt`): no other key may sign a halt. */
  signers: TrustedSigners;
  env: string;
  now?: Date;
  /** False when re-reading the halt document accepted earlier. */
  checkExpiry?: boolean;
  lastSerial?: number;
  lastPayloadSha256?: string;
}

const LABEL = 'the halt document';

/**
 * Verifies a halt document's envelope: a signature by a halt key, the
 * schema, the environment, the expiry, and the manifest's lifetime, clock and
 * serial rules. What it halts is checked against the manifest by
 * checkHaltDocument. Throws ManifestRefusedError.
 *
 * @example
 * const halt = await verifyHaltDocument(text, { signers: findHaltSigners(keyDocument), env: MANIFEST_ENV });
 * checkHaltDocument(halt, manifest, previousHalt);
 */
export async function verifyHaltDocument(envelopeText: string, options: HaltVerifyOptions): Promise<HaltPayload> {
  const { payloadBytes } = await verifySignatures(envelopeText, { source: 'the halt role', ...options.signers }, LABEL);
  const doc = parsePayload(payloadBytes, haltPayloadSchema, LABEL);
  const { now, fresh } = checkEnvAndExpiry(doc, LABEL, options);
  const sameBytes = options.lastPayloadSha256 !== undefined && doc.serial === options.lastSerial && (await hashPayload(payloadBytes)) === options.lastPayloadSha256;
  try {
    checkManifestPolicy(doc, {
      maxLifetimeMs: MAX_HALT_LIFETIME_DAYS * DAY_MS,
      ...(fresh ? { now } : {}),
      ...(options.lastSerial === undefined ? {} : { lastSerial: options.lastSerial }),
      samePayloadAsLast: sameBytes,
    });
  } catch (error) {
    // The policy speaks of the manifest; the same rule holds here, said of the halt document.
    if (!(error instanceof ManifestRefusedError)) throw error;
    throw new ManifestRefusedError(error.reason, error.message.replace(/^the manifest/, LABEL), error.subject ? { subject: error.subject } : {});
  }
  return doc;
}

/**
 * Refuses a halt document that does more than halt the manifest in force:
 * one for another manifest (`halt-wrong-manifest`), one naming a feature the
 * manifest does not list (`halt-unknown-feature`), one that would raise a
 * feature's stage or lift a freeze (`halt-raises`), or one that would bring
 * back a feature an earlier halt killed (`halt-unkills`). `previous` is the
 * halt document accepted before, when it was for the same manifest.
 */
export function checkHaltDocument(doc: HaltPayload, manifest: Pick<ManifestPayload, 'serial' | 'features'>, previous?: HaltPayload | null): void {
  if (doc.manifestSerial !== manifest.serial) {
    throw new ManifestRefusedError(
      'halt-wrong-manifest',
      `${LABEL} (serial ${doc.serial}) halts manifest serial ${doc.manifestSerial}, not the manifest in force (serial ${manifest.serial})`,
      { subject: String(doc.manifestSerial) },
    );
  }
  const entries = new Map(manifest.features.map((feature) => [feature.id, feature]));
  const issuedAt = new Date(doc.issuedAt);
  for (const halt of doc.halts) {
    const entry = entries.get(halt.featureId);
    if (!entry) {
      throw new ManifestRefusedError('halt-unknown-feature', `${LABEL} names feature "${halt.featureId}", which manifest serial ${manifest.serial} does not list: a halt may not add a feature`, {
        subject: halt.featureId,
      });
    }
    if (halt.action !== 'freeze') continue;
    if (!entry.stages) {
      if (halt.stage !== undefined) throw raises(halt.featureId, `names stage ${halt.stage + 1}, but the feature has no stages`);
      continue;
    }
    if (halt.stage === undefined) throw raises(halt.featureId, 'freezes a staged feature without naming the stage it stays at');
    const reached = findCurrentStage(entry.stages, issuedAt).index;
    if (halt.stage > reached) {
      throw raises(halt.featureId, `freezes it at ${describeStage(entry.stages, halt.stage)}, above the ${describeStage(entry.stages, reached)} it had reached when the halt was issued`);
    }
  }
  if (!previous || previous.manifestSerial !== doc.manifestSerial) return;
  const now = new Map(doc.halts.map((halt) => [halt.featureId, halt]));
  for (const before of previous.halts) {
    const after = now.get(before.featureId);
    if (before.action === 'kill' && after?.action !== 'kill') {
      throw new ManifestRefusedError('halt-unkills', `${LABEL} (serial ${doc.serial}) would bring back "${before.featureId}", which halt serial ${previous.serial} killed`, {
        subject: before.featureId,
      });
    }
    if (!after) throw raises(before.featureId, `drops the freeze that halt serial ${previous.serial} put on it`);
    if (after.action === 'freeze' && (after.stage ?? -1) > (before.stage ?? -1)) {
      throw raises(before.featureId, `moves its freeze from stage ${(before.stage ?? -1) + 1} up to stage ${(after.stage ?? -1) + 1}`);
    }
  }
}

function raises(id: string, what: string): ManifestRefusedError {
  return new ManifestRefusedError('halt-raises', `${LABEL} ${what} ("${id}"): a halt may only hold a rollout back`, { subject: id });
}
