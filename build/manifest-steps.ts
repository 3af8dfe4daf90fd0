/**
 * The add-on's manifest.json, produced from the root manifest.json template
 * by small named steps, each doing one thing that can be read and tested on
 * its own.
 */
import type { FeatureJson } from './feature-schema';

/** The manifest as a plain JSON object; the steps touch only the keys they own. */
export type AddonManifest = Record<string, unknown> & {
  version?: string;
  permissions?: string[];
  host_permissions?: string[];
  browser_specific_settings?: { gecko?: Record<string, unknown> };
};

export interface ManifestInput {
  /** Every discovered feature's validated feature.json. */
  features: readonly FeatureJson[];
  /** The beta server origin, e.g. "https://beta.services.example.org". */
  origin: string;
  /** The host add-on's version (package.json). */
  version: string;
}

export interface ManifestStep {
  name: string;
  apply(manifest: AddonManifest, input: ManifestInput): void;
}

/** Sets `version` from package.json so that the .xpi, the manifest and targeting agree. */
export const setVersion: ManifestStep = {
  name: 'set-version',
  apply(manifest, input) {
    manifest.version = input.version;
  },
};

/** Adds every feature's permissions to the template's, as a sorted set. */
export const addFeaturePermissions: ManifestStep = {
  name: 'add-feature-permissions',
  apply(manifest, input) {
    manifest.permissions = sortedUnion(manifest.permissions ?? [], ...input.features.map((f) => f.permissions));
  },
};

/**
 * Adds every feature's host permissions and the beta origin. Firefox match
 * patterns cannot hold a port (bug 1362809), so the origin's pattern drops
 * it: "http://127.0.0.1:8787" becomes "http://127.0.0.1/*".
 */
export const addHostPermissions: ManifestStep = {
  name: 'add-host-permissions',
  apply(manifest, input) {
    manifest.host_permissions = sortedUnion(
      manifest.host_permissions ?? [],
      [originMatchPattern(input.origin)],
      ...input.features.map((f) => f.hostPermissions),
    );
  },
};

/**
 * Declares what the add-on transmits, for Firefox's built-in consent.
 * Nothing is required to use the add-on; usage counters and feedback are
 * technical and interaction data, which Firefox allows only as optional.
 * What features send (their "dataCollection") is optional too: the user
 * grants it when they want the feature, and the add-on installs the feature
 * only then.
 */
export const declareDataCollection: ManifestStep = {
  name: 'declare-data-collection',
  apply(manifest, input) {
    const settings = (manifest.browser_specific_settings ??= {});
    const gecko = (settings.gecko ??= {});
    const optional = sortedUnion(['technicalAndInteraction'], ...input.features.map((f) => f.dataCollection));
    gecko.data_collection_permissions = { required: ['none'], optional };
  },
};

export const MANIFEST_STEPS: readonly ManifestStep[] = [setVersion, addFeaturePermissions, addHostPermissions, declareDataCollection];

/**
 * Runs the steps in order on a copy of the template.
 *
 * @example
 *   const manifest = buildAddonManifest(template, { features, origin: 'https://beta.services.example.org', version: '0.1.0' });
 *   manifest.host_permissions; // ["https://beta.services.example.org/*", ...]
 */
export function buildAddonManifest(
  template: AddonManifest,
  input: ManifestInput,
  steps: readonly ManifestStep[] = MANIFEST_STEPS,
): AddonManifest {
  const manifest = structuredClone(template);
  for (const step of steps) {
    try {
      step.apply(manifest, input);
    } catch (error) {
      throw new Error(`manifest step "${step.name}" failed: ${(error as Error).message}`, { cause: error });
    }
  }
  return manifest;
}

/** @example originMatchPattern('http://127.0.0.1:8787'); // "http://127.0.0.1/*" */
export function originMatchPattern(origin: string): string {
  const url = new URL(origin);
  return `${url.protocol}//${url.hostname}/*`;
}

function sortedUnion(...lists: ReadonlyArray<readonly string[]>): string[] {
  return [...new Set(lists.flat())].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
