// core/workspace/ owns the agent's files as the log keeps them: a snapshot of a workspace folder is a
// git tree written into the store's object database (snapshot.ts: .gitignore honoured, `.git` left
// out, symlinks and the executable bit kept, big files skipped and named, only changed files read
// thanks to a stat cache, statCache.ts), recorded by a `checkpoint` event whose commit carries the
// tree as `workspace/` beside `events/` — and every later commit too, until the next checkpoint
// (store/layout.ts I16) — so `git checkout`, push, clone and fsck see it as any tree. Restoring
// writes a snapshot back into a folder, refusing to overwrite what the log never saw (restore.ts);
// diff.ts compares two snapshots, reading trees that may come from a remote as hostile. Above
// them, this file: taking a checkpoint, and bringing a run's folder in step with its timeline.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentlogError } from '../errors.js';
import { parseTree } from '../git/tree.js';
import { checkpointTree, DIR_MODE, WORKSPACE_DIR } from '../store/layout.js';
import type { Appended, Store } from '../store/store.js';
import { diffTrees } from './diff.js';
import { applyRestore, type Overlay, planRestore, type RestoreResult } from './restore.js';
import { EMPTY_TREE, type Snapshot, snapshot, type SnapshotOptions } from './snapshot.js';
import { snapshottedBefore } from './statCache.js';

export { diffTrees, fileAt, type FileChange, type FileEntry } from './diff.js';
export { applyRestore, type Overlay, planRestore, type PlannedChange, type RestorePlan, type RestoreResult } from './restore.js';
export { MAX_FILE_BYTES, snapshot, type Skipped, type Snapshot, type SnapshotOptions } from './snapshot.js';

/** At most this many skipped paths are named in a checkpoint event (the count is always there). */
const MAX_SKIPPED_NAMED = 100;

/** The snapshot a commit's root tree holds as `workspace/` (I16), or undefined before any checkpoint. */
export function workspaceAt(store: Store, commit: string): string | undefined {
  const root = parseTree(store.readObject(store.readCommit(commit).tree, 'tree').content, commit);
  return root.find((e) => e.name === WORKSPACE_DIR && e.mode === DIR_MODE)?.oid;
}

/** The distinct snapshots the checkpoints of the timeline ending at `tip` name, newest first (at most `max`). */
export function checkpointTrees(store: Store, tip: string, max = 100): string[] {
  const out: string[] = [];
  const events = store.readEvents(tip);
  for (let i = events.length - 1; i >= 0 && out.length < max; i--) {
    const t = checkpointTree(events[i].event);
    if (t && !out.includes(t)) out.push(t);
  }
  return out;
}

/** The newest checkpoint at or before `commit`: its snapshot, seq, and for a partial one (Claude Code's file history) what a restore needs. */
export interface CheckpointAt {
  tree: string;
  seq: number;
  label?: string;
  /** A partial snapshot (restore.ts Overlay): only the files it names, `absent` deleted, `tracked` ones the agent edited. */
  overlay?: Overlay;
}

/** The newest checkpoint of the timeline up to `commit`, or undefined before any. */
export function checkpointAt(store: Store, commit: string): CheckpointAt | undefined {
  const events = store.readEvents(commit);
  for (let i = events.length - 1; i >= 0; i--) {
    const ev = events[i].event as Record<string, unknown> & { kind: string };
    const tree = checkpointTree(ev);
    if (!tree) continue;
    const label = typeof ev.label === 'string' ? ev.label : undefined;
    if (ev.partial !== true) return { tree, seq: i, ...(label !== undefined && { label }) };
    // Every file a partial checkpoint up to here names is one the agent tracked.
    const tracked = new Set<string>();
    for (let k = 0; k <= i; k++) {
      const e = events[k].event as Record<string, unknown> & { kind: string };
      const t = checkpointTree(e);
      if (!t || e.partial !== true) continue;
      for (const c of diffTrees(store, undefined, t)) tracked.add(c.path);
      for (const a of absentOf(e)) tracked.add(a);
    }
    return { tree, seq: i, ...(label !== undefined && { label }), overlay: { absent: absentOf(ev), tracked } };
  }
  return undefined;
}

/** A partial checkpoint's `absent` paths, each a sane relative path (an event may come from a remote). */
function absentOf(e: Record<string, unknown>): string[] {
  if (!Array.isArray(e.absent)) return [];
  const bad = (s: string) => s === '' || s === '.' || s === '..' || s.toLowerCase() === '.git' || s.includes('\u0000');
  return e.absent.filter((p): p is string => typeof p === 'string' && !p.startsWith('/') && !p.split('/').some(bad));
}

export interface CheckpointOptions extends SnapshotOptions {
  /** A name for the checkpoint (the event's `label`). */
  label?: string;
  /** Append even when nothing changed since the timeline's newest snapshot. */
  always?: boolean;
}

/** The snapshot taken (without its `release`, done by then) and the event naming it. */
export interface CheckpointResult extends Omit<Snapshot, 'release'> {
  /** The checkpoint event, when one was appended (none when nothing changed, unless `always`). */
  appended?: Appended;
}

/**
 * Snapshot `dir` and append a `checkpoint` event naming it to timeline `name` — unless the folder is
 * as the timeline's newest snapshot has it (and not `always`). The snapshot's objects are written and
 * kept before the event is appended (I9, I16).
 */
export async function checkpoint(store: Store, name: string, dir: string, options: CheckpointOptions = {}): Promise<CheckpointResult> {
  const tip = store.tipOf(name);
  if (!tip) throw new AgentlogError('E_REF', `no timeline named ${name} (see: agentlog ls)`, { name });
  const snap = snapshot(store, dir, options);
  try {
    return await recordSnapshot(store, name, tip, snap, options);
  } finally {
    snap.release();
  }
}

/** Append a checkpoint naming a snapshot already taken (its objects still kept), unless the timeline's newest is the same (and not `always`). */
async function recordSnapshot(store: Store, name: string, tip: string, snap: Snapshot, options: CheckpointOptions): Promise<CheckpointResult> {
  const { release: _, ...taken } = snap;
  const result: CheckpointResult = taken;
  // Before any checkpoint the log knows of no files: an empty folder is as it has it.
  if (!options.always && (workspaceAt(store, tip) ?? EMPTY_TREE) === snap.tree) return result;
  const keepEmpty =
    snap.tree === EMPTY_TREE && !store.hasObject(EMPTY_TREE) ? store.writeObjects([{ type: 'tree', content: Buffer.alloc(0), oid: EMPTY_TREE }]) : undefined;
  try {
    result.appended = await store.append(name, {
      kind: 'checkpoint',
      tree: snap.tree,
      ...(options.label ? { label: options.label } : {}),
      files: snap.files,
      bytes: snap.bytes,
      ...(snap.skipped.length
        ? { skipped: snap.skipped.length, skipped_paths: snap.skipped.slice(0, MAX_SKIPPED_NAMED).map((s) => `${s.path}: ${s.why}`) }
        : {}),
    });
  } finally {
    keepEmpty?.();
  }
  return result;
}

export interface FolderSync {
  /** none: the folder is as the timeline's newest snapshot; restored: it was empty and now holds it; recorded: a first checkpoint was taken. */
  action: 'none' | 'restored' | 'recorded';
  restored?: RestoreResult;
  checkpoint?: CheckpointResult;
}

/**
 * Bring the folder an agent works in into step with its timeline before a run: when the timeline
 * holds a snapshot, an empty (or missing) folder gets it restored — a store cloned on another machine
 * continues with the same files — and a folder holding anything else is refused (E_WORKSPACE),
 * since the agent would otherwise act on files its log never saw; but a folder this store snapshotted
 * before is the agent's own, and what changed there (a person's edit, a process a killed run left
 * running) is recorded in a checkpoint instead. A timeline without a snapshot gets
 * a first checkpoint of a folder that holds files, so what the agent starts from travels too.
 * `adopt`: the log says the agent itself changed files after its newest checkpoint (a run killed
 * before it could take one): a folder that differs is then recorded in a checkpoint, not refused.
 */
export async function syncFolder(store: Store, name: string, dir: string, options: { adopt?: boolean } = {}): Promise<FolderSync> {
  const tip = store.tipOf(name);
  if (!tip) throw new AgentlogError('E_REF', `no timeline named ${name} (see: agentlog ls)`, { name });
  let want = workspaceAt(store, tip);
  if (want && isEmptyFolder(dir)) {
    const at = checkpointAt(store, tip);
    return { action: 'restored', restored: applyRestore(store, planRestore(store, want, dir, [want], at?.tree === want ? at.overlay : undefined)) };
  }
  // A partial snapshot (Claude Code's file history, taken when a prompt began) says nothing of the
  // other files, nor of what that prompt's turn did after it: the folder is taken as the imported
  // agent left it, in a first whole checkpoint, as for a timeline without a snapshot.
  if (want && checkpointAt(store, tip)?.overlay) want = undefined;
  // Whether this store snapshotted the folder before (asked before the snapshot below makes it so).
  const own = want !== undefined && snapshottedBefore(path.dirname(store.objectsDir), realFolder(dir));
  // The folder is read once: that snapshot is compared, and recorded when it is to be.
  const snap = snapshot(store, dir);
  try {
    if (!want) {
      if (!snap.files) return { action: 'none' }; // an empty folder: nothing to carry yet
      const cp = await recordSnapshot(store, name, tip, snap, { label: workspaceAt(store, tip) ? 'start: the folder as the imported agent left it' : 'start' });
      return cp.appended ? { action: 'recorded', checkpoint: cp } : { action: 'none' };
    }
    if (snap.tree === want) return { action: 'none' };
    // A folder this store snapshotted before is the agent's own: what changed there since its newest
    // checkpoint (a person's edit, a process a killed run left behind) is recorded, not refused.
    if (options.adopt || own) {
      const cp = await recordSnapshot(store, name, tip, snap, { label: options.adopt ? 'after an interrupted step' : 'changed outside the agent' });
      return { action: 'recorded', checkpoint: cp };
    }
  } finally {
    snap.release();
  }
  const changes = diffTrees(store, want, snap.tree);
  const names = changes.slice(0, 10).map((c) => `  ${c.after ? (c.before ? 'changed' : 'new') : 'deleted'}: ${c.path}`);
  if (changes.length > 10) names.push(`  … and ${changes.length - 10} more`);
  throw new AgentlogError(
    'E_WORKSPACE',
    `${path.resolve(dir)} differs from the newest checkpoint of ${name} (${changes.length} file(s)):\n${names.join('\n')}\n` +
      `record the folder as it is with: agentlog checkpoint ${name} --workspace ${dir}; bring the checkpoint back with: agentlog restore ${name} --to ${dir}; or run in an empty folder (--workspace DIR)`,
    { path: path.resolve(dir), name },
  );
}

/**
 * The folder a fork runs in when none is given: beside the session's folder, named after the fork
 * (`<cwd>-<fork>`), so two forks of one session run at once without sharing files; undefined for a
 * timeline that is not a fork agentlog recorded (forks.json, I13).
 */
export function forkFolder(store: Store, name: string, cwd: string): string | undefined {
  if (!store.forkRecords()[name]) return undefined;
  return `${path.resolve(cwd)}-${name.replace(/[^A-Za-z0-9._-]+/g, '-')}`;
}

function realFolder(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

function isEmptyFolder(dir: string): boolean {
  try {
    return fs.readdirSync(dir).length === 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw new AgentlogError('E_INPUT', `cannot read the folder ${dir}: ${(e as Error).message}`, { path: dir });
  }
}
