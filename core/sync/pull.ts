import type { Store } from '../store/store.js';
import { adoptAll } from './adopt.js';
import { takeRemoteAllow } from './allow.js';
import type { Skipped } from './check.js';
import { fetchRemote } from './fetch.js';
import { getRemote, type Remote } from './remotes.js';
import { transportFor, type Transport } from './transport.js';
import type { SyncOptions, SyncReport } from './types.js';

/** Fetch every timeline of a remote and apply the rule to each (see adopt); its allow list is merged into the store's (allow.ts). */
export async function pull(store: Store, remoteName: string, opts: SyncOptions = {}): Promise<SyncReport> {
  const remote = getRemote(store.gitDir, remoteName);
  return pullWith(store, remote, transportFor(remote.url, opts.env, opts.timings), opts);
}

/** pull through a transport at hand (clone's, which has already reached the remote). */
export async function pullWith(store: Store, remote: Remote, transport: Transport, opts: SyncOptions): Promise<SyncReport> {
  const skipped: Skipped[] = [];
  const heads = await fetchRemote(store, remote, transport, opts, skipped);
  const timelines = await adoptAll(
    store,
    [...heads].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  const allow = await takeRemoteAllow(store, transport.allow, remote.name, (opts.now ?? Date.now)());
  return {
    remote: remote.name,
    url: transport.url,
    timelines,
    ...(skipped.length ? { skipped } : {}),
    ...(transport.advertised !== undefined ? { advertised: transport.advertised } : {}),
    ...(allow ? { allow } : {}),
  };
}
