import assert from 'node:assert/strict';
import { SerialQueue } from '../../../extension/runtime/serial-queue';

describe('SerialQueue', () => {
  it('runs tasks one at a time in the order asked, even when an earlier one is slower', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      log.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([queue.run(task('a', 20)), queue.run(task('b', 1))]);
    assert.deepEqual(results, ['a', 'b']);
    assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b']);
  });

  it('goes on after a task fails, and hands the failure to its caller', async () => {
    const queue = new SerialQueue();
    const failed = queue.run(async () => {
      throw new Error('boom');
    });
    const next = queue.run(async () => 'still runs');
    await assert.rejects(failed, /boom/);
    assert.equal(await next, 'still runs');
  });
});
