/**
 * The host sends codes and parameters, never sentences: every reason the
 * planner gives, the status the QA panel and popup show, and the failures of
 * the beta account are worded by the pages from the messages file. English
 * made in the background would reach a user of any language, so a sentence
 * anywhere in what the host sends fails here.
 */
import assert from 'node:assert/strict';
import { buildHostStatus } from '../../../extension/background/host-status';
import { answerHostRequest } from '../../../extension/background/host-requests';
import { AccountClient } from '../../../extension/account/account-client';
import type { ManifestFeature, ManifestPayload } from '../../../protocol/manifest-schema';
import { planFeatures, type PlanDecision, type PlanInput } from '../../../protocol/planner';
import { describeFailure } from '../../../extension/ui/dom';
import { betaServer, createFakeFetch, createMemoryStorage, json, NOW, serverError } from '../account/fake-beta-server';
import { makeBuildConfig } from '../background/controller-harness';
import { makeEntry, sha256 } from '../../helpers/manifests';
import { createSigningKey } from '../../helpers/signing';
import { findProseInData } from './hard-coded-strings';

/** Data, not the add-on's words: what a feature, a server or a person is called, and where. */
const DATA_KEYS = new Set(['name', 'description', 'email', 'origin', 'entry']);
/**
 * Technical details the pages show after a worded label, as they came: a
 * refused manifest's check, the browser's own network error, an install's
 * exception, the server's own explanation.
 */
const DETAIL_KEYS = new Set(['message', 'lastFailure', 'error']);

const entry = (id: string, overrides: Partial<ManifestFeature> = {}) => makeEntry(id, '1.0.0', sha256(`${id} code`), overrides);
const manifestOf = (features: ManifestFeature[], extra: Partial<ManifestPayload> = {}): ManifestPayload => ({
  schema: 1, env: 'beta', serial: 3, issuedAt: '2026-11-25T00:00:00Z', expiresAt: '2026-12-25T00:00:00Z', features, ...extra,
});

/** One plan with every reason code the planner has. */
async function planEveryReason(): Promise<{ decisions: PlanDecision[]; input: PlanInput }> {
  const edited = entry('files', { files: [{ path: 'features/files/content/a.js', sha256: sha256('a') }] });
  const features = [
    entry('killed', { killed: true }),
    entry('unsigned', { signOffs: {} }),
    { ...edited, files: [{ path: 'features/files/content/a.js', sha256: sha256('a, edited') }] },
    entry('forced-off'),
    entry('forced-on', { rollout: 0 }),
    entry('forced-gated', { requiresAccount: true }),
    entry('opted'),
    entry('elsewhere', { targeting: { os: ['win'], firefoxVersion: { min: '200.0' } } }),
    entry('old-host', { targeting: { hostVersion: { max: '0.0.1' } } }),
    entry('outside', { rollout: 0 }),
    entry('gated', { requiresAccount: true }),
    entry('consent'),
    entry('service'),
    entry('eligible'),
    entry('unbuilt'),
  ];
  const registry = features.filter((f) => f.id !== 'unbuilt').map((f) => ({
    id: f.id,
    requiresAccount: false,
    owners: ['owner@example.org'],
    ...(f.id === 'consent' ? { dataCollection: ['browsingActivity', 'websiteContent'] } : {}),
    ...(f.id === 'service' ? { services: ['notes'] } : {}),
  }));
  const input: PlanInput = {
    manifest: manifestOf(features),
    registry,
    unit: 'unit-1',
    environment: { hostVersion: '0.1.0', firefoxVersion: '128.0', os: 'linux', locale: 'en-US' },
    account: { signedIn: false, termsAccepted: false },
    dataConsent: { source: 'add-on', granted: [] },
    overrides: { 'forced-off': 'off', 'forced-on': 'on', 'forced-gated': 'on', killed: 'on' },
    optOuts: ['opted'],
    allowUnreviewed: false,
    installed: ['retired'],
  };
  const decisions = await planFeatures(input);
  const unreviewed = await planFeatures({ ...input, allowUnreviewed: true, account: { signedIn: true, termsAccepted: true } });
  const outdatedTerms = await planFeatures({ ...input, account: { signedIn: true, termsAccepted: false } });
  return { decisions: [...decisions, ...unreviewed, ...outdatedTerms], input };
}

describe('localisation: the host sends codes and parameters, never sentences', () => {
  it('plans every reason without a sentence', async () => {
    const { decisions } = await planEveryReason();
    const codes = new Set(decisions.map((decision) => decision.reasonCode));
    for (const code of ['killed', 'sign-offs', 'qa-off', 'qa-on', 'opted-out', 'targeting', 'rollout', 'needs-account', 'terms', 'needs-consent', 'needs-service', 'eligible', 'not-in-manifest', 'not-in-build']) {
      assert.ok(codes.has(code as PlanDecision['reasonCode']), `the plan has a ${code} decision`);
    }
    assert.ok(decisions.some((decision) => decision.detail.unreviewed), 'and an unreviewed one');
    const findings = findProseInData('plan', decisions, DATA_KEYS);
    assert.deepEqual(findings, [], 'sentences in the planner’s decisions');
  });

  it('gives the QA panel and the popup a status without a sentence', async () => {
    const { decisions, input } = await planEveryReason();
    const status = buildHostStatus({
      config: makeBuildConfig(await createSigningKey('beta-1')),
      registry: [],
      manifestPayload: input.manifest,
      manifest: { serial: 3, issuedAt: null, expiresAt: null, acceptedAt: null, checkedAt: null, nextCheckAt: null, lastError: null, unreviewed: false },
      session: null,
      telemetryEnabled: true,
      dataConsent: input.dataConsent!,
      unit: 'unit-1',
      overrides: input.overrides,
      optOuts: input.optOuts,
      ledger: { eligible: { state: 'failed', version: '1.0.0', sha256: sha256('eligible code'), installedAt: null, error: 'cannot read settings' } },
      decisions,
      startedAt: '2026-11-25T12:00:00.000Z',
    });
    const findings = findProseInData('status', status, new Set([...DATA_KEYS, ...DETAIL_KEYS]));
    assert.deepEqual(findings, [], 'sentences in the host status');
  });

  it('answers a failed account request with a code and the words’ parameters, which the page turns into a sentence', async () => {
    const server = createFakeFetch({
      'POST /v1/sessions': () => serverError(401, 'invalid_credentials', 'Invalid email or password'),
      'GET /v1/terms': () => json(200, { terms: {} }),
      'POST /v1/accounts': () => serverError(429, 'rate_limited', 'slow down', { 'Retry-After': '30' }),
    });
    const account = new AccountClient({ server: betaServer(server.fetch), storage: createMemoryStorage(), now: () => NOW, log: () => {} });
    const runtime = { id: 'sbc@test', getURL: (path: string) => `moz-extension://test/${path}` };
    const sender = { id: 'sbc@test', url: 'moz-extension://test/ui/options.html' };
    const ask = (work: () => Promise<unknown>) =>
      answerHostRequest({ type: 'sbc:terms' }, sender, { runtime, start: async () => ({ parts: { account: { getTerms: work } } }) as never });

    for (const work of [() => account.signIn('qa@example.org', 'nope'), () => account.getTerms(), () => account.signUp('qa@example.org', 'pw', '1'), () => account.deleteAccount()]) {
      const answer = (await ask(work)) as { error: { code: string; message: string; words?: object } };
      assert.ok(answer.error.words, `the failure carries its words' parameters: ${JSON.stringify(answer)}`);
      // `detail` holds the server's own explanation or the browser's network error, as they came.
      assert.deepEqual(findProseInData('answer', answer.error.words, new Set(['detail'])), [], 'sentences in the answer');
      // What the page shows is worded from the messages file, not the background's log line.
      assert.notEqual(describeFailure(answer.error), answer.error.message);
    }
  });

  it('catches a sentence arriving from the host, wherever it hides', () => {
    const sample = { features: [{ name: 'Reading time', reasonCode: 'rollout', reason: 'Turned off by the user' }], account: { words: { detail: 'x', kind: 'Too many attempts' } } };
    assert.deepEqual(findProseInData('sample', sample, new Set(['name', 'detail'])).map((finding) => finding.text), [
      'features[0].reason: Turned off by the user',
      'account.words.kind: Too many attempts',
    ]);
  });
});
