import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDir, ioError } from '../git/fsio.js';
import { ObjectStore, type GitObject } from '../git/objects.js';
import type { ReceivedPack } from '../git/pack/receivedPack.js';
import type { Store } from '../store/store.js';
import { ALLOW_REF } from '../secrets/allowRef.js';
import { checkRemoteAllow } from './allow.js';
import { checkAgentlogHeads, type Skipped, timelineHeads, timelineProblem, unknownHeads } from './check.js';
import type { Remote } from './remotes.js';
import type { Transport } from './transport.js';
import type { SyncOptions } from './types.js';

/**
 * Fetch every timeline of `remote` into the store, and its allow list (core/sync/allow.ts; taken into
 * the store's by the caller, from transport.allow): the objects arrive in a quarantine folder, the tip
 * of every remote timeline is checked to be an agentlog commit, the allow list's history to be one, and only then are the packs moved
 * into the store and `refs/remotes/REMOTE/*` updated (and removed for timelines the remote no longer
 * has). A remote that is not an agentlog store, or any
 * failure on the way, leaves the store as it was. Returns the remote's timelines (name → tip).
 */
export async function fetchRemote(
  store: Store,
  remote: Remote,
  transport: Transport,
  opts: SyncOptions = {},
  skipped: Skipped[] = [],
): Promise<Map<string, string>> {
  sweepQuarantines(path.join(store.gitDir, 'agentlog', 'tmp'));
  const quarantine = path.join(store.gitDir, 'agentlog', 'tmp', `fetch-${process.pid}-${Date.now()}-${Math.floor(performance.now() * 1000) % 1e6}`);
  try {
    fs.mkdirSync(path.join(quarantine, 'objects', 'pack'), { recursive: true });
  } catch (e) {
    throw ioError(e, 'create', quarantine);
  }
  // The packs received over http, read by what indexing learnt of them while what came is checked
  // (pack/receivedPack.ts: the store's pack reader took most of a clone's time, issue 20).
  const received: ReceivedPack[] = [];
  // The refs this fetch compares with, read once (issue 20: a pull with nothing new read each of a
  // store's 4,000 refs several times, one file each).
  const refs = refSnapshot(store, remote.name);
  const tips = new Set([...refs.local.values(), ...refs.tracking.values()]);
  try {
    // The allow list's tip among the haves: only what it lacks of the remote's list comes.
    const allowTip = store.readRef(ALLOW_REF);
    const all = await transport.fetch(
      {
        objectsDir: store.objectsDir,
        // A ref's tip is held (I9): no object lookup for a remote timeline that did not move.
        has: (oid) => tips.has(oid) || store.hasObject(oid),
        haves: (names) => [...haves(store, remote.name, names), ...(allowTip ? [allowTip] : [])],
        received: (p) => received.push(p),
      },
      quarantine,
      opts.progress,
    );
    const refused: Skipped[] = [];
    const heads = timelineHeads(all, refused);
    const fetched = new ObjectStore(quarantine);
    const fromPacks = (oid: string): GitObject | undefined => {
      for (const p of received) {
        const o = p.read(oid);
        if (o) return o;
      }
      return undefined;
    };
    const read = (oid: string): GitObject => fromPacks(oid) ?? (fetched.has(oid) ? fetched.read(oid) : store.readGitObject(oid));
    checkAgentlogHeads(read, unknownHeads(store, remote.name, heads, refs), transport.url);
    checkRemoteAllow(store, read, transport.allow, transport.url);
    // I9: the objects are in place before any ref names them; installed unchecked, they are objects
    // nothing names (git gc removes them) until the check below lets a ref name them.
    if (received.length || hasFiles(quarantine)) installPacks(quarantine, store);
    const prefix = `refs/remotes/${remote.name}/`;
    store.readingThrough(fromPacks, () => verifyHeads(store, remote.name, heads, refused, refs));
    for (const r of refused) {
      skipped.push(r);
      warnOf(opts)(`skipped the remote's branch ${JSON.stringify(r.name)} from ${transport.url}: ${r.reason}`);
    }
    // The remote-tracking refs, moved together (one packed-refs write: a clone's 2,000 were a locked,
    // written and renamed file each); one that moved meanwhile is moved on its own, as before.
    const moves = [...heads]
      .filter(([name, oid]) => refs.tracking.get(name) !== oid)
      .map(([name, oid]) => ({ ref: `${prefix}${name}`, expected: refs.tracking.get(name), next: oid }));
    const made = moves.length ? await store.moveRefs(moves) : [];
    for (const [k, m] of moves.entries()) {
      if (made[k]) continue;
      for (let i = 0; i < 10; i++) {
        const cur = store.readRef(m.ref);
        if (cur === m.next || (await store.moveRef(m.ref, cur, m.next))) break;
      }
    }
    // A timeline the remote no longer has: its remote-tracking ref goes (git fetch --prune). The
    // local timeline of that name, if any, stays; so does the tracking ref of one refused above.
    for (const [name, oid] of refs.tracking) {
      if (!all.has(name)) await store.deleteRef(`${prefix}${name}`, oid); // I11: only remote-tracking refs are ever deleted
    }
    return heads;
  } finally {
    for (const p of received) p.close();
    // Never hides the error that ended the fetch; what is left, sweepQuarantines removes later.
    try {
      fs.rmSync(quarantine, { recursive: true, force: true });
    } catch {
      /* swept by a later fetch */
    }
  }
}

/**
 * Drop from `heads` (into `refused`) every remote tip the store must not adopt (check.ts
 * timelineProblem); a tip that is the store's own or that an earlier pull checked (its
 * remote-tracking ref) is not checked again, and neither are the commits below it.
 */
export function verifyHeads(store: Store, remoteName: string, heads: Map<string, string>, refused: Skipped[], refs = refSnapshot(store, remoteName)): void {
  for (const [name, oid] of [...heads]) {
    const known = new Set([refs.local.get(name), refs.tracking.get(name)].filter((x): x is string => !!x));
    if (known.has(oid)) continue;
    const why = timelineProblem(store, name, oid, known);
    if (why) {
      heads.delete(name);
      refused.push({ name, reason: `its tip ${oid.slice(0, 12)} fails verification: ${why}` });
    }
  }
}

/** The refs a fetch compares a remote's timelines with, by timeline name: the store's own, and its tracking refs of the remote. */
export interface RefSnapshot {
  local: Map<string, string>;
  tracking: Map<string, string>;
}

/** The store's timelines and its remote-tracking refs of `remoteName`, read once (packed-refs and the loose refs, in one pass each). */
export function refSnapshot(store: Store, remoteName: string): RefSnapshot {
  const prefix = `refs/remotes/${remoteName}/`;
  const tracking = new Map<string, string>();
  for (const [ref, oid] of store.listRefs(prefix)) tracking.set(ref.slice(prefix.length), oid);
  return { local: store.timelines(), tracking };
}

/** Whether a quarantine received anything (the git CLI's fetch: a pack, or loose objects). */
function hasFiles(quarantine: string): boolean {
  const objects = path.join(quarantine, 'objects');
  try {
    return fs.readdirSync(path.join(objects, 'pack')).length > 0 || fs.readdirSync(objects).some((n) => /^[0-9a-f]{2}$/.test(n));
  } catch {
    return true; // look as before: installPacks says what is wrong
  }
}

/** Where sync's warnings go: the caller's, else standard error (a skipped branch must never pass silently). */
export function warnOf(opts: SyncOptions): (message: string) => void {
  return opts.warn ?? ((m) => process.stderr.write(`agentlog: warning: ${m}\n`));
}

/**
 * The commits to tell a remote we hold, for the remote timelines `names` (all when not given): each
 * one's remote-tracking tip, and the tip of every local timeline that can share commits with it (the
 * same name, or a fork's: forks are named NAME-<id>, so a name and the names it begins with or that
 * begin with it followed by "-"), with a few ancestors of each (1, 2, 4, 8… back). Timelines that
 * share nothing with those wanted are left out: their haves cannot shrink the pack.
 */
export function haves(store: Store, remoteName: string, names?: string[]): string[] {
  const out = new Set<string>();
  const prefix = `refs/remotes/${remoteName}/`;
  const trackingRefs = store.listRefs(prefix);
  const tracking = new Set(trackingRefs.values());
  const wanted = names && new Set(names);
  // A wanted name's parents by the fork rule (NAME-<id>: every part before a "-").
  const parents = new Set<string>();
  for (const n of names ?? []) for (let i = n.indexOf('-'); i > 0; i = n.indexOf('-', i + 1)) parents.add(n.slice(0, i));
  const related = (name: string): boolean => {
    if (!wanted || wanted.has(name) || parents.has(name)) return true;
    for (let i = name.indexOf('-'); i > 0; i = name.indexOf('-', i + 1)) if (wanted.has(name.slice(0, i))) return true;
    return false;
  };
  for (const [ref, oid] of trackingRefs) if (related(ref.slice(prefix.length))) out.add(oid);
  for (const [name, tip] of store.timelines()) {
    if (!related(name)) continue;
    out.add(tip);
    if (tracking.has(tip)) continue;
    let step = 0;
    let next = 1;
    for (const c of store.history(tip)) {
      if (step === next) {
        out.add(c.oid);
        next *= 2;
      }
      if (tracking.has(c.oid) || ++step > 1024) break;
    }
  }
  return [...out];
}

/**
 * Remove quarantine folders that killed fetches left behind, and outgoing packs of killed pushes
 * (older than an hour: one in progress is younger).
 */
export function sweepQuarantines(tmp: string, maxAgeMs = 3_600_000): void {
  let names: string[];
  try {
    names = fs.readdirSync(tmp).filter((n) => n.startsWith('fetch-') || n.startsWith('push-'));
  } catch {
    return;
  }
  for (const n of names) {
    const dir = path.join(tmp, n);
    try {
      if (Date.now() - fs.statSync(dir).mtimeMs > maxAgeMs) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      /* swept by another process */
    }
  }
}

/** Move fetched packs into the store: each `.pack` before its `.idx` (readers look for the .idx). */
function installPacks(quarantine: string, store: Store): void {
  const from = path.join(quarantine, 'objects', 'pack');
  const to = path.join(store.objectsDir, 'pack');
  const io = (doing: string, file: string, call: () => void): void => {
    try {
      call();
    } catch (e) {
      throw ioError(e, doing, file);
    }
  };
  io('create', to, () => fs.mkdirSync(to, { recursive: true }));
  const names = fs.readdirSync(from);
  for (const ext of ['.pack', '.rev', '.idx']) {
    for (const n of names.filter((x) => x.endsWith(ext) && x.startsWith('pack-'))) {
      const dest = path.join(to, n);
      if (!fs.existsSync(dest)) io('move into place', dest, () => fs.renameSync(path.join(from, n), dest));
    }
  }
  // git may leave a few loose objects; keep them too.
  const objects = path.join(quarantine, 'objects');
  for (const dir of fs.readdirSync(objects)) {
    if (!/^[0-9a-f]{2}$/.test(dir)) continue;
    for (const f of fs.readdirSync(path.join(objects, dir))) {
      const oid = dir + f;
      if (!store.hasObject(oid)) {
        const dest = path.join(store.objectsDir, dir, f);
        io('create', path.dirname(dest), () => fs.mkdirSync(path.dirname(dest), { recursive: true }));
        io('move into place', dest, () => fs.renameSync(path.join(objects, dir, f), dest));
      }
    }
  }
  // Durable mode: the renames survive a power cut before any ref names what they brought (I9).
  if (store.durable) {
    fsyncDir(to);
    fsyncDir(store.objectsDir);
  }
  store.refreshPacks();
}
