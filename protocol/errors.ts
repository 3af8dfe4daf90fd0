/**
 * The root of every error family in the channel. Each side (the add-on in
 * `extension/errors.ts`, the build and publish tools in `build/errors.ts`)
 * derives its own base from it, so any caller can read a stable `code` and
 * the path or id the error is about, whichever side threw it.
 *
 * @example
 * class ManifestRefusedError extends ChannelError {}
 * throw new ManifestRefusedError('bad-signature', 'no trusted key verifies the manifest', { subject: 'k-2026' });
 */
export interface ChannelErrorOptions {
  /** The path, feature id, key id or URL the error is about, when there is one. */
  subject?: string;
  cause?: unknown;
}

export class ChannelError extends Error {
  /** A stable, machine-readable code: `bad-signature`, `invalid-field`, `network`… */
  readonly code: string;
  /** The path, feature id, key id or URL the error is about. */
  readonly subject: string | undefined;

  constructor(code: string, message: string, options: ChannelErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.subject = options.subject;
    // Subclasses get their own name without repeating it by hand.
    this.name = new.target.name;
  }
}

/** True for any error of the channel's family, from whichever side. */
export function isChannelError(error: unknown): error is ChannelError {
  return error instanceof ChannelError;
}
