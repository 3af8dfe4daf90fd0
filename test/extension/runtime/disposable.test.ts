import assert from 'node:assert/strict';
import { DisposableStore, toDisposable } from '../../../extension/runtime/disposable';

function recordingLog() {
  const warnings: string[] = [];
  return { warnings, warn: (...args: unknown[]) => void warnings.push(args.map(String).join(' ')) };
}

describe('disposable', () => {
  it('toDisposable runs its cleanup once however often it is disposed', async () => {
    let runs = 0;
    const d = toDisposable(() => void runs++);
    await d.dispose();
    await d.dispose();
    assert.equal(runs, 1);
  });

  it('disposes everything even when some disposers throw, then throws an AggregateError of them', async () => {
    const store = new DisposableStore(recordingLog(), 'feature demo');
    const disposed: string[] = [];
    store.add(toDisposable(() => void disposed.push('first')));
    store.add(toDisposable(() => { throw new Error('menu gone'); }));
    store.add(toDisposable(async () => { disposed.push('async'); }));
    store.add(toDisposable(async () => { throw new Error('alarm gone'); }));
    const error = await store.dispose().then(() => null, (e: unknown) => e);
    assert.ok(error instanceof AggregateError);
    assert.deepEqual(error.errors.map((e: Error) => e.message).sort(), ['alarm gone', 'menu gone']);
    assert.match(error.message, /feature demo: 2 of 4 disposers failed/);
    assert.deepEqual(disposed.sort(), ['async', 'first']);
  });

  it('awaits async disposers before dispose() resolves', async () => {
    const store = new DisposableStore(recordingLog());
    let finished = false;
    store.add(toDisposable(async () => {
      await new Promise((r) => setTimeout(r, 10));
      finished = true;
    }));
    await store.dispose();
    assert.equal(finished, true);
  });

  it('disposes at once, with a warning, whatever is added after disposal', async () => {
    const log = recordingLog();
    const store = new DisposableStore(log, 'feature late');
    await store.dispose();
    let disposed = false;
    store.add(toDisposable(() => void (disposed = true)));
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(disposed, true);
    assert.match(log.warnings[0] ?? '', /feature late: something was registered after disposal/);
  });

  it('a second dispose is harmless, even after the first one threw', async () => {
    const store = new DisposableStore(recordingLog());
    let runs = 0;
    store.add(toDisposable(() => {
      runs++;
      throw new Error('boom');
    }));
    await assert.rejects(store.dispose(), AggregateError);
    await store.dispose();
    assert.equal(runs, 1);
  });
});
