/**
 * The key document client's work, loaded as a chunk of its own when the
 * add-on first needs it (a manifest check, QA's status), never on a plain
 * wake: fetches the key document (protocol/key-document.ts), verifies it
 * against the root keys pinned in this build and keeps the last good one in
 * IndexedDB, like the manifest: never rolled back, never two documents under
 * one serial.
 */
import { readHostValue, type ChannelError } from '../db';
import type { KeyStatus } from '../messages';
import { hashPayload, readPayloadBytes, verifySignatures, type TrustedSigners } from '../../protocol/envelope';
import { findHaltSigners, findManifestSigners, KEYS_PATH, verifyKeyDocument, type KeyDocumentPayload, type KeyDocumentVerifyOptions } from '../../protocol/key-document';
import { ManifestRefusedError } from '../../protocol/refusals';
import type { KeyDocumentClientDeps, ManifestTrust } from './key-document-client';
import { toRefusal } from './manifest-client';

export class KeyDocumentCheck implements ManifestTrust {
  constructor(private readonly deps: KeyDocumentClientDeps) {}

  async refresh(): Promise<boolean> {
    const { db, server } = this.deps;
    const cached = await db.get('manifest', 'keys');
    let error: Omit<ChannelError, 'at'> | null = null;
    let accepted = false;
    try {
      // The client's deadline and 1 MiB cap apply; the server takes no key document over 256 KiB.
      const answer = await server.request({ path: KEYS_PATH, headers: cached?.etag ? { 'If-None-Match': cached.etag } : {} });
      if (answer.status === 200) {
        const text = answer.text();
        // The cached document is the floor: never an older one, and under its serial only its own payload.
        const floor = cached && { lastSerial: cached.serial, lastPayloadSha256: await hashPayload(readPayloadBytes(cached.envelopeText)!) };
        const doc = await this.verify(text, { now: this.now(), ...floor });
        accepted = doc.serial !== cached?.serial;
        if (accepted) {
          await db.put('manifest', { envelopeText: text, etag: answer.headers.get('etag'), serial: doc.serial, acceptedAt: this.now().toISOString() }, 'keys');
          await this.dropManifestOfUntrustedSigner(doc);
        }
      } else if (answer.status !== 304 || !cached) {
        const why = answer.status === 404 ? ': no key document is published on this server yet' : '';
        error = { reason: 'http', message: `${KEYS_PATH} answered HTTP ${answer.status}${why}` };
      }
    } catch (thrown) {
      // The verifier throws only refusals; anything else is the request (BetaServerError) or the database.
      error =
        thrown instanceof ManifestRefusedError
          ? toRefusal(thrown)
          : { reason: 'network', message: (thrown as Error).message };
    }
    await db.put('channel', error && { ...error, at: this.now().toISOString() }, 'keysLastError');
    return accepted;
  }

  async signers(fresh: boolean): Promise<TrustedSigners> {
    const cached = await this.deps.db.get('manifest', 'keys');
    if (!cached) throw new ManifestRefusedError('no-key-document', 'no key document has been accepted yet');
    // Checked again against the root keys (an altered IndexedDB is not trusted). An expired key
    // document says no more who may sign a new manifest, only who signed the one in force.
    return findManifestSigners(await this.verify(cached.envelopeText, { checkExpiry: fresh, now: this.now() }));
  }

  /** The halt role's keys in the last good key document, or null: only they may sign a halt document. */
  async haltSigners(): Promise<TrustedSigners | null> {
    const doc = await this.loadCached();
    return doc && findHaltSigners(doc);
  }

  /** The last good key document, or null when there is none or it no longer verifies. */
  async loadCached(): Promise<KeyDocumentPayload | null> {
    const cached = await this.deps.db.get('manifest', 'keys');
    // Verified against its own serial, it could only be refused as a rollback of itself: no floor here.
    return cached ? this.verify(cached.envelopeText, { checkExpiry: false }).catch(() => null) : null;
  }

  /** What the QA panel shows about the keys. */
  async status(): Promise<KeyStatus> {
    const doc = await this.loadCached();
    return {
      serial: doc?.serial ?? null,
      expiresAt: doc?.expiresAt ?? null,
      manifestKeyIds: doc ? findManifestSigners(doc).keys.map((key) => key.keyId) : [],
      revoked: doc?.revoked ?? [],
      lastError: (await readHostValue(this.deps.db, 'keysLastError')) ?? null,
    };
  }

  /**
   * What a new key document means for the manifest in force: when the key
   * that signed it is revoked or no longer listed, the manifest is dropped and
   * the serial floor with it, since a leaked key may have signed a serial far
   * ahead, and only this lets the manifest re-signed with the new key in.
   * Installed features stay as they are meanwhile (the planner keeps them
   * without a manifest).
   */
  private async dropManifestOfUntrustedSigner(doc: KeyDocumentPayload): Promise<void> {
    const { db } = this.deps;
    const manifest = await db.get('manifest', 'current');
    const refusal = manifest && (await verifySignatures(manifest.envelopeText, findManifestSigners(doc), 'the manifest').then(() => null, (error: ManifestRefusedError) => error));
    if (!refusal) return;
    await Promise.all(['lastSerial' as const, 'lastPayloadSha256' as const].map((key) => db.delete('channel', key)));
    await db.delete('manifest', 'current');
    const message = `the last good manifest (serial ${manifest!.serial}) was dropped: ${refusal.message}`;
    await db.put('channel', { ...toRefusal(refusal), message, at: this.now().toISOString() }, 'lastError');
  }

  private verify(text: string, options: Partial<KeyDocumentVerifyOptions>): Promise<KeyDocumentPayload> {
    const { rootKeys, rootThreshold, manifestEnv } = this.deps.config;
    return verifyKeyDocument(text, { rootKeys, rootThreshold, env: manifestEnv, ...options });
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}
