/**
 * What the planner and the add-on's poll need of halt documents, without
 * their verifier (halt-document.ts), which the add-on loads only when a poll
 * brings a new one.
 */
import type { HaltEntry, HaltPayload } from './halt-document';

/** Where the beta server serves the halt document. */
export const HALT_PATH = '/v1/halt';

/** The halts of a document that apply to a manifest: none when it was issued for another. */
export function findHaltsFor(doc: HaltPayload | null | undefined, manifest: { serial: number } | null): ReadonlyMap<string, HaltEntry> {
  if (!doc || !manifest || doc.manifestSerial !== manifest.serial) return new Map();
  return new Map(doc.halts.map((halt) => [halt.featureId, halt]));
}
