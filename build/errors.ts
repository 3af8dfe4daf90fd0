/**
 * The build and publish tools' error family: every error they throw on
 * purpose derives from BuildError, carrying a stable `code` and the file,
 * feature id, flag or URL it is about (`subject`). Command-line entry points
 * print such an error's message without a stack trace and exit 1 (2 for a
 * UsageError): it is meant for the author, not for a debugger.
 *
 * Every code the build's errors carry is listed in BuildErrorCode, so a
 * caller can rely on them.
 *
 * @example
 * throw new UsageError('missing --release', { subject: '--release' });
 */
import { ChannelError, isChannelError, type ChannelErrorOptions } from '../protocol/errors';

export { type ChannelErrorOptions } from '../protocol/errors';

export type BuildErrorCode =
  /** A command-line mistake (UsageError); the subject is the flag. */
  | 'usage'
  /** Malformed feature folders (FeatureValidationError); the subject is the file, or the features folder for several. */
  | 'invalid-feature'
  /** Malformed service folders (ServiceValidationError); the subject is the services folder. */
  | 'invalid-service'
  /** A bad channel.config.json or SBC_* variable (BuildSettingsError); the subject is the file or the variable. */
  | 'invalid-settings'
  /** No public key to pin (BuildSettingsError); the subject is the key folder. */
  | 'missing-public-key'
  /** A release with missing or stale sign-offs (ReleaseRefusedError); the subject is the release file. */
  | 'release-refused'
  /** A --serial that would not move the channel forward (SerialError); the subject is "--serial". */
  | 'stale-serial'
  /** The beta server could not be reached (ServerError); the subject is the URL. */
  | 'server-unreachable'
  /** The beta server refused (ServerError); the subject is the URL, `serverCode` its own code. */
  | 'server-refused'
  /** The beta server answered something the publisher cannot read (ServerError); the subject is the URL. */
  | 'server-bad-answer'
  /** A key id or name that cannot be a file name (KeyGenerationError); the subject is the flag. */
  | 'invalid-key-id'
  /** A key pair that would overwrite an existing key (KeyGenerationError); the subject is the file. */
  | 'key-exists'
  /** A feature id that breaks the id rule (NewFeatureError); the subject is the id. */
  | 'invalid-feature-id'
  /** A feature folder or test that already exists (NewFeatureError); the subject is the path. */
  | 'feature-exists';

export class BuildError extends ChannelError {
  declare readonly code: BuildErrorCode;

  constructor(code: BuildErrorCode, message: string, options: ChannelErrorOptions = {}) {
    super(code, message, options);
  }
}

/**
 * A build error with one of the codes C, always about one subject (the flag,
 * file or id); subclasses name their codes and add nothing else.
 *
 * @example export class KeyGenerationError extends SubjectBuildError<'invalid-key-id' | 'key-exists'> {}
 */
export class SubjectBuildError<C extends BuildErrorCode> extends BuildError {
  declare readonly code: C;
  declare readonly subject: string;

  constructor(code: C, message: string, subject: string) {
    super(code, message, { subject });
  }
}

/** True for an error the build means for its user (print it, exit 1), as opposed to a bug. */
export function isBuildError(error: unknown): error is BuildError {
  return error instanceof BuildError;
}

/**
 * True for any error meant for the author, whichever side of the channel
 * threw it: the build's own, and the protocol's (key files, release files)
 * that the build and publish tools meet while reading their input.
 */
export function isAuthorFacing(error: unknown): error is ChannelError {
  return isChannelError(error);
}

/**
 * What a command prints for an error: the message alone for an error meant
 * for the author, the stack for anything else (a bug, to be reported).
 *
 * @example console.error(`publish: ${describeForCli(error)}`);
 */
export function describeForCli(error: unknown): string {
  if (isAuthorFacing(error)) return error.message;
  return `unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}

/** A command-line mistake: the command prints its usage and exits 2. */
export class UsageError extends BuildError {
  constructor(message: string, options: ChannelErrorOptions = {}) {
    super('usage', message, options);
  }
}
