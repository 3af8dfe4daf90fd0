import assert from 'node:assert/strict';
import { MAX_NOTE_LENGTH, appendToNote, normalizePageUrl } from '../../features/page-notes/notes';

describe('page-notes: one note per page', () => {
  it('keys notes by the page address without its fragment', () => {
    assert.equal(normalizePageUrl('https://example.org/a?b=1#section-2'), 'https://example.org/a?b=1');
    assert.equal(normalizePageUrl('https://example.org/a'), 'https://example.org/a');
  });

  it('appends a new selection to an existing note with a blank line between', () => {
    assert.equal(appendToNote(undefined, '  first  '), 'first');
    assert.equal(appendToNote('first\n', 'second'), 'first\n\nsecond');
  });

  it('keeps a note within the notes service limit', () => {
    const long = 'x'.repeat(MAX_NOTE_LENGTH - 5);
    assert.equal(appendToNote(long, 'more words here').length, MAX_NOTE_LENGTH);
  });
});
