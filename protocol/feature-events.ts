/**
 * The browser events a feature may declare in feature.json, and the
 * permissions a feature may ask for. The build validates against these
 * tables; the background registers a waking listener for every declared event.
 *
 * menus.onClicked, alarms.onAlarm and runtime.onMessage are not here: the host
 * always listens to them and routes them by owner (ctx.menus, ctx.alarms,
 * ctx.messages).
 */
export const FEATURE_EVENTS = {
  'tabs.onUpdated': 'tabs',
  'tabs.onActivated': null,
  'tabs.onCreated': null,
  'tabs.onRemoved': null,
  'webNavigation.onCompleted': 'webNavigation',
  'webNavigation.onDOMContentLoaded': 'webNavigation',
  'webNavigation.onHistoryStateUpdated': 'webNavigation',
  'bookmarks.onCreated': 'bookmarks',
  'bookmarks.onRemoved': 'bookmarks',
  'downloads.onCreated': 'downloads',
  'commands.onCommand': null,
  'idle.onStateChanged': 'idle',
  'notifications.onClicked': 'notifications',
  'storage.onChanged': null,
} as const satisfies Record<string, FeaturePermission | null>;

export type FeatureEventName = keyof typeof FEATURE_EVENTS;

export const FEATURE_PERMISSIONS = [
  'activeTab',
  'alarms',
  'bookmarks',
  'clipboardWrite',
  'downloads',
  'history',
  'idle',
  'menus',
  'notifications',
  'scripting',
  'storage',
  'tabs',
  'webNavigation',
] as const;

export type FeaturePermission = (typeof FEATURE_PERMISSIONS)[number];

/** The permission an event needs, if any (`tabs.onUpdated` needs "tabs" to see URLs). */
export function permissionForEvent(event: FeatureEventName): FeaturePermission | null {
  return FEATURE_EVENTS[event];
}
