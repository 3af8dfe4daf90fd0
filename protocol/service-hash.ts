/**
 * The hash of a service folder that sign-offs bind to. Node only: the build
 * writes it into dist/services.lock.json and the server computes it of the
 * code it runs, with this one function, so the two cannot disagree.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every file under `dir`, as relative paths with "/" separators, sorted by code unit. */
export function listFolderFiles(dir: string, prefix = ''): string[] {
  const paths: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) paths.push(...listFolderFiles(dir, relative));
    else if (entry.isFile()) paths.push(relative);
  }
  return paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * SHA-256 (hex) over the folder's files: each relative path, its length in
 * bytes and its bytes, in sorted path order. Where the folder is checked out
 * does not matter; renaming, adding or editing any file does.
 *
 * @example hashServiceFolder('server/services/notes') // "3f0c…"
 */
export function hashServiceFolder(dir: string): string {
  const hash = createHash('sha256');
  for (const path of listFolderFiles(dir)) {
    const bytes = readFileSync(join(dir, path));
    hash.update(`${path}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}
