// The add-on moves through a staged rollout by its own clock, and applies the
// beta server's halt: the Replanner on a fake browser with a fake clock.
import assert from 'node:assert/strict';
import sinon from 'sinon';
import { Replanner } from '../../../extension/background/host-replan';
import type { BuildConfig } from '../../../protocol/build-config';
import type { HaltPayload } from '../../../protocol/halt-document';
import type { PlanDecision } from '../../../protocol/planner';
import { createFakeBrowser } from '../../helpers/fake-browser';
import { makeManifestPayload } from '../../helpers/manifests';
import { makeFeature } from '../../helpers/test-features';

const START = Date.parse('2026-12-01T00:00:00Z');
const HOUR = 3_600_000;
const config: BuildConfig = { buildEnv: 'beta', manifestEnv: 'beta', origin: 'https://beta.example.test', rootKeys: [], rootThreshold: 1, allowUnreviewed: false, hostVersion: '0.1.0', pollMinutes: 15, maxManifestLifetimeDays: 30 };

describe('Replanner: staged rollouts by the clock, and halts', () => {
  const kit = makeFeature('kit', { activate() {} });
  let clock: number;
  let reconciled: PlanDecision[];
  let scheduled: sinon.SinonSpy<[number | null], Promise<void>>;
  let replanner: Replanner;

  beforeEach(() => {
    clock = START - HOUR;
    scheduled = sinon.spy(async (_at: number | null) => undefined);
    const browser = createFakeBrowser();
    replanner = new Replanner({
      browser,
      state: browser.storage.local,
      config,
      registry: [kit.registered],
      host: { reconcile: async (decisions) => void (reconciled = decisions) },
      account: { getSession: async () => null },
      scheduleStage: scheduled,
      now: () => new Date(clock),
    });
  });

  /** A plan whose first stage leaves this browser out and whose second takes it in. */
  async function stagedAroundThisBrowser() {
    replanner.manifest = makeManifestPayload({ serial: 3, features: [kit.entry] }, START - 2 * HOUR, 20);
    await replanner.replan();
    const bucket = reconciled[0]!.bucket!;
    const stages = {
      startAt: new Date(START).toISOString(),
      steps: [
        { rollout: bucket, minMinutes: 24 * 60, gates: [] },
        { rollout: bucket + 1, minMinutes: 48 * 60, gates: [] },
        { rollout: 10000, gates: [] },
      ],
    };
    await replanner.accept(makeManifestPayload({ serial: 4, features: [{ ...kit.entry, rollout: bucket, stages }] }, START - 2 * HOUR, 20));
  }

  const decision = () => [reconciled[0]!.action, reconciled[0]!.reasonCode, reconciled[0]!.stage?.index];

  it('waits for the plan, moves on when the next stage starts (the alarm it asks for), and never goes back', async () => {
    await stagedAroundThisBrowser();
    assert.deepEqual(decision(), ['uninstall', 'rollout', -1]);
    assert.equal(scheduled.lastCall.args[0], START, 'woken when the first stage starts');
    clock = START + 23 * HOUR;
    await replanner.replan();
    assert.deepEqual(decision(), ['uninstall', 'rollout', 0]);
    assert.equal(scheduled.lastCall.args[0], START + 24 * HOUR);
    clock = START + 24 * HOUR;
    await replanner.replan();
    assert.deepEqual(decision(), ['install', 'eligible', 1]);
    for (const hours of [30, 72, 500]) {
      clock = START + hours * HOUR;
      await replanner.replan();
      assert.equal(reconciled[0]!.action, 'install', `at hour ${hours}`);
    }
    assert.equal(scheduled.lastCall.args[0], null, 'no alarm after the last stage');
  });

  it('holds a frozen stage while the clock moves on, and uninstalls a feature the halt kills', async () => {
    await stagedAroundThisBrowser();
    const halt = (halts: HaltPayload['halts']): HaltPayload => ({
      schema: 1, kind: 'halt', env: 'beta', serial: 50, issuedAt: new Date(START + 20 * HOUR).toISOString(),
      expiresAt: new Date(START + 200 * HOUR).toISOString(), manifestSerial: 4, halts,
    });
    const at = new Date(START + 20 * HOUR).toISOString();
    clock = START + 20 * HOUR;
    replanner.halt = halt([{ featureId: 'kit', action: 'freeze', stage: 0, reason: 'gate optOutRate failed', haltedAt: at }]);
    await replanner.replan();
    assert.equal(scheduled.lastCall.args[0], null, 'a frozen feature needs no stage alarm');
    clock = START + 100 * HOUR;
    await replanner.replan();
    assert.deepEqual(decision(), ['uninstall', 'rollout', 0]);
    assert.deepEqual(reconciled[0]!.halt, { action: 'freeze', reason: 'gate optOutRate failed', haltedAt: at });
    replanner.halt = halt([{ featureId: 'kit', action: 'kill', reason: 'gate failureRate failed', haltedAt: at }]);
    await replanner.replan();
    assert.deepEqual(decision().slice(0, 2), ['uninstall', 'halted']);
  });
});
