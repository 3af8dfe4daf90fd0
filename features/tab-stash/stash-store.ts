/**
 * The stashes on the beta account, through the storage service
 * (server/services/storage) and ctx.services.fetch. Every write is
 * conditional on the collection being unchanged since it was read
 * (X-If-Unmodified-Since): when another browser wrote in between, the
 * service answers 412, and the write reads again and applies its edit to
 * what that browser wrote, so neither loses the other's stash.
 */
import type { FeatureContext } from '../../extension/runtime/feature-api';
import { encodeStashes, parseStashes, STASH_COLLECTION_PATH, STASH_RECORD_ID, StashError, type Stash, type StashEdit } from './stashes';

/** How many times a write reads again after losing a race before it gives up. */
export const MAX_WRITE_ATTEMPTS = 5;

export interface StoredStashes {
  stashes: Stash[];
  /** The collection's X-Last-Modified when it was read: a write is conditional on it. */
  modified: number;
}

type Services = Pick<FeatureContext, 'services'>;

async function explain(response: Response, key: 'errorServiceRead' | 'errorServiceSave'): Promise<StashError> {
  const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  // The service's own explanation when it gives one (its words), else the status.
  const reason = body?.error?.message ?? new StashError('errorServiceAnswered', [String(response.status)]);
  return new StashError(key, [reason]);
}

function readModified(response: Response): number {
  const modified = Number(response.headers.get('x-last-modified'));
  if (!Number.isSafeInteger(modified) || modified < 0) throw new StashError('errorNoLastModified');
  return modified;
}

/** Reads the stashes, newest first, with the collection's modified time. */
export async function readStashes(ctx: Services): Promise<StoredStashes> {
  const response = await ctx.services.fetch(`${STASH_COLLECTION_PATH}?ids=${STASH_RECORD_ID}&full=1`);
  if (!response.ok) throw await explain(response, 'errorServiceRead');
  const modified = readModified(response);
  const records = (await response.json()) as Array<{ id: string; payload: string }>;
  const record = records.find((candidate) => candidate.id === STASH_RECORD_ID);
  return { stashes: record ? parseStashes(record.payload) : [], modified };
}

/**
 * Applies an edit to the stashes on the account and returns the list saved.
 *
 * @example
 * await updateStashes(ctx, addStash(makeStash(tabs, Date.now(), crypto.randomUUID())));
 */
export async function updateStashes(ctx: Services, edit: StashEdit, attempts = MAX_WRITE_ATTEMPTS): Promise<Stash[]> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const { stashes, modified } = await readStashes(ctx);
    const next = edit(stashes);
    const response = await ctx.services.fetch(`${STASH_COLLECTION_PATH}/${STASH_RECORD_ID}`, {
      method: 'PUT',
      body: { payload: encodeStashes(next) },
      headers: { 'X-If-Unmodified-Since': String(modified) },
    });
    if (response.ok) return next;
    if (response.status !== 412) throw await explain(response, 'errorServiceSave');
    // Another browser saved in between: read what it saved and apply the edit to that.
  }
  throw new StashError('errorKeptChanging', [String(attempts)]);
}
