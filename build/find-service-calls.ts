/**
 * Finds where a feature's sources call its beta services (ctx.services.fetch):
 * whatever such a call sends leaves the browser, so the feature must declare
 * it in feature.json's "dataCollection". A static look at the text, not a
 * type analysis: it sees `ctx.services.fetch(` and `services.fetch(` (a
 * destructured context), and skips lines that are only comments.
 */
import { join } from 'node:path';
import type { FeatureFs } from './discover-features';

export interface ServiceCall {
  /** e.g. "features/page-notes/index.ts". */
  file: string;
  /** 1-based. */
  line: number;
}

const SERVICE_CALL = /\bservices\s*\.\s*fetch\s*\(/;
const COMMENT_LINE = /^\s*(\/\/|\/\*|\*)/;

/**
 * Every call in every .ts file of the feature folder (sub-folders included),
 * sorted by file then line.
 *
 * @example findServiceCalls('features/page-notes', fs); // [{ file: 'features/page-notes/index.ts', line: 16 }, …]
 */
export function findServiceCalls(dir: string, fs: FeatureFs): ServiceCall[] {
  const calls: ServiceCall[] = [];
  for (const file of listSources(dir, fs)) {
    fs.readFileSync(file, 'utf8')
      .split('\n')
      .forEach((text, index) => {
        if (SERVICE_CALL.test(text) && !COMMENT_LINE.test(text)) calls.push({ file, line: index + 1 });
      });
  }
  return calls;
}

function listSources(dir: string, fs: FeatureFs): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .map((entry) => ({ entry, path: join(dir, entry.name) }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .flatMap(({ entry, path }) => {
      if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : listSources(path, fs);
      return entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
    });
}
