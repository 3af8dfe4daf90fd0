import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { countCommentCharacters, feedbackSchema, MAX_COMMENT_CHARACTERS } from '../../protocol/feedback-schema';
import { featureId } from '../../protocol/manifest-schema';
import { MAX_COUNTS_PER_BATCH, USAGE_EVENT_PATTERN, usageBatchSchema, usageCountSchema } from '../../protocol/usage-schema';

const ROOT = resolve(__dirname, '..', '..');

function listSources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return listSources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const count = (event: string) => ({ day: '2026-11-25', featureId: 'page-notes', event, count: 1 });

describe('protocol/: rules the add-on and the server share', () => {
  it('takes short lower-case event names and refuses anything that could carry a URL or page content', () => {
    for (const event of ['note-saved', 'group.closed', 'badge_shown', '0', 'e'.repeat(64)]) {
      assert.ok(USAGE_EVENT_PATTERN.test(event), event);
      assert.ok(usageCountSchema.safeParse(count(event)).success, event);
    }
    for (const event of ['https://example.com/private', 'Opened Page', 'Opened', 'search:secret', '', '-x', 'e'.repeat(65)]) {
      assert.ok(!USAGE_EVENT_PATTERN.test(event), event);
      assert.ok(!usageCountSchema.safeParse(count(event)).success, event);
    }
  });

  it('holds feature ids to one rule', () => {
    for (const id of ['page-notes', 'abc', 'a'.repeat(64)]) assert.ok(featureId.safeParse(id).success, id);
    for (const id of ['Page Notes', 'ab', '1abc', 'abc-', 'a'.repeat(65), 'page_notes']) assert.ok(!featureId.safeParse(id).success, id);
  });

  it('limits a feedback comment in characters as people count them, and a rating to 1–5', () => {
    const base = { featureId: 'page-notes', rating: 3, installId: 'i-1' };
    const emoji = '🙂'.repeat(MAX_COMMENT_CHARACTERS);
    assert.equal(countCommentCharacters(emoji), MAX_COMMENT_CHARACTERS);
    assert.ok(feedbackSchema.safeParse({ ...base, comment: emoji }).success);
    assert.ok(!feedbackSchema.safeParse({ ...base, comment: `${emoji}!` }).success);
    for (const rating of [0, 6, 2.5]) assert.ok(!feedbackSchema.safeParse({ ...base, rating }).success, String(rating));
    for (const rating of [1, 5]) assert.ok(feedbackSchema.safeParse({ ...base, rating }).success, String(rating));
  });

  it('lets a batch carry any number of counts through the envelope, so the size limit is named on its own', () => {
    const counts = Array.from({ length: MAX_COUNTS_PER_BATCH + 1 }, () => count('opened'));
    assert.ok(usageBatchSchema.safeParse({ batchId: 'b', installId: 'i', counts }).success);
  });

  it('defines each shared constant once, in protocol/', () => {
    const sources = ['protocol', 'extension', 'build', 'server', 'bench'].flatMap(listSources);
    const names = ['MAX_COUNTS_PER_BATCH', 'USAGE_EVENT_PATTERN', 'MANIFEST_ENV', 'BUILD_ENVS', 'FEATURE_ID_PATTERN', 'MAX_COMMENT_CHARACTERS', 'MAX_RATING', 'USAGE_PATH', 'FEEDBACK_PATH'];
    for (const name of names) {
      const defining = sources.filter((file) => new RegExp(`\\bconst ${name}\\b`).test(readFileSync(join(ROOT, file), 'utf8')));
      assert.equal(defining.length, 1, `${name} is defined in ${defining.join(', ') || 'no file'}`);
      assert.match(defining[0]!, /^protocol\//, name);
    }
    const spelledOut = sources.filter((file) => /'local' \| 'beta'|\benv: 'beta'/.test(readFileSync(join(ROOT, file), 'utf8')));
    assert.deepEqual(spelledOut, []);
  });
});
