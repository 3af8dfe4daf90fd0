import type { FeatureDefinition } from './feature-api';
import type { FeatureEventName } from '../../protocol/feature-events';

/** What the build knows about one feature folder; generated into the background bundle. */
export interface RegisteredFeature {
  id: string;
  name: string;
  description: string;
  version: string;
  /** Chunk path inside the add-on, e.g. "features/reading-time/index.js". */
  chunk: string;
  /** Other files of the feature inside the add-on, e.g. "features/reading-time/content/badge.js". */
  files: string[];
  events: FeatureEventName[];
  requiresAccount: boolean;
  /**
   * Firefox data-collection categories the feature sends (feature.json's
   * "dataCollection"): it is installed only once the user has granted them all.
   */
  dataCollection: string[];
  /** Beta services the feature uses (feature.json's "services"): it waits until the manifest deploys them all. */
  services: string[];
  /** Who owns the feature (feature.json): none of them may sign it off, whatever a manifest entry says. */
  owners: string[];
  /** Loads the feature's chunk (a dynamic import: its own lazy chunk). */
  load(): Promise<{ default: FeatureDefinition }>;
}
