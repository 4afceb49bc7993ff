import { AgentlogError, isAgentlogError } from '../errors.js';
import { scanOutgoing, secretsRefusal } from '../secrets/guard.js';
import type { Store } from '../store/store.js';
import { ALLOW_REF } from '../secrets/allowRef.js';
import { adopt, tipRelation } from './adopt.js';
import { type AllowResult, allowUpdate, checkRemoteAllow, takeRemoteAllow } from './allow.js';
import { checkAgentlogHeads, type Skipped, timelineHeads, unknownHeads } from './check.js';
import { fetchRemote, verifyHeads, warnOf } from './fetch.js';
import { getRemote } from './remotes.js';
import { type PushUpdate, type Transport, transportFor } from './transport.js';
import type { SyncOptions, SyncReport, TimelineResult } from './types.js';

/**
 * The answer to a push was lost (the connection broke, or the time allowed ran out, after the pack
 * was sent): the server may have applied it all the same (issue 20: a push of a whole store was
 * reported failed although every ref had arrived). Ask the remote: an update whose ref now holds the
 * pushed commit was applied; the others were not. Only when none was applied is the error thrown, with
 * that said.
 */
async function appliedAnyway(transport: Transport, updates: PushUpdate[], e: unknown): Promise<Map<string, string | undefined>> {
  if (!isAgentlogError(e) || e.data?.answer !== 'lost') throw e;
  let heads: Map<string, string>;
  try {
    heads = await transport.heads('push');
  } catch {
    throw e; // the remote cannot be asked either: the first error says what happened
  }
  const out = new Map<string, string | undefined>();
  for (const u of updates) out.set(u.name, (u.ref ? transport.allow : heads.get(u.name)) === u.next ? undefined : `not applied (${e.message})`);
  if ([...out.values()].every((r) => r !== undefined)) {
    throw new AgentlogError('E_REMOTE', `${e.message} (asked after, the remote does not hold the pushed tips)`, e.data);
  }
  return out;
}

/**
 * Push timelines (all when `names` is empty) in one pack. A timeline the remote extended meanwhile
 * is fetched and the rule applied (the store's version becomes a fork, which is pushed too); then the
 * push is tried again, up to five rounds. The allow list goes in the same pack: the remote's is
 * first taken into the store's by its rule (allow.ts: a fast-forward, or a merge with the union),
 * then the store's is sent when the remote lacks it.
 */
export async function push(store: Store, remoteName: string, names: string[] = [], opts: SyncOptions = {}): Promise<SyncReport> {
  const remote = getRemote(store.gitDir, remoteName);
  const transport = transportFor(remote.url, opts.env, opts.timings);
  const want = names.length ? [...new Set(names)] : [...store.timelines().keys()];
  for (const n of want) {
    if (!store.tipOf(n)) throw new AgentlogError('E_REF', `no timeline named ${n} (see: agentlog ls)`, { name: n });
  }
  const results = new Map<string, TimelineResult>();
  const sent = { objects: 0, bytes: 0 };
  let allow: AllowResult | undefined;
  let refused = new Map<string, string>();
  let settled = false;
  for (let round = 0; round < 5 && !settled; round++) {
    let remoteHeads = await transport.heads('push');
    // Anything on the remote we do not hold is fetched first: it is checked to be agentlog
    // timelines, and diverged timelines need it.
    const read = (oid: string) => store.readGitObject(oid);
    // Anything the remote sends is checked as a pull checks it (fetchRemote); branches that cannot
    // be timelines here are skipped, with a warning, while the rest syncs.
    if ([...remoteHeads.values(), transport.allow].some((oid) => oid !== undefined && !store.hasObject(oid)))
      remoteHeads = await fetchRemote(store, remote, transport, opts, []);
    else {
      const skipped: Skipped[] = [];
      remoteHeads = timelineHeads(remoteHeads, skipped);
      checkAgentlogHeads(read, unknownHeads(store, remote.name, remoteHeads), transport.url);
      checkRemoteAllow(store, read, transport.allow, transport.url);
      verifyHeads(store, remote.name, remoteHeads, skipped);
      for (const r of skipped) warnOf(opts)(`skipped the remote's branch ${JSON.stringify(r.name)} at ${transport.url}: ${r.reason}`);
    }
    const taken = await takeRemoteAllow(store, transport.allow, remote.name, (opts.now ?? Date.now)());
    if (taken && (!allow || (taken.status !== 'up-to-date' && taken.status !== 'ahead'))) allow = taken; // a merge stays reported
    const allowUp = allowUpdate(store, transport.allow);

    const updates: PushUpdate[] = [];
    let adopted = false;
    for (const name of want) {
      const local = store.tipOf(name)!;
      const theirs = remoteHeads.get(name);
      const relation = tipRelation(store, local, theirs);
      if (relation === 'same') {
        if (!results.has(name)) results.set(name, { name, status: 'up-to-date' });
      } else if (relation === 'local-ahead') {
        updates.push({ name, old: theirs, next: local });
      } else {
        // The remote moved (ahead, or diverged): the store takes its version first, by the rule.
        const r = await adopt(store, name, theirs!);
        if (r.status === 'rejected') {
          results.set(name, r); // the remote holds what a redaction replaced: nothing to push for it
          continue;
        }
        adopted = true;
        if (r.status === 'forked') {
          results.set(name, r);
          want.push(r.fork!);
        } else if (r.status !== 'ahead' && r.status !== 'up-to-date') results.set(name, r);
      }
    }
    if (adopted) continue; // plan again with the forks in place
    if (!updates.length && !allowUp) {
      refused = new Map();
      settled = true;
      break;
    }
    const haveOids = [...remoteHeads.values(), ...(transport.allow ? [transport.allow] : [])].filter((oid) => store.hasObject(oid));
    // Nothing that looks like a secret leaves unless asked (issue 13): only the events the remote
    // lacks are scanned, and tips found clean are remembered (secrets/marks.ts).
    if (!opts.allowSecrets) {
      const { dirty } = await scanOutgoing(store, updates, haveOids); // timelines only: the allow list holds no events
      if (dirty.length) throw secretsRefusal(dirty, 'push');
    }
    let answer: Map<string, string | undefined>;
    try {
      const pushed = await transport.push(store.gitDir, read, allowUp ? [...updates, allowUp] : updates, haveOids, opts.progress);
      answer = pushed.results;
      sent.objects += pushed.stats.objects;
      sent.bytes += pushed.stats.bytes;
    } catch (e) {
      answer = await appliedAnyway(transport, allowUp ? [...updates, allowUp] : updates, e);
    }
    refused = new Map();
    if (allowUp) {
      const reason = answer.get(allowUp.name);
      if (reason) refused.set(allowUp.name, reason);
      else allow = { status: 'pushed', old: allowUp.old, new: allowUp.next, ...(allow?.added ? { added: allow.added } : {}) };
    }
    for (const u of updates) {
      const reason = answer.get(u.name);
      if (reason) {
        refused.set(u.name, reason);
        continue;
      }
      const prev = results.get(u.name);
      if (prev?.status !== 'forked') results.set(u.name, { name: u.name, status: 'pushed', old: u.old, new: u.next });
      const tracking = `refs/remotes/${remote.name}/${u.name}`;
      const cur = store.readRef(tracking);
      if (cur !== u.next) await store.moveRef(tracking, cur, u.next);
    }
    settled = !refused.size;
  }
  const allowRefused = refused.get(ALLOW_REF);
  refused.delete(ALLOW_REF);
  if (allowRefused) allow = { status: 'rejected', reason: allowRefused };
  for (const [name, reason] of refused) results.set(name, { name, status: 'rejected', reason });
  if (!settled) {
    for (const name of want) if (!results.has(name)) results.set(name, { name, status: 'rejected', reason: 'the remote kept changing; try again' });
  }
  const order = want.filter((n, i) => want.indexOf(n) === i);
  return { remote: remote.name, url: transport.url, timelines: order.map((n) => results.get(n)!).filter(Boolean), sent, ...(allow ? { allow } : {}) };
}
