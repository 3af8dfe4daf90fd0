/**
 * Puts files that webpack does not bundle (the add-on's manifest, the UI's
 * html, css and icons) into the output through webpack itself, so that they
 * are cleaned, written and watched like the bundles.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Compiler } from 'webpack';

export interface StaticAsset {
  /** Path inside the add-on, e.g. "ui/options.html". */
  name: string;
  content: string | Buffer;
  /** The source file, watched in watch mode. */
  sourcePath?: string;
}

/**
 * Lists the UI's static files: `<uiDir>/*.html`, `*.css` and `icons/*`,
 * each to go under "ui/" in the add-on, sorted by name.
 *
 * @example listUiAssets('extension/ui'); // [{ name: "ui/options.html", … }, { name: "ui/popup.html", … }]
 */
export function listUiAssets(uiDir: string): StaticAsset[] {
  const assets: StaticAsset[] = [];
  const add = (dir: string, prefix: string, keep: (name: string) => boolean) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isFile() || !keep(entry.name)) continue;
      const sourcePath = join(dir, entry.name);
      assets.push({ name: `${prefix}${entry.name}`, content: readFileSync(sourcePath), sourcePath });
    }
  };
  add(uiDir, 'ui/', (name) => name.endsWith('.html') || name.endsWith('.css'));
  add(join(uiDir, 'icons'), 'ui/icons/', (name) => !name.startsWith('.'));
  return assets.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Emits the given files into the compilation. `listAssets` runs on every
 * compile so that watch mode picks up edits.
 *
 * @example new EmitAssetsPlugin(() => [{ name: 'manifest.json', content: JSON.stringify(manifest) }])
 */
export class EmitAssetsPlugin {
  constructor(private readonly listAssets: () => StaticAsset[]) {}

  apply(compiler: Compiler): void {
    const { Compilation, sources } = compiler.webpack;
    compiler.hooks.thisCompilation.tap('EmitAssetsPlugin', (compilation) => {
      compilation.hooks.processAssets.tap({ name: 'EmitAssetsPlugin', stage: Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL }, () => {
        for (const asset of this.listAssets()) {
          if (asset.sourcePath) compilation.fileDependencies.add(asset.sourcePath);
          const source = new sources.RawSource(asset.content);
          if (compilation.getAsset(asset.name)) compilation.updateAsset(asset.name, source);
          else compilation.emitAsset(asset.name, source);
        }
      });
    });
  }
}
