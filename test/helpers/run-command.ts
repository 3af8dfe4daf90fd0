/**
 * Runs the project's commands in a child process, as a developer would from
 * the shell, and answers how they ended instead of rejecting, so that tests
 * can assert on a failing command's exit code and words.
 *
 * @example
 * const { code, stderr } = await runScript('build/keys.ts', ['--out', dir]);
 * assert.equal(code, 0, stderr);
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  /** The folder it runs in: the repository unless given. */
  cwd?: string;
  /** The whole environment of the child: this process's unless given. */
  env?: NodeJS.ProcessEnv;
}

export function runCommand(command: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
  return new Promise((done) => {
    execFile(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Runs one of the repository's TypeScript entry points as its npm script does (`node --import tsx <script>`). */
export function runScript(script: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
  return runCommand(process.execPath, ['--import', 'tsx', script, ...args], options);
}

/**
 * Runs the real build command (webpack-cli on webpack.config.js) in `cwd`,
 * the repository unless given, with `env` on top of this process's.
 */
export function runBuild(env: NodeJS.ProcessEnv, cwd = ROOT): Promise<CommandResult> {
  return runCommand(process.execPath, [join(cwd, 'node_modules/webpack-cli/bin/cli.js'), '--config', 'webpack.config.js'], { cwd, env: { ...process.env, ...env } });
}
