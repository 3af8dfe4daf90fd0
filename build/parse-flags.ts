import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors';

export type Flags = Record<string, string | string[] | boolean | undefined>;

/**
 * The flags of a build command: strict, no positionals; an unknown or
 * malformed flag is a UsageError that names it.
 *
 * @example const flags = parseFlags(argv, { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
 */
export function parseFlags(argv: string[], options: NonNullable<ParseArgsConfig['options']>): Flags {
  try {
    return parseArgs({ args: argv, strict: true, allowPositionals: false, options }).values as Flags;
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
}
