/**
 * Why a signed document (the manifest or the key document) was refused. One
 * error type for both, so the add-on, the server and the publish tool report
 * refusals the same way and the QA panel can show the key id at fault.
 */
import { ChannelError } from './errors';

export type RefusalReason =
  | 'malformed-envelope'
  | 'unknown-key'
  | 'revoked-key'
  | 'bad-signature'
  | 'below-threshold'
  | 'malformed-payload'
  | 'wrong-env'
  | 'expired'
  | 'lifetime-too-long'
  | 'issued-in-future'
  | 'implausible-serial'
  | 'rollback'
  | 'serial-reused'
  | 'unreviewed'
  | 'no-key-document'
  | 'no-manifest-key'
  | 'halt-wrong-manifest'
  | 'halt-unknown-feature'
  | 'halt-raises'
  | 'halt-unkills';

/**
 * `code` (also `reason`) is stable, `message` is for people, `subject` names
 * the key ids, serial or environment at fault when there is one.
 */
export class ManifestRefusedError extends ChannelError {
  declare readonly code: RefusalReason;

  constructor(reason: RefusalReason, message: string, options: { subject?: string } = {}) {
    super(reason, message, options);
  }

  get reason(): RefusalReason {
    return this.code;
  }
}
