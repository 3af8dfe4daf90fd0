/**
 * The build and publish tools' error family: every error they throw on
 * purpose derives from BuildError, carrying a stable `code` and the file,
 * feature id or field it is about (`subject`). Command-line entry points
 * print a BuildError's message without a stack trace and exit 1: it is meant
 * for the author, not for a debugger.
 */
import { ChannelError } from '../protocol/errors';

export { type ChannelErrorOptions } from '../protocol/errors';

export class BuildError extends ChannelError {}

/** True for an error the build means for its user (print it, exit 1), as opposed to a bug. */
export function isBuildError(error: unknown): error is BuildError {
  return error instanceof BuildError;
}
