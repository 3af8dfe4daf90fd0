import assert from 'node:assert/strict';
import { HostError } from '../../../extension/errors';
import { createHostClient, HostRequestError } from '../../../extension/ui/host-client';
import { makeStatus } from './status-fixture';

describe('createHostClient', () => {
  it('sends the request and gives back the answer', async () => {
    const sent: unknown[] = [];
    const request = createHostClient(async (message) => (sent.push(message), makeStatus()));
    const status = await request({ type: 'sbc:override', featureId: 'reading-time', value: 'on' });
    assert.deepEqual(sent, [{ type: 'sbc:override', featureId: 'reading-time', value: 'on' }]);
    assert.equal(status.manifest.serial, 12);
  });

  for (const error of ['Wrong email or password.', { code: 'invalid_credentials', message: 'Wrong email or password.' }]) {
    it(`turns {error: ${typeof error}} into an error the page can show`, async () => {
      const request = createHostClient(async () => ({ error }));
      await assert.rejects(request({ type: 'sbc:login', email: 'a@b.c', password: 'x' }), (thrown: unknown) => {
        assert.ok(thrown instanceof HostRequestError);
        assert.equal(thrown.message, 'Wrong email or password.');
        assert.equal(thrown.requestType, 'sbc:login');
        assert.ok(thrown instanceof HostError);
        assert.equal(thrown.code, typeof error === 'string' ? 'failed' : 'invalid_credentials');
        assert.equal(thrown.subject, 'sbc:login');
        return true;
      });
    });
  }

  it('names the request when the background does not answer', async () => {
    await assert.rejects(createHostClient(async () => undefined)({ type: 'sbc:status' }), /did not answer sbc:status/);
    await assert.rejects(
      createHostClient(async () => { throw new Error('Could not establish connection. Receiving end does not exist.'); })({ type: 'sbc:refresh' }),
      /did not answer sbc:refresh: Could not establish connection/,
    );
  });
});
