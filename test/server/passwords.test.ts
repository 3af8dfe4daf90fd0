import { strict as assert } from 'node:assert';
import crypto from 'node:crypto';
import sinon from 'sinon';
import { hashPassword, needsRehash, verifyPassword } from '../../server/crypto/passwords';
import { describeEachStore, FAST_SCRYPT, startTestServer, TERMS } from './helpers';

describe('beta server: password storage', () => {
  it('stretches passwords with scrypt at OWASP parameters and stores them with the hash', async () => {
    const stored = await hashPassword('correct horse');
    assert.match(stored, /^scrypt\$131072\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.equal(await verifyPassword('correct horse', stored), true);
    assert.equal(await verifyPassword('correct horsE', stored), false);
    assert.notEqual(await hashPassword('correct horse'), stored, 'each hash has its own salt');
    assert.equal(needsRehash(stored), false);
    assert.equal(await verifyPassword('correct horse', 'plain-text-password'), false);
  });
});

describeEachStore('beta server: password storage in the store', (store) => {

  it('re-hashes an old, weaker hash with the current parameters on the next sign-in', async () => {
    const server = await startTestServer({ store, passwordParams: { ...FAST_SCRYPT, N: 2048 } });
    try {
      const { id } = (await server.store.createAccount({
        email: 'old@example.org',
        passwordHash: await hashPassword('long enough', FAST_SCRYPT),
        createdAt: server.clock.now,
        acceptedTerms: TERMS,
      }))!;
      assert.equal((await server.call('POST', '/v1/sessions', { body: { email: 'old@example.org', password: 'long enough' } })).status, 201);
      const upgraded = (await server.store.findAccountById(id))!.passwordHash;
      assert.match(upgraded, /^scrypt\$2048\$8\$1\$/);
      assert.equal(await verifyPassword('long enough', upgraded), true);
    } finally {
      await server.close();
    }
  });

  it('spends the same scrypt work on an unknown email as on a wrong password', async () => {
    // Counted, not timed: a timing on a busy machine proves nothing either way.
    const server = await startTestServer({ store, passwordParams: { ...FAST_SCRYPT, N: 4096 } });
    const scrypt = sinon.spy(crypto, 'scrypt');
    const signInCosts = async (email: string) => {
      scrypt.resetHistory();
      const response = await server.call('POST', '/v1/sessions', { body: { email, password: 'wrong password' } });
      assert.equal(response.status, 401);
      return scrypt.getCalls().map((call) => (call.args[3] as { N: number }).N);
    };
    try {
      await server.call('POST', '/v1/accounts', { body: { email: 'ada@example.org', password: 'long enough', acceptedTerms: TERMS } });
      const wrong = await signInCosts('ada@example.org');
      const unknown = await signInCosts('nobody@example.org');
      assert.deepEqual(wrong, [4096], 'a wrong password costs one scrypt at the configured cost');
      assert.deepEqual(unknown, wrong, 'an unknown email costs the same scrypt work');
    } finally {
      scrypt.restore();
      await server.close();
    }
  });
});
