import assert from 'node:assert/strict';
import { HostError } from '../../../extension/errors';
import { findBrowserEvent } from '../../../extension/runtime/browser-api';
import { resolveFeaturePath } from '../../../extension/runtime/feature-context';
import { checkListedFiles, runWithTimeout, verifyFeatureFiles } from '../../../extension/runtime/feature-loader';
import { createFakeBrowser } from '../../helpers/fake-browser';

/** Asserts that `error` is a HostError with this code and subject, and returns it. */
function assertHostError(error: unknown, code: string, subject: string): true {
  assert.ok(error instanceof HostError, `a HostError, not ${String(error)}`);
  assert.equal(error.code, code);
  assert.equal(error.subject, subject);
  return true;
}

describe('runtime: errors name their code and their feature', () => {
  const expected = { featureId: 'alpha', chunk: 'features/alpha/index.js', sha256: '0'.repeat(64), files: [], registeredFiles: [] };

  it('refuses a file whose bytes differ from its sign-off as hash-mismatch, about the feature', async () => {
    await assert.rejects(verifyFeatureFiles(expected, async () => new TextEncoder().encode('changed').buffer), (error) =>
      assertHostError(error, 'hash-mismatch', 'alpha'),
    );
  });

  it('refuses an add-on file it cannot read as unreadable-file, keeping the read failure as the cause', async () => {
    const failure = new TypeError('no such file');
    await assert.rejects(
      verifyFeatureFiles(expected, async () => {
        throw failure;
      }),
      (error) => assertHostError(error, 'unreadable-file', 'alpha') && (error as Error).cause === failure,
    );
  });

  it('refuses a shipped file the manifest leaves out as unlisted-files', () => {
    assert.throws(
      () => checkListedFiles({ ...expected, registeredFiles: ['features/alpha/content/a.js'] }),
      (error) => assertHostError(error, 'unlisted-files', 'alpha'),
    );
  });

  it('gives up on a hook that hangs with a timeout error about the feature', async () => {
    await assert.rejects(runWithTimeout(() => new Promise(() => undefined), 5, 'Feature "alpha": activate', 'alpha'), (error) =>
      assertHostError(error, 'timeout', 'alpha'),
    );
  });

  it('refuses a content script path outside the feature folder as invalid-path', () => {
    assert.throws(() => resolveFeaturePath('alpha', '../beta/x.js'), (error) => assertHostError(error, 'invalid-path', 'alpha'));
  });

  it('names the browser event a platform does not offer', () => {
    const browser = createFakeBrowser();
    assert.throws(
      () => findBrowserEvent({ ...browser, notifications: undefined }, 'notifications.onClicked'),
      (error) => assertHostError(error, 'event-unavailable', 'notifications.onClicked'),
    );
  });
});
