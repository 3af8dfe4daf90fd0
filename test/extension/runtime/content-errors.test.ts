// A content script's errors, attributed to its feature: Firefox gives an
// add-on no event for them (its window "error" listener sees only the page's
// own), so content scripts run under runContentScript / guardContent, which
// log them and tell the host once per page.
import assert from 'node:assert/strict';
import sinon from 'sinon';
import { guardContent, runContentScript } from '../../../extension/runtime/content-errors';

function makeRuntime() {
  const sent: unknown[] = [];
  return { sent, sendMessage: async (message: unknown) => void sent.push(message) };
}

describe('content scripts: errors reported to the host', () => {
  let consoleError: sinon.SinonStub;
  beforeEach(() => (consoleError = sinon.stub(console, 'error')));
  afterEach(() => consoleError.restore());

  it('reports what the main function throws or rejects with, logged, once per page and feature', async () => {
    const runtime = makeRuntime();
    runContentScript('page-one', () => {
      throw new Error('no article');
    }, runtime);
    runContentScript('page-one', async () => {
      throw new Error('no settings');
    }, runtime);
    runContentScript('page-two', async () => Promise.reject(new Error('offline')), runtime);
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(runtime.sent, [
      { type: 'sbc:content-error', featureId: 'page-one' },
      { type: 'sbc:content-error', featureId: 'page-two' },
    ]);
    assert.deepEqual(consoleError.args.map((args) => [args[0], (args[1] as Error).message]), [
      ['[page-one]', 'no article'],
      ['[page-one]', 'no settings'],
      ['[page-two]', 'offline'],
    ]);
  });

  it('reports nothing for a script that runs well, and passes a guarded listener its arguments', async () => {
    const runtime = makeRuntime();
    const clicks: string[] = [];
    runContentScript('page-three', async () => undefined, runtime);
    const onClick = guardContent('page-three', (target: string) => {
      clicks.push(target);
      if (target === 'broken') throw new Error('cannot save');
    }, runtime);
    onClick('save');
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(runtime.sent, []);
    onClick('broken');
    assert.deepEqual(clicks, ['save', 'broken']);
    assert.deepEqual(runtime.sent, [{ type: 'sbc:content-error', featureId: 'page-three' }]);
  });

  it('never throws itself when the add-on cannot be reached (a stale tab after an uninstall)', async () => {
    const gone = { sendMessage: async () => Promise.reject(new Error('Could not establish connection')) };
    assert.doesNotThrow(() => runContentScript('page-four', () => {
      throw new Error('boom');
    }, gone));
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(consoleError.callCount, 1);
  });
});
