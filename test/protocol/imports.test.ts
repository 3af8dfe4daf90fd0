import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

// Reads the sources, not the bundle: a forbidden import is caught even in a
// module that no test or build happens to load.
const ROOT = resolve(__dirname, '..', '..');
const SIDES = ['protocol', 'extension', 'features', 'build', 'server', 'bench'] as const;
type Side = (typeof SIDES)[number] | 'package';


interface Import {
  from: string;
  /** A repository path like "protocol/envelope.ts", or the package name. */
  to: string;
  side: Side;
}

function listSources(dir: string): string[] {
  if (!existsSync(join(ROOT, dir))) return [];
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    if (statSync(join(ROOT, path)).isDirectory()) return listSources(path);
    return /\.(ts|js)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function resolveSource(fromFile: string, specifier: string): string {
  const base = join(dirname(fromFile), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.js`, join(base, 'index.ts')]) {
    if (existsSync(join(ROOT, candidate)) && statSync(join(ROOT, candidate)).isFile()) return candidate;
  }
  return base;
}

function readImports(file: string): Import[] {
  // Comments may quote code ("import … from '…'"); only real imports count.
  const text = readFileSync(join(ROOT, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|\s)\/\/.*$/gm, '$1');
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
  return specifiers.map((specifier) => {
    if (!specifier.startsWith('.')) return { from: file, to: specifier, side: 'package' as const };
    const to = relative(ROOT, resolve(ROOT, resolveSource(file, specifier)));
    return { from: file, to, side: to.split('/')[0] as Side };
  });
}

const sources = SIDES.flatMap((side) => listSources(side));
const imports = sources.flatMap(readImports);
const isBuiltin = (name: string) => name.startsWith('node:') || builtinModules.includes(name);
const show = (found: Import[]) => found.map((i) => `${i.from} -> ${i.to}`).join('\n');

describe('protocol/: the import directions', () => {
  it('finds the sources it checks', () => {
    assert.ok(sources.includes('protocol/envelope.ts') && sources.includes('server/app.ts') && sources.includes('bench/client.ts'));
    assert.ok(imports.some((i) => i.from === 'server/routes/manifest.ts' && i.to === 'protocol/envelope.ts'), 'reads relative imports');
  });

  it('protocol/ imports only itself, zod and node built-ins', () => {
    const bad = imports.filter((i) => i.from.startsWith('protocol/') && !(i.side === 'protocol' || i.to === 'zod' || i.to === 'zod/mini' || isBuiltin(i.to)));
    assert.equal(show(bad), '');
  });

  it('server/, build/ and bench/ import nothing of the add-on', () => {
    const bad = imports.filter(
      (i) => /^(server|build|bench)\//.test(i.from) && i.side === 'extension',
    );
    assert.equal(show(bad), '');
  });

  it('server/ imports nothing of the build tools, the add-on nothing of the build tools or the server, and no side the benchmarks', () => {
    const bad = imports.filter(
      (i) =>
        (i.from.startsWith('server/') && i.side === 'build') ||
        (/^(extension|features)\//.test(i.from) && (i.side === 'build' || i.side === 'server')) ||
        (!i.from.startsWith('bench/') && i.side === 'bench'),
    );
    assert.equal(show(bad), '');
  });

  it('the protocol modules the add-on bundles use no node built-ins', () => {
    // Walk everything reachable from the add-on and its features.
    const reached = new Set<string>();
    const pending = sources.filter((file) => /^(extension|features)\//.test(file));
    while (pending.length > 0) {
      const file = pending.pop()!;
      if (reached.has(file)) continue;
      reached.add(file);
      for (const i of imports.filter((x) => x.from === file && x.side !== 'package')) pending.push(i.to);
    }
    assert.ok(reached.has('protocol/envelope.ts') && !reached.has('protocol/key-files.ts'));
    const bad = imports.filter((i) => i.from.startsWith('protocol/') && reached.has(i.from) && isBuiltin(i.to));
    assert.equal(show(bad), '');
  });
});
