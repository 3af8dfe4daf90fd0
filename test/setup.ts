// Root hooks for every mocha run: after each test, every fake browser made
// during it must be clean, so a test (or the code under test) that leaves a
// listener, content script, menu or alarm behind fails, naming the leak.
// The run's PostgreSQL, if a test started one, is stopped once everything ran.
import { takeCreatedFakes } from './helpers/fake-browser';
import { stopTestPostgres } from './helpers/postgres';

export const mochaHooks = {
  afterEach(this: Mocha.Context) {
    const leaks = takeCreatedFakes().flatMap((fake) => fake.leaks());
    // A test that already failed has said what went wrong; its leftovers are only noise.
    if (leaks.length > 0 && this.currentTest?.state !== 'failed') {
      throw new Error(`Test left registered: ${leaks.join(', ')}`);
    }
  },
  async afterAll() {
    await stopTestPostgres();
  },
};
