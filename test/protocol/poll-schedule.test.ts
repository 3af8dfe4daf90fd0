import assert from 'node:assert/strict';
import { isCheckDue, nextPollDelay, readPollInterval } from '../../protocol/poll-schedule';
import { parseRetryAfter, MAX_RETRY_AFTER_MS } from '../../extension/channel/beta-server-client';

const MIN = 60_000;

describe('nextPollDelay', () => {
  it('polls every interval after a good check, up to 20% early and never late, so a kill switch reaches online installs within one interval', () => {
    assert.equal(nextPollDelay({ intervalMinutes: 15, failures: 0, random: 0 }), 15 * MIN);
    assert.equal(nextPollDelay({ intervalMinutes: 15, failures: 0, random: 0.5 }), 13.5 * MIN);
    assert.equal(nextPollDelay({ intervalMinutes: 15, failures: 0, random: 0.999999 }), Math.round(15 * MIN * (1 - 0.2 * 0.999999)));
    const delays = Array.from({ length: 500 }, () => nextPollDelay({ intervalMinutes: 15, failures: 0, random: Math.random() }));
    for (const delay of delays) assert.ok(delay > 12 * MIN && delay <= 15 * MIN, `${delay} ms is outside 12–15 min`);
    assert.ok(new Set(delays).size > 400, 'installs started together spread their polls over the jitter window');
  });

  it('backs off 1, 2, 4, 8… minutes after failures, capped at the interval', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 50].map((failures) => nextPollDelay({ intervalMinutes: 60, failures, random: 0 }));
    assert.deepEqual(delays, [1, 2, 4, 8, 16, 32, 60, 60, 60].map((m) => m * MIN));
    const jittered = nextPollDelay({ intervalMinutes: 60, failures: 50, random: 0.99 });
    assert.ok(jittered < 60 * MIN && jittered > 48 * MIN, 'the cap is jittered like the interval');
  });

  it('never polls before Retry-After, but does not shorten a longer delay for it', () => {
    assert.equal(nextPollDelay({ intervalMinutes: 60, failures: 1, retryAfterMs: 10 * MIN, random: 0.5 }), 10 * MIN);
    assert.equal(nextPollDelay({ intervalMinutes: 60, failures: 7, retryAfterMs: 5_000, random: 0 }), 60 * MIN);
  });

  it('refuses a nonsensical interval with a message naming it', () => {
    assert.throws(() => nextPollDelay({ intervalMinutes: 0, failures: 0, random: 0.5 }), /poll interval.*got 0/);
  });
});

describe('readPollInterval', () => {
  it("takes the signed manifest's interval, else the build's, else 15 minutes", () => {
    assert.equal(readPollInterval({ pollIntervalMinutes: 360 }, 15), 360);
    assert.equal(readPollInterval({}, 30), 30);
    assert.equal(readPollInterval(null), 15);
  });
});

describe('isCheckDue', () => {
  const at = '2026-11-25T12:00:00.000Z';
  it('is due on a wake when never checked, or when the last check is an interval old or more', () => {
    assert.equal(isCheckDue(undefined, 15, new Date(at)), true);
    assert.equal(isCheckDue(null, 15, new Date(at)), true);
    assert.equal(isCheckDue(at, 15, new Date('2026-11-25T12:14:59.000Z')), false);
    assert.equal(isCheckDue(at, 15, new Date('2026-11-25T12:15:00.000Z')), true);
    assert.equal(isCheckDue(at, 60, new Date('2026-11-25T12:15:00.000Z')), false, 'a slower interval from the manifest waits longer');
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
