/**
 * Runs on web pages: when the user has a note for this page on their beta
 * account, shows it in a small panel that can be closed.
 */
import { getFeatureMessage, sendToFeature } from '../../../extension/runtime/content-messaging';
import type { PageNote, PageNotesMessage } from '../notes';

const PANEL_ID = 'sbc-page-notes-panel';

function showPanel(note: PageNote): void {
  const panel = document.createElement('aside');
  panel.id = PANEL_ID;
  panel.setAttribute('aria-label', getFeatureMessage('page-notes', 'panelLabel'));
  Object.assign(panel.style, {
    position: 'fixed',
    bottom: '16px',
    right: '16px',
    maxWidth: '320px',
    maxHeight: '40vh',
    overflow: 'auto',
    zIndex: '2147483647',
    padding: '10px 12px',
    borderRadius: '8px',
    font: '13px/1.45 system-ui, sans-serif',
    color: '#15141a',
    background: '#fffbd6',
    boxShadow: '0 2px 10px rgba(0, 0, 0, 0.25)',
    whiteSpace: 'pre-wrap',
  });
  const close = document.createElement('button');
  close.type = 'button';
  close.textContent = '×';
  close.title = getFeatureMessage('page-notes', 'hideNote');
  Object.assign(close.style, { float: 'right', border: 'none', background: 'none', fontSize: '16px', cursor: 'pointer' });
  close.addEventListener('click', () => panel.remove());
  const text = document.createElement('div');
  text.textContent = note.text;
  panel.append(close, text);
  document.documentElement.append(panel);
}

async function run(): Promise<void> {
  if (document.getElementById(PANEL_ID)) return;
  const note = (await sendToFeature('page-notes', { kind: 'get-note' } satisfies PageNotesMessage)) as
    | PageNote
    | null;
  if (note?.text) showPanel(note);
}

run().catch((error: unknown) => console.debug('[page-notes]', error));
