/**
 * Every caller of the beta server (the manifest check, the account client,
 * a feature's service call and the telemetry senders) goes through one
 * BetaServerClient, so each must show the same guarantees against a real
 * misbehaving server on a loopback port, reached with Node's own fetch.
 */
import assert from 'node:assert/strict';
import { AccountClient, AccountError } from '../../../extension/account/account-client';
import { describeFailure } from '../../../extension/ui/dom';
import { BetaServerClient, BetaServerError, type BetaServerErrorCode } from '../../../extension/channel/beta-server-client';
import { ManifestClient, type CheckResult } from '../../../extension/channel/manifest-client';
import type { HostDb } from '../../../extension/db';
import { FeedbackQueue } from '../../../extension/telemetry/feedback-queue';
import { postJson } from '../../../extension/telemetry/post-json';
import { UsageRecorder } from '../../../extension/telemetry/usage-recorder';
import { UsageUploader } from '../../../extension/telemetry/usage-uploader';
import { createMemoryStorage, NOW as ACCOUNT_NOW, storedSession } from '../account/fake-beta-server';
import { openFreshDb, trustKeys } from '../../helpers/addon-fixtures';
import { createSigningKey, type SigningKey } from '../../helpers/signing';
import { stallAfterHeaders, startMisbehavingServer, streamWithoutEnd, type MisbehavingHandler, type MisbehavingServer } from './misbehaving-server';

const DEADLINE_MS = 200;

describe('every beta-server caller, against a real misbehaving server', () => {
  let key: SigningKey;
  let db: HostDb;
  let server: MisbehavingServer | undefined;
  before(async () => {
    key = await createSigningKey('channel-2026');
  });
  beforeEach(async () => {
    db = await openFreshDb();
  });
  afterEach(async () => {
    db.close();
    await server?.close();
    server = undefined;
  });

  async function serve(handler: MisbehavingHandler, options: { timeoutMs?: number; now?: () => number } = {}): Promise<BetaServerClient> {
    server = await startMisbehavingServer(handler);
    return new BetaServerClient({ origin: server.origin, ...options });
  }

  const checkManifest = (beta: BetaServerClient): Promise<CheckResult> =>
    new ManifestClient({ db, server: beta, trust: trustKeys([key.pinned]), env: 'beta', allowUnreviewed: false }).check();
  const signIn = (beta: BetaServerClient) =>
    new AccountClient({ server: beta, storage: createMemoryStorage(), log: () => {} }).signIn('qa@example.org', 'correct horse battery staple');
  const callService = (beta: BetaServerClient) =>
    new AccountClient({ server: beta, storage: createMemoryStorage(storedSession()), now: () => ACCOUNT_NOW, log: () => {} }).servicesFetch(
      'shared-notes',
      '/v1/services/notes',
    );
  const uploadUsage = async (beta: BetaServerClient) => {
    await new UsageRecorder({ db }).count('tab-groups', 'group-created');
    return new UsageUploader({ db, server: beta, installId: async () => 'unit-1', log: { warn: () => {} } }).flush();
  };
  const sendFeedback = async (beta: BetaServerClient) => {
    const queue = new FeedbackQueue({ db, server: beta, installId: async () => 'unit-1', log: { warn: () => {} } });
    await queue.enqueue({ featureId: 'tab-groups', rating: 4 });
    return queue.flush();
  };

  /** The account client's error, caused by the client's own error with the given code. */
  async function rejectsFromAccount(promise: Promise<unknown>, code: string, cause: BetaServerErrorCode): Promise<AccountError> {
    try {
      await promise;
    } catch (error) {
      assert.ok(error instanceof AccountError, `expected an AccountError, got ${String(error)}`);
      assert.equal(error.code, code);
      assert.ok(error.cause instanceof BetaServerError, 'caused by the beta-server client');
      assert.equal(error.cause.code, cause);
      return error;
    }
    assert.fail('expected the call to fail');
  }

  const failedWith = (result: CheckResult, pattern: RegExp) => {
    assert.equal(result.outcome, 'failed');
    assert.match(result.outcome === 'failed' ? result.message : '', pattern);
  };

  describe('a server that takes the request and never answers: each call fails at the deadline', () => {
    const never: MisbehavingHandler = () => undefined;
    const deadline = new RegExp(`did not answer within ${DEADLINE_MS} ms`);

    it('the manifest check', async () => {
      failedWith(await checkManifest(await serve(never, { timeoutMs: DEADLINE_MS })), deadline);
    });

    it('the account sign-in', async () => {
      const error = await rejectsFromAccount(signIn(await serve(never, { timeoutMs: DEADLINE_MS })), 'network', 'deadline');
      assert.match(describeFailure(error), /Could not sign in: the beta server at http:\/\/127\.0\.0\.1:\d+ cannot be reached \(did not answer within 200 ms\)/);
    });

    it("a feature's service call", async () => {
      await rejectsFromAccount(callService(await serve(never, { timeoutMs: DEADLINE_MS })), 'network', 'deadline');
    });

    it('the usage and feedback sends, which keep what is queued', async () => {
      const beta = await serve(never, { timeoutMs: DEADLINE_MS });
      const outcome = await postJson(beta, '/v1/usage', { batchId: 'b' });
      assert.equal(outcome.kind, 'retry');
      assert.match(outcome.kind === 'retry' ? outcome.message : '', deadline);
      assert.deepEqual(await uploadUsage(beta), { sent: 0, queued: 1, dropped: 0 });
      assert.deepEqual(await sendFeedback(beta), { sent: 0, queued: 1, dropped: 0 });
    });
  });

  describe('a server that sends headers and then stalls: the deadline covers the body too', () => {
    it('the manifest check', async () => {
      failedWith(await checkManifest(await serve(stallAfterHeaders, { timeoutMs: DEADLINE_MS })), /within 200 ms/);
    });

    it('the account sign-in', async () => {
      await rejectsFromAccount(signIn(await serve(stallAfterHeaders, { timeoutMs: DEADLINE_MS })), 'network', 'deadline');
    });

    it("a feature's service call", async () => {
      await rejectsFromAccount(callService(await serve(stallAfterHeaders, { timeoutMs: DEADLINE_MS })), 'network', 'deadline');
    });
  });

  describe('a server that streams a body without end: it is refused at the cap', () => {
    it('the manifest check refuses it as a malformed envelope', async () => {
      const result = await checkManifest(await serve(streamWithoutEnd));
      assert.equal(result.outcome === 'refused' && result.reason, 'malformed-envelope');
      assert.match(result.outcome === 'refused' ? result.message : '', /more than 1048576 bytes/);
    });

    it('the account sign-in calls it a bad response', async () => {
      const error = await rejectsFromAccount(signIn(await serve(streamWithoutEnd)), 'bad-response', 'too-large');
      assert.match(describeFailure(error), /Could not sign in: the beta server at .* answered with more than 1048576 bytes/);
    });

    it("a feature's service call fails at the services' own cap", async () => {
      const error = await rejectsFromAccount(callService(await serve(streamWithoutEnd)), 'bad-response', 'too-large');
      assert.match(error.message, /more than 8388608 bytes/);
    });

    it('the telemetry sends read no answer body at all, so the item is sent', async () => {
      const beta = await serve(streamWithoutEnd);
      assert.deepEqual(await uploadUsage(beta), { sent: 1, queued: 0, dropped: 0 });
      assert.deepEqual(await sendFeedback(beta), { sent: 1, queued: 0, dropped: 0 });
    });
  });

  describe('a server that redirects to another origin: nothing follows it', () => {
    let elsewhere: MisbehavingServer;
    beforeEach(async () => {
      elsewhere = await startMisbehavingServer((_request, response) => response.end('{}'));
    });
    afterEach(() => elsewhere.close());
    // 307 keeps the method and body: followed, it would repost the password or the token.
    const redirect: MisbehavingHandler = (request, response) => {
      response.writeHead(307, { Location: `${elsewhere.origin}${request.url}` });
      response.end();
    };

    it('the manifest check, the account, a service call and the telemetry sends all refuse it', async () => {
      const beta = await serve(redirect);
      failedWith(await checkManifest(beta), /v1\/manifest could not be reached/);
      await rejectsFromAccount(signIn(beta), 'network', 'network');
      await rejectsFromAccount(callService(beta), 'network', 'network');
      assert.deepEqual(await uploadUsage(beta), { sent: 0, queued: 1, dropped: 0 });
      assert.deepEqual(await sendFeedback(beta), { sent: 0, queued: 1, dropped: 0 });
      assert.deepEqual(server!.requests, ['GET /v1/manifest', 'POST /v1/sessions', 'GET /v1/services/notes', 'POST /v1/usage', 'POST /v1/feedback']);
      assert.deepEqual(elsewhere.requests, [], 'the other origin was never asked');
    });
  });

  describe('Retry-After, in seconds or as an HTTP-date, is the same wait everywhere', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    for (const [form, header] of [
      ['seconds', '120'],
      ['an HTTP-date', new Date(now + 120_000).toUTCString()],
    ] as const) {
      it(`as ${form}`, async () => {
        const beta = await serve((_request, response) => {
          response.writeHead(429, { 'Retry-After': header, 'Content-Type': 'application/json' });
          response.end('{"error":{"code":"rate_limited","message":"slow down"}}');
        }, { now: () => now });
        const manifest = await checkManifest(beta);
        assert.equal(manifest.outcome === 'failed' && manifest.retryAfterMs, 120_000);
        const error = await signIn(beta).then(
          () => assert.fail('expected the sign-in to fail'),
          (caught: unknown) => caught as AccountError,
        );
        assert.deepEqual([error.code, error.retryAfterMs, describeFailure(error)], ['rate-limited', 120_000, 'Too many attempts to sign in. Try again in 2 minutes.']);
      });
    }
  });
});
