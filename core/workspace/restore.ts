import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentlogError } from '../errors.js';
import { ioError, removeQuietly, writeNewFile } from '../git/fsio.js';
import type { Store } from '../store/store.js';
import { diffTrees, type FileChange } from './diff.js';
import { EXECUTABLE, snapshot, SYMLINK } from './snapshot.js';

// Writing a snapshot back into a folder. First a plan: the folder is snapshotted as it is (so what
// it holds now is in the store too, and can be had back until a gc), compared with the target, and
// each change marked `unknown` when it would overwrite or delete content the log never recorded —
// a file whose content is in none of the `known` snapshots (the timeline's newest one, the
// target), or a file the snapshot leaves out (ignored, too big) that the target would overwrite.
// Applying refuses any unknown change without `force` (E_WORKSPACE, naming the files). Files are
// written under a temporary name and renamed into place; a folder on the way that is a symlink is
// never written through; files the target does not name and the snapshot never saw (ignored ones)
// are never touched.

export interface PlannedChange extends FileChange {
  /** The change would overwrite or delete content that no known snapshot holds. */
  unknown: boolean;
}

export interface RestorePlan {
  dest: string;
  target: string | undefined;
  /** The folder's own snapshot before the restore (undefined when the folder does not exist). */
  current: string | undefined;
  changes: PlannedChange[];
}

/**
 * A partial snapshot (Claude Code's file history, import/claudeFileHistory.ts) holds only the files
 * the agent tracked: restored over a folder it writes those, deletes the `absent` ones (they did not
 * exist then) and leaves every other file as it is. A change to a `tracked` file (one any partial
 * checkpoint of the timeline names: a file the agent edited) is not unknown: the log says the agent
 * changed it, though no backup holds what the last turn left (the plan's snapshot of the folder keeps it).
 */
export interface Overlay {
  absent: readonly string[];
  tracked: ReadonlySet<string>;
}

/** What would change in `dest` were it restored to the snapshot `target` (see above); `overlay`: a partial one. */
export function planRestore(
  store: Store,
  target: string | undefined,
  dest: string,
  known: readonly (string | undefined)[] = [],
  overlay?: Overlay,
): RestorePlan {
  const abs = path.resolve(dest);
  let current: string | undefined;
  if (fs.existsSync(abs)) {
    const snap = snapshot(store, abs);
    snap.release(); // what the folder held stays in the store until a gc: a restore over it loses nothing at once
    current = snap.tree;
  }
  const absent = new Set(overlay?.absent);
  const changes = diffTrees(store, current, target)
    .filter((c) => !overlay || c.after || absent.has(c.path))
    .map((c): PlannedChange => ({ ...c, unknown: false }));
  const deleted = new Set(changes.filter((c) => !c.after).map((c) => c.path));
  // A file's content is known when some known snapshot holds it as it is: when the file is not among
  // what differs between the folder and that snapshot (one diff per snapshot, skipping equal folders).
  let differing: Set<string>[] | undefined;
  for (const c of changes) {
    if (c.before) {
      differing ??= [...new Set(known)].filter((t) => t !== undefined).map((t) => new Set(diffTrees(store, current, t).map((d) => d.path)));
      c.unknown = !overlay?.tracked.has(c.path) && !differing.some((paths) => !paths.has(c.path));
    } else if (current !== undefined) c.unknown = inTheWay(abs, c.path, deleted);
  }
  return { dest: abs, target, current, changes };
}

/** Whether something the snapshot did not see (an ignored file, a big one) sits at `rel` or on its path. */
function inTheWay(root: string, rel: string, deleted: ReadonlySet<string>): boolean {
  const parts = rel.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const sub = parts.slice(0, i).join('/');
    let st: fs.Stats;
    try {
      st = fs.lstatSync(path.join(root, sub));
    } catch {
      return false;
    }
    if (i < parts.length && st.isDirectory()) continue;
    return !deleted.has(sub);
  }
  return false;
}

export interface RestoreResult {
  added: number;
  modified: number;
  deleted: number;
}

/** Carry out a plan; refuses (E_WORKSPACE) when a change is unknown, unless `force`. */
export function applyRestore(store: Store, plan: RestorePlan, force = false): RestoreResult {
  const unknown = plan.changes.filter((c) => c.unknown);
  if (unknown.length && !force) {
    const names = unknown.slice(0, 10).map((c) => `  ${c.path}`);
    if (unknown.length > 10) names.push(`  … and ${unknown.length - 10} more`);
    throw new AgentlogError(
      'E_WORKSPACE',
      `${plan.dest} holds changes the log does not know; restoring would overwrite or delete them:\n${names.join('\n')}\n(record them first with agentlog checkpoint, restore into an empty folder with --to DIR, or overwrite them with --force)`,
      { path: plan.dest },
    );
  }
  fs.mkdirSync(plan.dest, { recursive: true });
  const result: RestoreResult = { added: 0, modified: 0, deleted: 0 };
  // Deletions first, deepest first, so a file can take the place of a folder that goes.
  const gone = plan.changes.filter((c) => !c.after).sort((a, b) => b.path.split('/').length - a.path.split('/').length);
  for (const c of gone) {
    const file = path.join(plan.dest, c.path);
    try {
      fs.unlinkSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(e, 'delete', file);
    }
    result.deleted++;
    removeEmptyParents(plan.dest, c.path);
  }
  for (const c of plan.changes) {
    if (!c.after) continue;
    const file = path.join(plan.dest, c.path);
    makeFolders(plan.dest, c.path, force);
    const content = store.readObject(c.after.oid, 'blob').content;
    replaceWith(file, c.after.mode, content, force);
    if (c.before) result.modified++;
    else result.added++;
  }
  return result;
}

/** The folders on the way to `rel` below `root`, made when missing; a symlink or file on the way is an error (replaced with `force`). */
function makeFolders(root: string, rel: string, force: boolean): void {
  const parts = rel.split('/').slice(0, -1);
  let at = root;
  for (const part of parts) {
    at = path.join(at, part);
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(at);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory()) continue;
    if (st) {
      if (!force) throw new AgentlogError('E_WORKSPACE', `${at} is in the way of a folder the snapshot holds (use --force to replace it)`, { path: at });
      removeQuietly(at);
    }
    try {
      fs.mkdirSync(at);
    } catch (e) {
      throw ioError(e, 'create folder', at);
    }
  }
}

function replaceWith(file: string, mode: string, content: Buffer, force: boolean): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(file);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) {
    if (!force) throw new AgentlogError('E_WORKSPACE', `${file} is a folder where the snapshot holds a file (use --force to replace it)`, { path: file });
    fs.rmSync(file, { recursive: true, force: true });
  }
  if (mode === SYMLINK) {
    if (st && !st.isDirectory()) removeQuietly(file);
    try {
      fs.symlinkSync(content.toString('utf8'), file);
    } catch (e) {
      throw ioError(e, 'create symlink', file);
    }
    return;
  }
  const tmp = `${file}.agentlog-${process.pid}.tmp`;
  const perm = mode === EXECUTABLE ? 0o755 : 0o644;
  writeNewFile(tmp, [content], { mode: perm });
  try {
    fs.chmodSync(tmp, perm);
    fs.renameSync(tmp, file); // over a symlink, the link itself is replaced: nothing is written through it
  } catch (e) {
    removeQuietly(tmp);
    throw ioError(e, 'write', file);
  }
}

function removeEmptyParents(root: string, rel: string): void {
  const parts = rel.split('/').slice(0, -1);
  while (parts.length) {
    try {
      fs.rmdirSync(path.join(root, ...parts));
    } catch {
      return; // not empty (ignored files stay), or gone already
    }
    parts.pop();
  }
}
