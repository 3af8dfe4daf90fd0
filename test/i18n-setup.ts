// Unit tests run without a browser: the add-on's words come from the same
// _locales/en/messages.json that Firefox reads, through the same lookup rules.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMessageLookup, setMessageLookup, type MessagesFile } from '../extension/i18n';

const messages = JSON.parse(readFileSync(join(__dirname, '..', '_locales', 'en', 'messages.json'), 'utf8')) as MessagesFile;
setMessageLookup(createMessageLookup(messages));
