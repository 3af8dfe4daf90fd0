import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Runs a command's entry point when its module is the script node was started
 * with (`npm run publish`), not when a test imports it, and exits with the
 * code the command returns.
 *
 * @example runAsCommand(import.meta.url, runKeysCli);
 */
export function runAsCommand(moduleUrl: string, run: (argv: string[]) => number | Promise<number>): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(resolve(process.argv[1])).href) return;
  void Promise.resolve(run(process.argv.slice(2))).then((code) => {
    process.exitCode = code;
  });
}
