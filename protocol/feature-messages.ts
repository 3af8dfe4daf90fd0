/**
 * A feature's words live in its own `_locales/<lang>/messages.json`; the
 * build merges them into the add-on's messages under a prefix made from the
 * feature id, since one add-on has one messages file per language and
 * message names allow only letters, digits, "_" and "@".
 *
 * @example toFeatureMessageKey('tab-stash', 'stashAction'); // "f_tab_stash__stashAction"
 */
export function toFeatureMessageKey(featureId: string, key: string): string {
  return `f_${featureId.replace(/-/g, '_')}__${key}`;
}

/** The messages a feature ships for its name and description, shown by the popup and the QA panel. */
export const FEATURE_NAME_KEY = 'name';
export const FEATURE_DESCRIPTION_KEY = 'description';
