import assert from 'node:assert/strict';
import { nextPollDelay } from '../../../extension/channel/poll-schedule';
import { parseRetryAfter, MAX_RETRY_AFTER_MS } from '../../../extension/channel/beta-server-client';

const MIN = 60_000;

describe('nextPollDelay', () => {
  it('polls every interval ±10% after a good check', () => {
    assert.equal(nextPollDelay({ intervalMinutes: 60, failures: 0, random: 0 }), 54 * MIN);
    assert.equal(nextPollDelay({ intervalMinutes: 60, failures: 0, random: 0.5 }), 60 * MIN);
    assert.equal(nextPollDelay({ intervalMinutes: 60, failures: 0, random: 0.999999 }), Math.round(60 * MIN * (0.9 + 0.2 * 0.999999)));
    for (let i = 0; i < 200; i++) {
      const delay = nextPollDelay({ intervalMinutes: 60, failures: 0, random: Math.random() });
      assert.ok(delay >= 54 * MIN && delay <= 66 * MIN, `${delay} ms is outside 54–66 min`);
    }
  });

  it('backs off 1, 2, 4, 8… minutes after failures, capped at the interval', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 50].map((failures) => nextPollDelay({ intervalMinutes: 60, failures, random: 0.5 }));
    assert.deepEqual(delays, [1, 2, 4, 8, 16, 32, 60, 60, 60].map((m) => m * MIN));
    const jittered = nextPollDelay({ intervalMinutes: 60, failures: 50, random: 0.99 });
    assert.ok(jittered <= 66 * MIN && jittered > 60 * MIN, 'the cap is jittered like the interval');
  });

  it('never polls before Retry-After, but does not shorten a longer delay for it', () => {
    assert.equal(nextPollDelay({ intervalMinutes: 60, failures: 1, retryAfterMs: 10 * MIN, random: 0.5 }), 10 * MIN);
    assert.equal(nextPollDelay({ intervalMinutes: 60, failures: 7, retryAfterMs: 5_000, random: 0.5 }), 60 * MIN);
  });

  it('refuses a nonsensical interval with a message naming it', () => {
    assert.throws(() => nextPollDelay({ intervalMinutes: 0, failures: 0, random: 0.5 }), /poll interval.*got 0/);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  it('reads seconds and HTTP-dates', () => {
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter('Wed, 25 Nov 2026 12:05:00 GMT', now), 5 * MIN);
    assert.equal(parseRetryAfter('Wed, 25 Nov 2026 11:00:00 GMT', now), 0, 'a date in the past means now');
  });
  it('ignores what it cannot read and caps absurd waits at a day', () => {
    assert.equal(parseRetryAfter(null, now), undefined);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter('99999999', now), MAX_RETRY_AFTER_MS);
  });
});
