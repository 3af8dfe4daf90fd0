/**
 * Disposables in the style of VS Code's lifecycle.ts: everything a feature
 * registers is undone through one store, and one undo failing never stops
 * the others.
 */
import type { Disposable, Logger } from './feature-api';

/**
 * Wraps a cleanup function so that it runs at most once.
 *
 * @example
 * const d = toDisposable(() => clearInterval(timer));
 * d.dispose(); d.dispose(); // the second call does nothing
 */
export function toDisposable(fn: () => void | Promise<void>): Disposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      return fn();
    },
  };
}

/**
 * Collects disposables and disposes them all together, newest first (so a
 * resource goes before what it was built on).
 *
 * @example
 * const store = new DisposableStore(console);
 * store.add(toDisposable(() => browser.menus.remove('sbc:x:open')));
 * await store.dispose(); // throws AggregateError if any disposer threw
 */
export class DisposableStore implements Disposable {
  private readonly items = new Set<Disposable>();
  private disposed = false;
  private disposing: Promise<void> | null = null;

  constructor(
    private readonly log: Pick<Logger, 'warn'> = console,
    /** Names the store's owner in warnings, e.g. a feature id. */
    private readonly owner = 'store',
  ) {}

  get isDisposed(): boolean {
    return this.disposed;
  }

  get size(): number {
    return this.items.size;
  }

  /**
   * Tracks a disposable. Once the store is disposed, whatever is added is
   * disposed at once: a feature that registers late (after a timeout, say)
   * must not leave that registration behind.
   */
  add<T extends Disposable>(disposable: T): T {
    if (this.disposed) {
      this.log.warn(`${this.owner}: something was registered after disposal; disposing it now`);
      void Promise.resolve()
        .then(() => disposable.dispose())
        .catch((error: unknown) => this.log.warn(`${this.owner}: disposing a late registration failed`, error));
      return disposable;
    }
    this.items.add(disposable);
    return disposable;
  }

  /** Alias of add, for readability at call sites that track a result. */
  track<T extends Disposable>(disposable: T): T {
    return this.add(disposable);
  }

  /** Stops tracking a disposable without disposing it (its owner disposed it already). */
  delete(disposable: Disposable): void {
    this.items.delete(disposable);
  }

  /**
   * Disposes everything, awaiting async disposers. Errors are collected and
   * thrown together at the end as an AggregateError. A second call waits for
   * the first, does nothing more and never throws.
   */
  dispose(): Promise<void> {
    if (this.disposing) return this.disposing.catch(() => undefined);
    this.disposed = true;
    this.disposing = this.disposeAll();
    return this.disposing;
  }

  private async disposeAll(): Promise<void> {
    const items = [...this.items].reverse();
    this.items.clear();
    const errors: unknown[] = [];
    for (const item of items) {
      try {
        await item.dispose();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) {
      throw new AggregateError(errors, `${this.owner}: ${errors.length} of ${items.length} disposers failed`);
    }
  }
}
