/**
 * What a feature folder may declare in its feature.json. The build validates
 * every folder against this before it bundles anything.
 */
import { z } from 'zod';
import { featureId, semver } from '../protocol/manifest-schema';
import { DATA_COLLECTION_CATEGORIES } from '../protocol/data-collection';
import { FEATURE_EVENTS, FEATURE_PERMISSIONS } from '../protocol/feature-events';

export const featureJsonSchema = z.strictObject({
  id: featureId,
  name: z.string().min(1).max(80),
  description: z.string().min(1).max(500),
  version: semver,
  /** The people who own the feature: none of them may sign it off. */
  owners: z.array(z.string().min(1)).min(1),
  /** WebExtension permissions the feature needs; the build adds them to the add-on. */
  permissions: z.array(z.enum(FEATURE_PERMISSIONS)).default([]),
  /** Host match patterns the feature needs (content scripts, fetch). */
  hostPermissions: z.array(z.string().regex(/^(\*|https?|wss?|<all_urls>)/, 'must be a match pattern')).default([]),
  /** Browser events that must wake the background page for this feature. */
  events: z.array(z.enum(Object.keys(FEATURE_EVENTS) as [keyof typeof FEATURE_EVENTS, ...Array<keyof typeof FEATURE_EVENTS>])).default([]),
  /** True when the feature uses beta services and so needs a beta-account login. */
  requiresAccount: z.boolean().default(false),
  /**
   * Firefox data-collection categories of what the feature sends (e.g.
   * "browsingActivity"); the build adds them to the add-on's optional data
   * collection and the add-on installs the feature only once the user has
   * granted them all.
   */
  dataCollection: z.array(z.enum(DATA_COLLECTION_CATEGORIES)).default([]),
  /**
   * Beta services the feature uses (server/services/<id>/): it installs only
   * while the beta account is signed in and the signed manifest deploys them.
   */
  services: z.array(featureId).default([]),
});
export type FeatureJson = z.infer<typeof featureJsonSchema>;
