/**
 * The whole build as one webpack configuration: discover and validate the
 * feature folders, pick the environment and its pinned keys, write the
 * generated modules, then bundle the background, the UI pages, one lazy
 * chunk per feature and one self-contained file per content script, and
 * finish with the add-on's manifest and the lock file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Compiler, Configuration, EntryObject } from 'webpack';
import { createBuildConfig, loadPinnedKeys, resolveBuildSettings, toDisplayPath, type BuildSettings, type GenerateKeyPairFn } from './channel-config';
import { discoverFeatures, type DiscoveredFeature } from './discover-features';
import { EmitAssetsPlugin, listUiAssets } from './emit-assets-plugin';
import { GeneratedModulesPlugin, writeGeneratedModules } from './generate-modules';
import { FeatureExportsPlugin } from './feature-exports-plugin';
import { listLocaleAssets } from './locales';
import { LockFilePlugin } from './lock-file-plugin';
import { SizeBudgetPlugin } from './size-budget-plugin';
import { createServicesLock, ServicesLockPlugin, SERVICES_LOCK_FILE_NAME } from './services-lock';
import { buildAddonManifest, type AddonManifest } from './manifest-steps';

export const LOCK_FILE_NAME = 'features.lock.json';

// webpack.config.js is plain JavaScript that loads this module through tsx; it
// checks errors with this same module graph's classes, so instanceof holds.
export { isAuthorFacing } from './errors';

export interface CreateWebpackConfigOptions {
  /** The repository root (holds package.json, manifest.json, channel.config.json). */
  rootDir: string;
  /** SBC_* overrides; see resolveBuildSettings. */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  generateKeyPair?: GenerateKeyPairFn;
}

/**
 * Prepares the build and returns the webpack configuration. Throws a
 * BuildError (FeatureValidationError for every malformed feature folder,
 * BuildSettingsError) or a key file's error before anything is compiled.
 *
 * @example
 *   // webpack.config.js
 *   module.exports = () => createWebpackConfig({ rootDir: __dirname });
 */
export async function createWebpackConfig(options: CreateWebpackConfigOptions): Promise<Configuration> {
  const log = options.log ?? ((line: string) => console.log(line));
  const settings = resolveBuildSettings({ rootDir: options.rootDir, env: options.env });
  const features = discoverFeatures(toDisplayPath(settings.featuresDir));
  const servicesDir = join(settings.rootDir, 'server', 'services');
  // Malformed service folders stop the build before anything is compiled, like malformed features.
  createServicesLock(servicesDir);
  const keys = await loadPinnedKeys(settings, options.generateKeyPair, log);
  const pkg = JSON.parse(readFileSync(join(settings.rootDir, 'package.json'), 'utf8')) as { version: string };
  const buildConfig = createBuildConfig(settings, keys, pkg.version);
  const generated = writeGeneratedModules({ rootDir: settings.rootDir, generatedDir: settings.generatedDir, features, buildConfig });

  const template = JSON.parse(readFileSync(join(settings.rootDir, 'manifest.json'), 'utf8')) as AddonManifest;
  const manifest = buildAddonManifest(template, { features: features.map((f) => f.json), origin: settings.origin, version: pkg.version });
  const extensionDir = join(settings.outDir, 'extension');

  const summary = () =>
    `Built the add-on for "${settings.buildEnv}" (${settings.origin}); root keys pinned: ${keys.map((k) => k.keyId).join(', ')} (${settings.rootThreshold} must sign); ` +
    `features: ${features.length ? features.map((f) => `${f.id}@${f.json.version}`).join(', ') : 'none'}` +
    `${settings.pseudoLocale ? '; PSEUDO-LOCALE words' : ''} -> ${toDisplayPath(settings.outDir)}`;

  return {
    mode: 'production',
    context: settings.rootDir,
    target: 'web',
    // Reviewers read the chunks, and MV3's CSP forbids eval-based source maps.
    devtool: false,
    entry: createEntries(settings, features, log),
    output: {
      path: extensionDir,
      publicPath: '/',
      filename: '[name].js',
      chunkFilename: '[name].js',
      uniqueName: 'sbc',
      clean: true,
    },
    // Paths as the checkout has them, symlinks not followed: module ids derive from paths relative to
    // the root, so a rebuild elsewhere (node_modules linked in, say) gives the same bytes.
    resolve: { extensions: ['.ts', '.js'], symlinks: false },
    resolveLoader: { symlinks: false },
    module: {
      rules: [
        {
          test: /\.ts$/,
          exclude: /node_modules/,
          loader: 'ts-loader',
          options: {
            // `npm test` type-checks separately; here only speed matters.
            transpileOnly: true,
            configFile: join(settings.rootDir, 'tsconfig.json'),
            compilerOptions: { noEmit: false, sourceMap: false, module: 'esnext' },
          },
        },
      ],
    },
    optimization: {
      // terser, deterministic: the same source gives the same bytes, so sign-offs bound to chunk hashes stay valid.
      minimize: true,
      minimizeOptions: {
        javascript: {
          compress: { passes: 2 },
          // Error classes take their name from new.target.name (protocol/errors.ts); the QA panel and logs show it.
          keep_classnames: true,
          format: { comments: false },
        },
      },
      chunkIds: 'named',
      moduleIds: 'deterministic',
      // Each feature's code stays wholly inside its own chunk: editing one feature never changes another's hash.
      splitChunks: false,
      runtimeChunk: false,
      // Unused exports go from the host's code (zod, the polyfill); FeatureExportsPlugin keeps every
      // module a feature reaches whole, so one feature starting to use a helper never rewrites that
      // helper inside the other features' chunks. The optimizations below would, so they stay off.
      usedExports: 'global',
      mangleExports: false,
      concatenateModules: false,
    },
    performance: { hints: false },
    // The one-line summary below says what was built; webpack's own table is noise here.
    stats: 'errors-warnings',
    plugins: [
      new FeatureExportsPlugin({ featuresDir: settings.featuresDir }),
      new GeneratedModulesPlugin({ 'sbc:feature-registry': generated.featureRegistry, 'sbc:build-config': generated.buildConfig }),
      new EmitAssetsPlugin(() => [
        { name: 'manifest.json', content: `${JSON.stringify(manifest, null, 2)}\n` },
        ...listUiAssets(settings.uiDir),
        ...listLocaleAssets(settings.localesDir, { pseudo: settings.pseudoLocale, features }),
      ]),
      new LockFilePlugin({ features, lockFilePath: join(settings.outDir, LOCK_FILE_NAME) }),
      new SizeBudgetPlugin({ budgets: settings.sizeBudgets, configPath: 'channel.config.json', log }),
      new ServicesLockPlugin({ servicesDir, lockFilePath: join(settings.outDir, SERVICES_LOCK_FILE_NAME) }),
      { apply: (compiler: Compiler) => compiler.hooks.done.tap('BuildSummary', (stats) => void (stats.hasErrors() || log(summary()))) },
    ],
  };
}

/**
 * background, ui/options, ui/popup and ui/welcome (each skipped with a warning while its
 * source does not exist), and every feature's content scripts as
 * self-contained plain scripts.
 */
function createEntries(settings: BuildSettings, features: readonly DiscoveredFeature[], log: (line: string) => void): EntryObject {
  const entries: EntryObject = {};
  const pages: Array<[string, string]> = [
    ['background', settings.backgroundEntry],
    ['ui/options', join(settings.uiDir, 'options.ts')],
    ['ui/popup', join(settings.uiDir, 'popup.ts')],
    ['ui/welcome', join(settings.uiDir, 'welcome.ts')],
  ];
  for (const [name, source] of pages) {
    if (existsSync(source)) entries[name] = source;
    else log(`warning: ${relative(settings.rootDir, source)} does not exist yet; ${name}.js is not built`);
  }
  for (const feature of features) {
    for (const script of feature.contentScripts) {
      // A content script runs in the page: no chunk loading, everything inlined.
      entries[script.output.replace(/\.js$/, '')] = { import: resolve(script.source), chunkLoading: false, asyncChunks: false };
    }
  }
  return entries;
}
