/**
 * The add-on's error family: every error the host throws on purpose derives
 * from HostError, carrying a stable `code` and the feature id, URL or key id
 * it is about (`subject`).
 */
import { ChannelError } from '../protocol/errors';

export { type ChannelErrorOptions } from '../protocol/errors';

export class HostError extends ChannelError {}
