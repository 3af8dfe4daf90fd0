/**
 * The host's in-memory switchboard. Features never add listeners to
 * `browser.*`: the background's top-level listeners (the ones that wake the
 * event page) feed this bus, and a feature's listener lives here only, so
 * disposing it is a plain in-memory removal that can never fail or leak into
 * the browser.
 *
 * Channels are strings: a browser event name ("tabs.onCreated") or a routed
 * channel of the host ("message:<featureId>", "menu:<menuId>", "alarm:<name>").
 */
import { toDisposable } from './disposable';
import type { Disposable, EventListener, Logger } from './feature-api';

interface Entry {
  owner: string;
  listener: EventListener;
}

/** The outcome of one listener: a value, or what it threw. */
export type ListenerResult = { owner: string; ok: true; value: unknown } | { owner: string; ok: false; error: unknown };

/**
 * @example
 * const bus = new EventBus(console);
 * const d = bus.on('tabs.onCreated', 'hello', (tab) => console.log(tab.id));
 * await bus.emit('tabs.onCreated', [{ id: 1 }]);
 * d.dispose();
 */
export class EventBus {
  private readonly channels = new Map<string, Entry[]>();

  constructor(private readonly log: Pick<Logger, 'warn'> = console) {}

  /** Adds a listener on a channel for an owner (a feature id); the disposable removes it. */
  on(channel: string, owner: string, listener: EventListener): Disposable {
    const entry: Entry = { owner, listener };
    const list = this.channels.get(channel) ?? [];
    list.push(entry);
    this.channels.set(channel, list);
    return toDisposable(() => {
      const current = this.channels.get(channel);
      if (!current) return;
      const index = current.indexOf(entry);
      if (index >= 0) current.splice(index, 1);
      if (current.length === 0) this.channels.delete(channel);
    });
  }

  hasListeners(channel: string): boolean {
    return (this.channels.get(channel)?.length ?? 0) > 0;
  }

  /**
   * Calls every listener of the channel with `args`, each isolated from the
   * others: one that throws is logged with its owner and the rest still run.
   */
  async emit(channel: string, args: unknown[]): Promise<ListenerResult[]> {
    const entries = [...(this.channels.get(channel) ?? [])];
    return Promise.all(
      entries.map(async ({ owner, listener }): Promise<ListenerResult> => {
        try {
          return { owner, ok: true, value: await listener(...args) };
        } catch (error) {
          this.log.warn(`feature ${owner}: listener of ${channel} threw`, error);
          return { owner, ok: false, error };
        }
      }),
    );
  }

  /** Every listener still on the bus, as "channel (owner)": the leak check's view. */
  describeListeners(owner?: string): string[] {
    const found: string[] = [];
    for (const [channel, entries] of this.channels) {
      for (const entry of entries) {
        if (owner === undefined || entry.owner === owner) found.push(`${channel} (${entry.owner})`);
      }
    }
    return found.sort();
  }
}
