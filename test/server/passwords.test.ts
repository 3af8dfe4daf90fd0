import { strict as assert } from 'node:assert';
import { hashPassword, needsRehash, OWASP_SCRYPT_PARAMS, verifyPassword } from '../../server/crypto/passwords';
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

  it('spends comparable scrypt work on an unknown email and on a wrong password', async () => {
    const server = await startTestServer({ store, passwordParams: OWASP_SCRYPT_PARAMS });
    const timeSignIn = async (email: string) => {
      const started = performance.now();
      const response = await server.call('POST', '/v1/sessions', { body: { email, password: 'wrong password' } });
      assert.equal(response.status, 401);
      return performance.now() - started;
    };
    try {
      await server.call('POST', '/v1/accounts', { body: { email: 'ada@example.org', password: 'long enough', acceptedTerms: TERMS } });
      await timeSignIn('warm-up@example.org');
      const wrong = await timeSignIn('ada@example.org');
      const unknown = await timeSignIn('nobody@example.org');
      assert.ok(unknown > wrong * 0.5, `unknown email took ${unknown.toFixed(0)} ms, wrong password ${wrong.toFixed(0)} ms`);
    } finally {
      await server.close();
    }
  });
});
