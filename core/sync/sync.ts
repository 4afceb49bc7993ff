import * as fs from 'node:fs';
import * as path from 'node:path';
import { cidOf, parseCid, shortCid } from '../codec/cid.js';
import { AgentlogError } from '../errors.js';
import { parseCommit, trailers } from '../git/commit.js';
import { ObjectStore, type GitObject } from '../git/objects.js';
import { parseTree } from '../git/tree.js';
import { eventPath, EVENTS_DIR, Store, TRAILER_EVENT, TRAILER_SEQ, type CommitInfo, type StoreOptions } from '../store/store.js';
import { remoteError, type Progress } from './http.js';
import { addRemote, getRemote, normalizeUrl, type Remote } from './remotes.js';
import { transportFor, type PushUpdate, type Transport } from './transport.js';

/**
 * What happened to one timeline in a push, pull or clone:
 * - `up-to-date`: both sides held the same tip;
 * - `new`: a timeline the remote had and the store did not, now in the store;
 * - `fast-forwarded`: the store's timeline caught up with the remote's longer one;
 * - `ahead`: the store's timeline is longer than the remote's (push to publish it);
 * - `pushed`: the remote now holds the store's version (created or extended);
 * - `forked`: both sides extended the timeline: the remote's version keeps the name, the store's
 *   diverged version was kept as the timeline `fork` (see forkName);
 * - `rejected`: the remote refused the update (`reason`) and retrying did not help.
 */
export interface TimelineResult {
  name: string;
  status: 'up-to-date' | 'new' | 'fast-forwarded' | 'ahead' | 'pushed' | 'forked' | 'rejected';
  fork?: string;
  /** The tip before and after, where it moved. */
  old?: string;
  new?: string;
  reason?: string;
}

export interface SyncReport {
  remote: string;
  url: string;
  timelines: TimelineResult[];
  /** Objects and bytes sent (push over http; 0 when the git CLI did the push). */
  sent?: { objects: number; bytes: number };
}

export interface SyncOptions {
  env?: NodeJS.ProcessEnv;
  progress?: Progress;
}

// -------------------------------------------------------------------------------------------------
// Fetch: objects into a quarantine, checked, then installed; remote-tracking refs moved last.

/**
 * Fetch every timeline of `remote` into the store: the objects arrive in a quarantine folder, the tip
 * of every remote timeline is checked to be an agentlog commit, and only then are the packs moved
 * into the store and `refs/remotes/REMOTE/*` updated (and removed for timelines the remote no longer
 * has). A remote that is not an agentlog store, or any
 * failure on the way, leaves the store as it was. Returns the remote's timelines (name → tip).
 */
export async function fetchRemote(store: Store, remote: Remote, transport: Transport, opts: SyncOptions = {}): Promise<Map<string, string>> {
  sweepQuarantines(path.join(store.gitDir, 'agentlog', 'tmp'));
  const quarantine = path.join(store.gitDir, 'agentlog', 'tmp', `fetch-${process.pid}-${Date.now()}-${Math.floor(performance.now() * 1000) % 1e6}`);
  fs.mkdirSync(path.join(quarantine, 'objects', 'pack'), { recursive: true });
  try {
    const heads = await transport.fetch({ objectsDir: store.objectsDir, has: (oid) => store.hasObject(oid), haves: haves(store, remote.name) }, quarantine, opts.progress);
    const fetched = new ObjectStore(quarantine);
    const read = (oid: string): GitObject => (fetched.has(oid) ? fetched.read(oid) : store.readGitObject(oid));
    checkAgentlogHeads(read, heads, transport.url);
    installPacks(quarantine, store);
    for (const [name, oid] of heads) {
      const ref = `refs/remotes/${remote.name}/${name}`;
      for (let i = 0; i < 10; i++) {
        const cur = store.readRef(ref);
        if (cur === oid || (await store.moveRef(ref, cur, oid))) break;
      }
    }
    // A timeline the remote no longer has: its remote-tracking ref goes (git fetch --prune). The
    // local timeline of that name, if any, stays.
    const prefix = `refs/remotes/${remote.name}/`;
    for (const [ref, oid] of store.listRefs(prefix)) {
      if (!heads.has(ref.slice(prefix.length))) await store.deleteRef(ref, oid);
    }
    return heads;
  } finally {
    fs.rmSync(quarantine, { recursive: true, force: true });
  }
}

/** The commits to tell a remote we hold: every tip, and for each timeline a few ancestors (1, 2, 4, 8… back). */
function haves(store: Store, remoteName: string): string[] {
  const out = new Set<string>();
  const tracking = new Set(store.listRefs(`refs/remotes/${remoteName}/`).values());
  for (const oid of tracking) out.add(oid);
  for (const tip of store.timelines().values()) {
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

/** Why `oid` is not the tip of an agentlog timeline, or undefined when it is one. */
export function notAgentlog(read: (oid: string) => GitObject, oid: string): string | undefined {
  let obj: GitObject;
  try {
    obj = read(oid);
  } catch {
    return `its commit ${oid} was not received`;
  }
  if (obj.type !== 'commit') return `it points at a ${obj.type}, not a commit`;
  const c = parseCommit(obj.content, oid);
  const t = trailers(c.message);
  if (!t[TRAILER_EVENT] || !t[TRAILER_SEQ]) return `its tip commit ${oid.slice(0, 12)} has no ${TRAILER_EVENT} trailer (not an agentlog event commit)`;
  try {
    parseCid(t[TRAILER_EVENT]);
  } catch {
    return `its tip commit ${oid.slice(0, 12)} names "${t[TRAILER_EVENT]}", not an event CID`;
  }
  const root = parseTree(read(c.tree).content, c.tree);
  if (!root.some((e) => e.name === EVENTS_DIR && e.mode === '40000')) return `its tip commit ${oid.slice(0, 12)} has no ${EVENTS_DIR}/ folder`;
  return undefined;
}

/**
 * git's rules for a branch name (git check-ref-format): a remote is not trusted to follow them, and
 * the name becomes a path under .git/refs/.
 */
export function badRefName(name: string): boolean {
  // eslint-disable-next-line no-control-regex
  if (!name || /[\x00-\x20\x7f~^:?*[\\]/.test(name) || name.includes('..') || name.includes('@{') || name === '@') return true;
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//') || name.endsWith('.')) return true;
  return name.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'));
}

function checkAgentlogHeads(read: (oid: string) => GitObject, heads: Map<string, string>, url: string): void {
  for (const name of heads.keys()) {
    if (badRefName(name)) throw remoteError(`${url} advertises a branch with an invalid name (${JSON.stringify(name)}); nothing was changed here`, { url });
  }
  for (const [name, oid] of heads) {
    const why = notAgentlog(read, oid);
    if (why) {
      throw remoteError(`${url} is not an agentlog store: its branch ${name} is not a timeline (${why}); nothing was changed here`, { url, branch: name });
    }
  }
}

/** Remove quarantine folders that killed fetches left behind (older than an hour: a fetch in progress is younger). */
export function sweepQuarantines(tmp: string, maxAgeMs = 3_600_000): void {
  let names: string[];
  try {
    names = fs.readdirSync(tmp).filter((n) => n.startsWith('fetch-'));
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
  fs.mkdirSync(to, { recursive: true });
  const names = fs.readdirSync(from);
  for (const ext of ['.pack', '.rev', '.idx']) {
    for (const n of names.filter((x) => x.endsWith(ext) && x.startsWith('pack-'))) {
      const dest = path.join(to, n);
      if (!fs.existsSync(dest)) fs.renameSync(path.join(from, n), dest);
    }
  }
  // git may leave a few loose objects; keep them too.
  const objects = path.join(quarantine, 'objects');
  for (const dir of fs.readdirSync(objects)) {
    if (!/^[0-9a-f]{2}$/.test(dir)) continue;
    for (const f of fs.readdirSync(path.join(objects, dir))) {
      const oid = dir + f;
      if (!store.hasObject(oid)) {
        fs.mkdirSync(path.join(store.objectsDir, dir), { recursive: true });
        fs.renameSync(path.join(objects, dir, f), path.join(store.objectsDir, dir, f));
      }
    }
  }
  store.refreshPacks();
}

// -------------------------------------------------------------------------------------------------
// The rule: fast-forward what can be; a diverged local timeline becomes a fork with a content name.

function parentOf(store: Store, info: CommitInfo): CommitInfo | undefined {
  const p = info.commit.parents[0];
  return p ? store.commitInfo(p) : undefined;
}

/** True when `a` is `b` or lies on `b`'s first-parent history (timelines are linear). */
export function isAncestor(store: Store, a: string, b: string): boolean {
  if (!store.hasObject(a)) return false;
  const seqA = store.commitInfo(a).seq;
  for (const c of store.history(b)) {
    if (c.oid === a) return true;
    if (seqA >= 0 && c.seq >= 0 && c.seq < seqA) return false;
  }
  return false;
}

/** The last commit two timelines share, or undefined (different sessions under one name). */
export function commonAncestor(store: Store, a: string, b: string): CommitInfo | undefined {
  let x: CommitInfo | undefined = store.commitInfo(a);
  let y: CommitInfo | undefined = store.commitInfo(b);
  while (x && y) {
    if (x.oid === y.oid) return x;
    if (x.seq >= y.seq) x = parentOf(store, x);
    else y = parentOf(store, y);
  }
  return undefined;
}

/** The canonical bytes of the event at `seq` in a commit's tree. */
function eventBytesAt(store: Store, commit: string, seq: number): Buffer {
  const names = eventPath(seq);
  const file = store.treeAt(commit, names.slice(0, -1))?.find((e) => e.name === names[names.length - 1]);
  if (!file) throw new AgentlogError('E_OBJECT', `commit ${commit} has no ${EVENTS_DIR}/${names.join('/')}`, { commit, seq });
  return store.readObject(file.oid, 'blob').content;
}

/**
 * The name a diverged local timeline is kept under: NAME-<short CID of its first event after the
 * common ancestor> (of its genesis when the two share nothing). It depends only on content, so
 * every machine that syncs computes the same name for the same diverged events.
 */
export function forkName(store: Store, name: string, local: string, remote: string): string {
  const base = commonAncestor(store, local, remote);
  const seq = base ? base.seq + 1 : 0;
  return `${name}-${shortCid(cidOf(eventBytesAt(store, local, seq)))}`;
}

/** Put the diverged local tip `local` under its fork name; returns the name. */
async function keepFork(store: Store, name: string, local: string, remote: string): Promise<string> {
  const base = forkName(store, name, local, remote);
  for (let i = 1; i < 100; i++) {
    const candidate = i === 1 ? base : `${base}-${i}`;
    const ref = `refs/heads/${candidate}`;
    const existing = store.readRef(ref);
    if (!existing) {
      if (await store.moveRef(ref, undefined, local)) return candidate;
      i--; // created meanwhile: look again
      continue;
    }
    if (existing === local || isAncestor(store, local, existing)) return candidate;
    if (isAncestor(store, existing, local)) {
      if (await store.moveRef(ref, existing, local)) return candidate;
      i--;
      continue;
    }
  }
  throw new AgentlogError('E_REF', `cannot find a free fork name for ${name} (tried ${base} and 98 more)`, { name });
}

/**
 * Apply the remote's tip `remote` of timeline `name` to the store. Nothing is merged and nothing is
 * lost: a missing timeline is created, a shorter one fast-forwarded, a longer one left (ahead), and a
 * diverged one kept as a fork while the remote's version takes the name. Every ref moves by
 * compare-and-swap; a local append racing with us just makes us look again.
 */
export async function adopt(store: Store, name: string, remote: string): Promise<TimelineResult> {
  const ref = `refs/heads/${name}`;
  for (let attempt = 0; attempt < 100; attempt++) {
    const local = store.readRef(ref);
    if (!local) {
      if (await store.moveRef(ref, undefined, remote)) return { name, status: 'new', new: remote };
      continue;
    }
    if (local === remote) return { name, status: 'up-to-date' };
    if (isAncestor(store, remote, local)) return { name, status: 'ahead' };
    if (isAncestor(store, local, remote)) {
      if (await store.moveRef(ref, local, remote)) return { name, status: 'fast-forwarded', old: local, new: remote };
      continue;
    }
    const fork = await keepFork(store, name, local, remote);
    if (await store.moveRef(ref, local, remote)) {
      await store.recordFork(fork, name);
      return { name, status: 'forked', fork, old: local, new: remote };
    }
  }
  throw new AgentlogError('E_REF', `timeline ${name} keeps moving; gave up applying the remote's version`, { name });
}

// -------------------------------------------------------------------------------------------------
// Commands

/** Fetch every timeline of a remote and apply the rule to each (see adopt). */
export async function pull(store: Store, remoteName: string, opts: SyncOptions = {}): Promise<SyncReport> {
  const remote = getRemote(store.gitDir, remoteName);
  return pullWith(store, remote, transportFor(remote.url, opts.env), opts);
}

/** pull through a transport at hand (clone's, which has already reached the remote). */
async function pullWith(store: Store, remote: Remote, transport: Transport, opts: SyncOptions): Promise<SyncReport> {
  const heads = await fetchRemote(store, remote, transport, opts);
  const timelines: TimelineResult[] = [];
  for (const [name, oid] of [...heads].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) timelines.push(await adopt(store, name, oid));
  return { remote: remote.name, url: transport.url, timelines };
}

/**
 * Push timelines (all when `names` is empty) in one pack. A timeline the remote extended meanwhile
 * is fetched and the rule applied (the store's version becomes a fork, which is pushed too); then the
 * push is tried again, up to five rounds.
 */
export async function push(store: Store, remoteName: string, names: string[] = [], opts: SyncOptions = {}): Promise<SyncReport> {
  const remote = getRemote(store.gitDir, remoteName);
  const transport = transportFor(remote.url, opts.env);
  const want = names.length ? [...new Set(names)] : [...store.timelines().keys()];
  for (const n of want) {
    if (!store.tipOf(n)) throw new AgentlogError('E_REF', `no timeline named ${n} (see: agentlog ls)`, { name: n });
  }
  const results = new Map<string, TimelineResult>();
  const sent = { objects: 0, bytes: 0 };
  let refused = new Map<string, string>();
  let settled = false;
  for (let round = 0; round < 5 && !settled; round++) {
    let remoteHeads = await transport.heads('push');
    // Anything on the remote we do not hold is fetched first: it is checked to be agentlog
    // timelines, and diverged timelines need it.
    const read = (oid: string) => store.readGitObject(oid);
    if ([...remoteHeads.values()].some((oid) => !store.hasObject(oid))) remoteHeads = await fetchRemote(store, remote, transport, opts);
    else checkAgentlogHeads(read, remoteHeads, transport.url);

    const updates: PushUpdate[] = [];
    let adopted = false;
    for (const name of want) {
      const local = store.tipOf(name)!;
      const theirs = remoteHeads.get(name);
      if (theirs === local) {
        if (!results.has(name)) results.set(name, { name, status: 'up-to-date' });
      } else if (theirs === undefined || isAncestor(store, theirs, local)) {
        updates.push({ name, old: theirs, next: local });
      } else {
        const r = await adopt(store, name, theirs);
        adopted = true;
        if (r.status === 'forked') {
          results.set(name, r);
          want.push(r.fork!);
        } else if (r.status !== 'ahead' && r.status !== 'up-to-date') results.set(name, r);
      }
    }
    if (adopted) continue; // plan again with the forks in place
    if (!updates.length) {
      refused = new Map();
      settled = true;
      break;
    }
    const haveOids = [...remoteHeads.values()].filter((oid) => store.hasObject(oid));
    const { results: answer, stats } = await transport.push(store.gitDir, read, updates, haveOids, opts.progress);
    sent.objects += stats.objects;
    sent.bytes += stats.bytes;
    refused = new Map();
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
  for (const [name, reason] of refused) results.set(name, { name, status: 'rejected', reason });
  if (!settled) {
    for (const name of want) if (!results.has(name)) results.set(name, { name, status: 'rejected', reason: 'the remote kept changing; try again' });
  }
  const order = want.filter((n, i) => want.indexOf(n) === i);
  return { remote: remote.name, url: transport.url, timelines: order.map((n) => results.get(n)!).filter(Boolean), sent };
}

/**
 * A new store at `dir` holding every timeline of the remote at `url` (remote `origin`). The folder
 * must not exist or be empty; on any failure it is removed again (or emptied), leaving nothing
 * half-made.
 */
export async function clone(url: string, dir: string, opts: SyncOptions & { cwd?: string; store?: StoreOptions } = {}): Promise<{ store: Store; report: SyncReport }> {
  const cwd = opts.cwd ?? process.cwd();
  const abs = path.resolve(cwd, dir);
  const stored = normalizeUrl(url, cwd);
  let existed = false;
  if (fs.existsSync(abs)) {
    if (!fs.statSync(abs).isDirectory() || fs.readdirSync(abs).length) {
      throw new AgentlogError('E_INPUT', `${abs} already exists and is not an empty folder; clone into a new folder`, { dir: abs });
    }
    existed = true;
  }
  const transport = transportFor(stored, opts.env);
  await transport.heads('fetch'); // reachable, a git server, credentials accepted: before any folder is made
  try {
    const { store } = Store.init(abs, opts.store);
    addRemote(store.gitDir, 'origin', stored);
    const report = await pullWith(store, getRemote(store.gitDir, 'origin'), transport, opts);
    return { store, report };
  } catch (e) {
    if (existed) for (const n of fs.readdirSync(abs)) fs.rmSync(path.join(abs, n), { recursive: true, force: true });
    else fs.rmSync(abs, { recursive: true, force: true });
    throw e;
  }
}

/** The folder `clone URL` makes when none is given: the URL's last path component, minus `.git`. */
export function defaultCloneDir(url: string): string {
  const last = url.replace(/[/\\]+$/, '').split(/[/\\:]/).pop() ?? '';
  const name = last.replace(/\.git$/, '');
  if (!name || name === '.' || name === '..') throw new AgentlogError('E_INPUT', `cannot derive a folder name from ${url}; give one: agentlog clone URL DIR`, { url });
  return name;
}
