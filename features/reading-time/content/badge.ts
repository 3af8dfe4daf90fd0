/**
 * Runs on web pages. When the page reads like an article, shows
 * "N min read" in a small badge; pages that are not articles are left alone.
 */
import { runContentScript } from '../../../extension/runtime/content-errors';
import { getFeatureMessage, sendToFeature } from '../../../extension/runtime/content-messaging';
import {
  DEFAULT_WORDS_PER_MINUTE,
  MIN_ARTICLE_WORDS,
  countWords,
  estimateMinutes,
  formatBadge,
  type ReadingTimeMessage,
  type ReadingTimeSettings,
} from '../reading-time';

const FEATURE_ID = 'reading-time';
const BADGE_ID = 'sbc-reading-time-badge';

function findArticleText(): string {
  const root = document.querySelector('article') ?? document.querySelector('main') ?? document.body;
  return root?.innerText ?? root?.textContent ?? '';
}

function showBadge(text: string): HTMLElement {
  const badge = document.createElement('div');
  badge.id = BADGE_ID;
  badge.setAttribute('role', 'status');
  badge.textContent = text;
  Object.assign(badge.style, {
    position: 'fixed',
    top: '12px',
    right: '12px',
    zIndex: '2147483647',
    padding: '4px 10px',
    borderRadius: '12px',
    font: '600 13px/1.4 system-ui, sans-serif',
    color: '#fff',
    background: 'rgba(32, 18, 58, 0.85)',
    pointerEvents: 'none',
  });
  document.documentElement.append(badge);
  return badge;
}

async function run(): Promise<void> {
  if (document.getElementById(BADGE_ID)) return;
  const words = countWords(findArticleText());
  if (words < MIN_ARTICLE_WORDS) return;
  // The badge still shows at the default speed if the background cannot answer.
  const settings = (await sendToFeature(FEATURE_ID, { kind: 'get-settings' } satisfies ReadingTimeMessage).catch(
    () => undefined,
  )) as ReadingTimeSettings | undefined;
  const minutes = estimateMinutes(words, settings?.wordsPerMinute ?? DEFAULT_WORDS_PER_MINUTE);
  showBadge(formatBadge(minutes, (key, substitutions) => getFeatureMessage(FEATURE_ID, key, substitutions)));
  await sendToFeature(FEATURE_ID, { kind: 'badge-shown', minutes } satisfies ReadingTimeMessage);
}

// What run() throws is logged and counted as the feature's content error (host.content-error).
runContentScript(FEATURE_ID, run);
