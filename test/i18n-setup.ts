// Unit tests run without a browser: the add-on's words come from the same
// _locales/en/messages.json that Firefox reads, with the features' own
// messages merged in as the build merges them, through the same lookup rules.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readLocaleMessages } from '../build/locales';
import { createMessageLookup, setMessageLookup } from '../extension/i18n';

const root = join(__dirname, '..');
const features = readdirSync(join(root, 'features'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !/^[._]/.test(entry.name))
  .map((entry) => ({ id: entry.name, dir: join(root, 'features', entry.name) }));
setMessageLookup(createMessageLookup(readLocaleMessages(join(root, '_locales'), features).get('en')!.messages));
