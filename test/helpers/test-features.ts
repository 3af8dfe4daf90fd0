/**
 * Inline test features: a RegisteredFeature whose "chunk" is some bytes served
 * by a fake fetchFile, with a manifest entry carrying their real SHA-256.
 */
import type { ManifestFeature } from '../../protocol/manifest-schema';
import type { FeatureDefinition, Logger } from '../../extension/runtime/feature-api';
import type { FeatureEventName } from '../../protocol/feature-events';
import type { RegisteredFeature } from '../../extension/runtime/feature-registry';
import { makeEntry, sha256 } from './manifests';

export interface TestFeature {
  registered: RegisteredFeature;
  entry: ManifestFeature;
  /** How many times the chunk was loaded. */
  loads: () => number;
}

export function makeFeature(
  id: string,
  definition: FeatureDefinition,
  options: { events?: FeatureEventName[]; version?: string; files?: Record<string, string>; requiresAccount?: boolean; dataCollection?: string[]; services?: string[] } = {},
): TestFeature & { files: Record<string, string> } {
  const version = options.version ?? '1.0.0';
  const chunk = `features/${id}/index.js`;
  const files: Record<string, string> = { [chunk]: `/* ${id} ${version} */`, ...(options.files ?? {}) };
  let loads = 0;
  const registered: RegisteredFeature = {
    id,
    name: id,
    description: `Test feature ${id}`,
    version,
    chunk,
    files: Object.keys(options.files ?? {}),
    events: options.events ?? [],
    requiresAccount: options.requiresAccount ?? false,
    dataCollection: options.dataCollection ?? [],
    services: options.services ?? [],
    owners: ['owner@example.org'],
    load: async () => {
      loads++;
      return { default: definition };
    },
  };
  const entry = makeEntry(id, version, sha256(files[chunk]!), {
    files: Object.entries(options.files ?? {}).map(([path, text]) => ({ path, sha256: sha256(text) })),
  });
  return { registered, entry, files, loads: () => loads };
}

/** A fetchFile serving the given files; anything else (the network) fails the test loudly. */
export function makeFetchFile(...sources: Array<Record<string, string>>) {
  const all: Record<string, string> = Object.assign({}, ...sources);
  const requested: string[] = [];
  const fetchFile = async (path: string): Promise<ArrayBuffer> => {
    requested.push(path);
    const text = all[path];
    if (text === undefined) throw new Error(`no such file in the add-on: ${path}`);
    return new TextEncoder().encode(text).buffer as ArrayBuffer;
  };
  return { fetchFile, requested, files: all };
}

export interface RecordingLogger extends Logger {
  lines: string[];
}

export function makeLogger(): RecordingLogger {
  const lines: string[] = [];
  const push = (level: string) => (...args: unknown[]) => void lines.push(`${level} ${args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ')}`);
  return { lines, debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

export function makeUsage() {
  const counts: Array<{ featureId: string; event: string; by: number }> = [];
  return { counts, count: async (featureId: string, event: string, by: number) => void counts.push({ featureId, event, by }) };
}

export function makeServices() {
  const calls: Array<{ featureId: string; path: string }> = [];
  return {
    calls,
    fetch: async (featureId: string, path: string) => {
      calls.push({ featureId, path });
      return new Response(JSON.stringify({ ok: true }), { status: 200 });
    },
  };
}
