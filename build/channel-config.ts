/**
 * Which beta server a build talks to and which keys it trusts. The
 * environments live in channel.config.json; SBC_* environment variables
 * override them (tests and local experiments), so one source tree builds the
 * add-on for every environment.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import type { BuildConfig } from '../protocol/build-config';
import type { PinnedKey } from '../protocol/envelope';
import { BUILD_ENVS, MANIFEST_ENV, type BuildEnv } from '../protocol/environments';
import { PUBLIC_KEY_SUFFIX, readPublicKeys } from '../protocol/key-files';
import { listZodIssues } from '../protocol/zod-issues';
import { BuildError } from './errors';
import { generateKeyPair } from './keys';
import type { SizeBudgets } from './size-budget-plugin';

const environmentSchema = z.strictObject({
  origin: z.string().min(1),
  /** Root public keys: files or folders (every *.public.json inside), relative to the repository root. */
  rootKeys: z.array(z.string().min(1)).min(1),
  /** How many distinct root keys must sign a key document. */
  rootThreshold: z.number().int().min(1).max(16),
  allowUnreviewed: z.boolean(),
  pollMinutes: z.number().positive(),
  /** The longest a manifest may be valid (expiresAt - issuedAt); the add-on refuses longer ones. */
  maxManifestLifetimeDays: z.number().positive().max(366),
});

export const channelConfigSchema = z.strictObject({
  environments: z.strictObject({ local: environmentSchema, beta: environmentSchema }),
  /** Gzip budgets in KB: the build fails when a bundle passes its budget (build/size-budget-plugin.ts). */
  sizeBudgets: z.strictObject({ hostRuntimeGzipKB: z.number().positive(), uiPageGzipKB: z.number().positive() }),
});
export type ChannelConfig = z.infer<typeof channelConfigSchema>;

/** A build setting is wrong or missing; the message and the subject name the file, folder or variable. */
export class BuildSettingsError extends BuildError {
  constructor(message: string, subject: string, code: 'invalid-settings' | 'missing-public-key' = 'invalid-settings') {
    super(code, message, { subject });
  }
}

/** Everything one build needs to know, with absolute paths. */
export interface BuildSettings {
  rootDir: string;
  buildEnv: BuildEnv;
  origin: string;
  /** Where the root public keys are. */
  publicKeyPaths: string[];
  rootThreshold: number;
  allowUnreviewed: boolean;
  pollMinutes: number;
  sizeBudgets: SizeBudgets;
  maxManifestLifetimeDays: number;
  /** dist/ by default: holds extension/, the .xpi and features.lock.json. */
  outDir: string;
  featuresDir: string;
  /** Where the sbc:* modules are written before compiling. */
  generatedDir: string;
  /** The event page's entry module. */
  backgroundEntry: string;
  /** Holds options.ts, popup.ts and the pages' html/css. */
  uiDir: string;
  /** `_locales/` by default: the add-on's words, one folder per language. */
  localesDir: string;
  /** SBC_PSEUDO_LOCALE=1: the default language's words accented and lengthened, to check layouts and find words not in the messages file. */
  pseudoLocale: boolean;
}

/**
 * Reads channel.config.json and applies the SBC_* overrides:
 * SBC_ENV (default "local"), SBC_ORIGIN, SBC_ROOT_KEYS (comma-separated; SBC_PUBLIC_KEYS
 * is its older name), SBC_ROOT_THRESHOLD,
 * SBC_POLL_MINUTES, SBC_HOST_BUDGET_KB, SBC_UI_BUDGET_KB, SBC_OUT_DIR (default "dist"), SBC_FEATURES_DIR (default
 * "features"), SBC_GENERATED_DIR (default ".generated"), SBC_BACKGROUND_ENTRY
 * SBC_UI_DIR, SBC_LOCALES_DIR (default "_locales") and SBC_PSEUDO_LOCALE ("1": pseudo-locale build).
 *
 * @example
 *   const settings = resolveBuildSettings({ rootDir: process.cwd(), env: { SBC_ENV: 'beta' } });
 *   settings.origin; // "https://beta.services.example.org"
 */
export function resolveBuildSettings(options: { rootDir: string; env?: NodeJS.ProcessEnv }): BuildSettings {
  const rootDir = resolve(options.rootDir);
  const env = options.env ?? process.env;
  const configPath = join(rootDir, 'channel.config.json');
  const config = readChannelConfig(configPath);

  const buildEnv = env.SBC_ENV || 'local';
  if (!(BUILD_ENVS as readonly string[]).includes(buildEnv)) {
    throw new BuildSettingsError(`SBC_ENV="${buildEnv}": must be one of ${BUILD_ENVS.join(', ')} (see ${configPath})`, 'SBC_ENV');
  }
  const chosen = config.environments[buildEnv as BuildEnv];
  const fromRoot = (path: string) => resolve(rootDir, path);
  // SBC_PUBLIC_KEYS is the older name of SBC_ROOT_KEYS.
  const override = env.SBC_ROOT_KEYS || env.SBC_PUBLIC_KEYS;
  const publicKeys = override ? override.split(',').map((p) => p.trim()).filter(Boolean) : chosen.rootKeys;
  return {
    rootDir,
    buildEnv: buildEnv as BuildEnv,
    origin: parseOrigin(env.SBC_ORIGIN || chosen.origin, env.SBC_ORIGIN ? 'SBC_ORIGIN' : `${configPath} environments.${buildEnv}.origin`),
    publicKeyPaths: publicKeys.map(fromRoot),
    rootThreshold: env.SBC_ROOT_THRESHOLD ? parseThreshold(env.SBC_ROOT_THRESHOLD) : chosen.rootThreshold,
    allowUnreviewed: chosen.allowUnreviewed,
    pollMinutes: env.SBC_POLL_MINUTES ? parsePollMinutes(env.SBC_POLL_MINUTES) : chosen.pollMinutes,
    sizeBudgets: {
      hostRuntimeGzipKB: env.SBC_HOST_BUDGET_KB ? parsePositive(env.SBC_HOST_BUDGET_KB, 'SBC_HOST_BUDGET_KB') : config.sizeBudgets.hostRuntimeGzipKB,
      uiPageGzipKB: env.SBC_UI_BUDGET_KB ? parsePositive(env.SBC_UI_BUDGET_KB, 'SBC_UI_BUDGET_KB') : config.sizeBudgets.uiPageGzipKB,
    },
    maxManifestLifetimeDays: chosen.maxManifestLifetimeDays,
    outDir: fromRoot(env.SBC_OUT_DIR || 'dist'),
    featuresDir: fromRoot(env.SBC_FEATURES_DIR || 'features'),
    generatedDir: fromRoot(env.SBC_GENERATED_DIR || '.generated'),
    backgroundEntry: fromRoot(env.SBC_BACKGROUND_ENTRY || 'extension/background/main.ts'),
    uiDir: fromRoot(env.SBC_UI_DIR || 'extension/ui'),
    localesDir: fromRoot(env.SBC_LOCALES_DIR || '_locales'),
    pseudoLocale: env.SBC_PSEUDO_LOCALE === '1',
  };
}

/** Reads and validates channel.config.json; errors name the file and the field. */
export function readChannelConfig(path: string): ChannelConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new BuildSettingsError(`${path}: cannot read the channel configuration: ${(error as Error).message}`, path);
  }
  const result = channelConfigSchema.safeParse(raw);
  if (!result.success) {
    const lines = listZodIssues(result.error, { input: raw }).map(({ field, message }) => `  ${path}  ${field}  ${message}`);
    throw new BuildSettingsError(`invalid channel configuration:\n${lines.join('\n')}`, path);
  }
  return result.data;
}

function parseOrigin(value: string, source: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new BuildSettingsError(`${source}: "${value}" is not a URL`, source);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== value.replace(/\/$/, '')) {
    throw new BuildSettingsError(`${source}: "${value}" must be an http(s) origin such as https://beta.example.org, without a path`, source);
  }
  return url.origin;
}

function parseThreshold(value: string): number {
  const threshold = Number(value);
  if (!Number.isInteger(threshold) || threshold < 1) throw new BuildSettingsError(`SBC_ROOT_THRESHOLD="${value}": must be a whole number of at least 1`, 'SBC_ROOT_THRESHOLD');
  return threshold;
}

function parsePollMinutes(value: string): number {
  return parsePositive(value, 'SBC_POLL_MINUTES');
}

function parsePositive(value: string, variable: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new BuildSettingsError(`${variable}="${value}": must be a positive number`, variable);
  return number;
}

export type GenerateKeyPairFn = (options: { outDir: string; name?: string }) => Promise<{ keyId: string }>;

/**
 * Reads the public keys to pin. A local build with no key yet first creates
 * a development key pair in the first key folder, so that a fresh clone
 * builds and the local server can sign with the private half; a beta build
 * without a key fails, saying where the channel's public key goes.
 *
 * @example
 *   const keys = await loadPinnedKeys(settings); // [{ keyId: "local-20261125-3fa9c1", jwk: {…} }]
 */
export async function loadPinnedKeys(
  settings: BuildSettings,
  generate: GenerateKeyPairFn = generateKeyPair,
  log: (line: string) => void = (line) => console.warn(line),
): Promise<PinnedKey[]> {
  const where = settings.publicKeyPaths.map((path) => relative(settings.rootDir, path) || '.').join(', ');
  if (!hasPublicKey(settings.publicKeyPaths)) {
    if (settings.buildEnv !== 'local') {
      throw new BuildSettingsError(
        `no public key for the "${settings.buildEnv}" environment in ${where}: put the channel's root key <keyId>${PUBLIC_KEY_SUFFIX} there ` +
          `(the private key stays offline with the root key holders; see keys/beta/README.md)`,
        where,
        'missing-public-key',
      );
    }
    const keyDir = settings.publicKeyPaths[0]!;
    if (keyDir.endsWith('.json')) {
      throw new BuildSettingsError(`${keyDir}: public key file not found, and a development key can only be created in a folder`, keyDir, 'missing-public-key');
    }
    const { keyId } = await generate({ outDir: keyDir, name: 'local-root' });
    log(`No local root key yet: created the development root key pair "${keyId}" in ${relative(settings.rootDir, keyDir) || keyDir}`);
  }
  const missing = settings.publicKeyPaths.filter((path) => !existsSync(path));
  if (missing.length > 0) throw new BuildSettingsError(`public key path not found: ${missing.join(', ')}`, missing[0]!, 'missing-public-key');
  const keys = readPublicKeys(settings.publicKeyPaths);
  if (keys.length < settings.rootThreshold) {
    throw new BuildSettingsError(
      `${where} holds ${keys.length} root key(s) but the threshold is ${settings.rootThreshold}: no key document could ever be accepted`,
      where,
      'missing-public-key',
    );
  }
  return keys;
}

function hasPublicKey(paths: readonly string[]): boolean {
  return paths.some((path) => {
    if (!existsSync(path)) return false;
    if (!statSync(path).isDirectory()) return true;
    return readPublicKeys([path]).length > 0;
  });
}

/**
 * What the add-on is built with for this environment (public keys only).
 *
 * @example createBuildConfig(settings, keys, '0.1.0').manifestEnv; // "beta"
 */
export function createBuildConfig(settings: BuildSettings, keys: PinnedKey[], hostVersion: string): BuildConfig {
  return {
    buildEnv: settings.buildEnv,
    manifestEnv: MANIFEST_ENV,
    origin: settings.origin,
    rootKeys: keys.map((key) => ({ keyId: key.keyId, jwk: { kty: 'EC', crv: 'P-256', x: key.jwk.x, y: key.jwk.y } })),
    rootThreshold: settings.rootThreshold,
    allowUnreviewed: settings.allowUnreviewed,
    hostVersion,
    pollMinutes: settings.pollMinutes,
    maxManifestLifetimeDays: settings.maxManifestLifetimeDays,
  };
}

/** A path for messages: relative to the working folder when inside it. */
export function toDisplayPath(path: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
