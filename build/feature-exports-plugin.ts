/**
 * Tree shaking for the host, never for features. With usedExports, webpack
 * drops the exports nobody uses, decided over the whole compilation: the
 * host's libraries (zod, the polyfill) shrink to what the host calls, but a
 * module that two features share would be emitted from what both use, so
 * one feature starting to use more of a helper would rewrite the other's
 * chunk and void its sign-offs. This plugin marks every module a feature's
 * code reaches (its chunk and its content scripts) as used in full, so that
 * a feature's bytes depend on its own sources only.
 */
import { resolve, sep } from 'node:path';
import type { Compilation, Compiler, Module } from 'webpack';

/** @example new FeatureExportsPlugin({ featuresDir: '/repo/features' }) */
export class FeatureExportsPlugin {
  private readonly featuresDir: string;

  constructor(options: { featuresDir: string }) {
    this.featuresDir = resolve(options.featuresDir) + sep;
  }

  apply(compiler: Compiler): void {
    compiler.hooks.thisCompilation.tap('FeatureExportsPlugin', (compilation) => {
      // After FlagDependencyUsagePlugin (stage 0), which decides what is used.
      compilation.hooks.optimizeDependencies.tap({ name: 'FeatureExportsPlugin', stage: 1 }, (modules) => {
        for (const module of this.findFeatureReach(compilation, modules)) {
          compilation.moduleGraph.getExportsInfo(module).setUsedInUnknownWay(undefined);
        }
      });
    });
  }

  /** Every module under the features folder, and every module those import, directly or not. */
  private findFeatureReach(compilation: Compilation, modules: Iterable<Module>): Set<Module> {
    const reached = new Set<Module>();
    const pending = [...modules].filter((module) => (module.nameForCondition() ?? '').startsWith(this.featuresDir));
    while (pending.length > 0) {
      const module = pending.pop()!;
      if (reached.has(module)) continue;
      reached.add(module);
      for (const connection of compilation.moduleGraph.getOutgoingConnections(module)) {
        if (connection.module && !reached.has(connection.module)) pending.push(connection.module);
      }
    }
    return reached;
  }
}
