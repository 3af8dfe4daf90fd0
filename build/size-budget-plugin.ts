/**
 * Prints every bundle's raw and gzip size after the build, and fails the
 * build when the host runtime (the event page and everything it loads on
 * every wake) or a UI page is over the gzip budget set in
 * channel.config.json. Feature chunks are listed but not budgeted: each one
 * loads only while its feature is installed.
 */
import { gzipSync } from 'node:zlib';
import { WebpackError, type Compilation, type Compiler } from 'webpack';

export interface SizeBudgets {
  /** background.js and every file its entry loads up front, gzip, in KiB. */
  hostRuntimeGzipKB: number;
  /** Each UI page's scripts (ui/options, ui/popup, ui/welcome), gzip, in KiB. */
  uiPageGzipKB: number;
}

export interface BundleSize {
  /** The entry ("background", "ui/options") or the file, for chunks no entry loads up front. */
  name: string;
  files: string[];
  raw: number;
  gzip: number;
  /** The budget this bundle is held to, in bytes of gzip, when it has one. */
  budget?: number;
}

/** The gzip size the budgets speak of: level 9, as a release .xpi is compressed no better. */
export function measureBytes(bytes: Uint8Array): { raw: number; gzip: number } {
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/**
 * The sizes of the entries (each with the files it loads at once) and of
 * every other JavaScript file, as the compilation emitted them.
 *
 * @example measureBundles(compilation, { hostRuntimeGzipKB: 40, uiPageGzipKB: 30 })[0]
 * // { name: 'background', files: ['background.js'], raw: 81234, gzip: 24012, budget: 40960 }
 */
export function measureBundles(compilation: Compilation, budgets: SizeBudgets): BundleSize[] {
  const sizes: BundleSize[] = [];
  const counted = new Set<string>();
  const read = (file: string): Uint8Array => {
    const source = compilation.getAsset(file)?.source.buffer();
    if (!source) throw new Error(`${file} was not emitted`);
    return source;
  };
  for (const [name, entrypoint] of [...compilation.entrypoints].sort(([a], [b]) => a.localeCompare(b))) {
    const budgetKB = name === 'background' ? budgets.hostRuntimeGzipKB : name.startsWith('ui/') ? budgets.uiPageGzipKB : undefined;
    if (budgetKB === undefined) continue;
    const files = entrypoint.getFiles().filter((file) => file.endsWith('.js')).sort();
    let raw = 0;
    let gzip = 0;
    for (const file of files) {
      const size = measureBytes(read(file));
      raw += size.raw;
      gzip += size.gzip;
      counted.add(file);
    }
    sizes.push({ name, files, raw, gzip, budget: budgetKB * 1024 });
  }
  const others = Object.keys(compilation.assets).filter((file) => file.endsWith('.js') && !counted.has(file)).sort();
  for (const file of others) sizes.push({ name: file, files: [file], ...measureBytes(read(file)) });
  return sizes;
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

/** One line per bundle: "background.js  96.0 KB raw  28.1 KB gzip  (budget 40.0 KB gzip)". */
export function formatSizeTable(sizes: readonly BundleSize[]): string[] {
  const width = Math.max(...sizes.map((size) => size.files.join(' + ').length));
  return sizes.map((size) => {
    const budget = size.budget === undefined ? '' : `  (budget ${kb(size.budget)} gzip${size.gzip > size.budget ? ', OVER' : ''})`;
    return `  ${size.files.join(' + ').padEnd(width)}  ${kb(size.raw).padStart(9)} raw  ${kb(size.gzip).padStart(8)} gzip${budget}`;
  });
}

/**
 * @example new SizeBudgetPlugin({ budgets: { hostRuntimeGzipKB: 40, uiPageGzipKB: 30 }, configPath: 'channel.config.json' })
 */
export class SizeBudgetPlugin {
  constructor(private readonly options: { budgets: SizeBudgets; configPath: string; log: (line: string) => void }) {}

  apply(compiler: Compiler): void {
    compiler.hooks.thisCompilation.tap('SizeBudgetPlugin', (compilation) => {
      // After minification, so that the sizes are those of the bytes that ship.
      compilation.hooks.processAssets.tap({ name: 'SizeBudgetPlugin', stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_ANALYSE }, () => {
        const sizes = measureBundles(compilation, this.options.budgets);
        this.options.log(['Bundle sizes:', ...formatSizeTable(sizes)].join('\n'));
        for (const size of sizes) {
          if (size.budget === undefined || size.gzip <= size.budget) continue;
          const what = size.name === 'background' ? 'the host runtime' : `the UI page ${size.name}`;
          compilation.errors.push(
            new WebpackError(
              `${size.files.join(' + ')} (${what}) is ${kb(size.gzip)} gzip (${kb(size.raw)} raw), over its budget of ` +
                `${kb(size.budget)} gzip (sizeBudgets.${size.name === 'background' ? 'hostRuntimeGzipKB' : 'uiPageGzipKB'} in ${this.options.configPath}, ` +
                `or ${size.name === 'background' ? 'SBC_HOST_BUDGET_KB' : 'SBC_UI_BUDGET_KB'})`,
            ),
          );
        }
      });
    });
  }
}
