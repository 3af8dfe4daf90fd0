/**
 * Whether the beta server answers, learnt from every request the host makes
 * to it (manifest, terms, account, services, telemetry): any HTTP answer
 * means reached, a request that never got one means unreachable. The QA
 * panel shows one status line from this instead of one error per request,
 * and the host checks the manifest again as soon as the server is back.
 *
 * @example
 * const reachability = new ServerReachability(browser.storage.local);
 * const fetchImpl = reachability.wrap(globalThis.fetch);
 * reachability.onRecovered(() => poller.checkNow());
 */
import type { ServerReachabilityStatus } from '../messages';

export const REACHABILITY_KEY = 'host:server-reachability';
/** lastReachedAt is written at most this often while all is well; changes of state always are. */
const PERSIST_EVERY_MS = 60_000;

interface StorageArea {
  get(keys: string | string[]): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
}

type FetchFn = (input: string | URL, init?: RequestInit) => Promise<Response>;

export class ServerReachability {
  private state: ServerReachabilityStatus = { reachable: null, lastReachedAt: null, lastFailureAt: null, lastFailure: null };
  private persistedAt = 0;
  private storage: StorageArea | null = null;
  private readonly loaded: Promise<void>;
  private markLoaded: () => void = () => undefined;
  private readonly recoveredListeners = new Set<() => void>();

  /** `storage` may come later, through load(), once the host's state has been read. */
  constructor(
    storage: StorageArea | null,
    private readonly now: () => Date = () => new Date(),
    private readonly log: { warn(...args: unknown[]): void } = console,
  ) {
    this.loaded = new Promise((resolve) => (this.markLoaded = resolve));
    if (storage) this.load(storage);
  }

  /** Reads what an earlier page life stored, and keeps what this one learns there. */
  load(storage: StorageArea): void {
    this.storage = storage;
    storage.get(REACHABILITY_KEY).then(
      (items) => {
        const stored = items[REACHABILITY_KEY] as ServerReachabilityStatus | undefined;
        // Something this page life already learnt is newer than what the last one stored.
        if (stored && this.state.reachable === null) this.state = { ...stored };
      },
      (error: unknown) => this.log.warn('server reachability could not be read', error),
    ).finally(this.markLoaded);
  }

  /** A fetch that reports its outcome here; it answers and fails exactly like the one it wraps. */
  wrap<F extends FetchFn>(fetchImpl: F): F {
    const wrapped = async (input: string | URL, init?: RequestInit): Promise<Response> => {
      let response: Response;
      try {
        response = await fetchImpl(input, init);
      } catch (error) {
        this.markFailed(error);
        throw error;
      }
      this.markReached();
      return response;
    };
    return wrapped as F;
  }

  /** Called each time the server answers again after being unreachable. */
  onRecovered(listener: () => void): void {
    this.recoveredListeners.add(listener);
  }

  async snapshot(): Promise<ServerReachabilityStatus> {
    await this.loaded;
    return { ...this.state };
  }

  private markReached(): void {
    const wasDown = this.state.reachable === false;
    const at = this.now();
    this.state = { ...this.state, reachable: true, lastReachedAt: at.toISOString() };
    if (wasDown || at.getTime() - this.persistedAt >= PERSIST_EVERY_MS) this.persist(at);
    if (wasDown) {
      for (const listener of this.recoveredListeners) {
        try {
          listener();
        } catch (error) {
          this.log.warn('a listener for the server coming back failed', error);
        }
      }
    }
  }

  private markFailed(error: unknown): void {
    const at = this.now();
    this.state = { ...this.state, reachable: false, lastFailureAt: at.toISOString(), lastFailure: error instanceof Error ? error.message : String(error) };
    this.persist(at);
  }

  private persist(at: Date): void {
    this.persistedAt = at.getTime();
    this.storage?.set({ [REACHABILITY_KEY]: this.state }).catch((error: unknown) => this.log.warn('server reachability could not be stored', error));
  }
}
