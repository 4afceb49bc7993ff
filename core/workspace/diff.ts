import { AgentlogError } from '../errors.js';
import { parseTree, type TreeEntry } from '../git/tree.js';
import type { Store } from '../store/store.js';
import { EMPTY_TREE, EXECUTABLE, FILE, FOLDER, SYMLINK } from './snapshot.js';

// Reading snapshot trees, which may come from another machine (a pull, a clone): every entry is
// checked before it is used — a name that is empty, `.`, `..`, `.git` (any case) or holds a `/`,
// a name twice in one folder, a mode other than a file's, an executable's, a symlink's or a
// folder's, more than MAX_DEPTH folders deep: an E_OBJECT error naming the tree and the path.
// Submodule entries (160000) are passed over: a snapshot never makes one.

const MAX_DEPTH = 256;
const GITLINK = '160000';

export interface FileEntry {
  mode: string;
  oid: string;
}

export interface FileChange {
  path: string;
  /** Absent: the file is new. */
  before?: FileEntry;
  /** Absent: the file was deleted. */
  after?: FileEntry;
}

/** A snapshot folder's entries, checked (see above). */
export function readFolder(store: Store, oid: string, where: string): TreeEntry[] {
  if (oid === EMPTY_TREE) return []; // git's empty tree, which a snapshot names without writing it
  const entries = parseTree(store.readObject(oid, 'tree').content, oid);
  const names = new Set<string>();
  for (const e of entries) {
    const bad =
      !e.name || e.name === '.' || e.name === '..' || e.name.toLowerCase() === '.git' || e.name.includes('/') || e.name.includes('\u0000')
        ? `a bad name "${e.name}"`
        : names.has(e.name)
          ? `"${e.name}" twice`
          : ![FILE, EXECUTABLE, SYMLINK, FOLDER, GITLINK].includes(e.mode)
            ? `"${e.name}" with mode ${e.mode}`
            : undefined;
    if (bad) throw new AgentlogError('E_OBJECT', `the snapshot tree ${oid} holds ${bad} in ${where || '.'}`, { oid });
    names.add(e.name);
  }
  return entries.filter((e) => e.mode !== GITLINK);
}

/**
 * The files that differ between two snapshot trees (undefined: an empty snapshot), in path order;
 * folders with the same id on both sides are not opened, so a diff costs in proportion to what changed.
 */
export function diffTrees(store: Store, a: string | undefined, b: string | undefined): FileChange[] {
  const out: FileChange[] = [];
  const walk = (x: string | undefined, y: string | undefined, prefix: string, depth: number): void => {
    if (x === y) return;
    if (depth > MAX_DEPTH) throw new AgentlogError('E_OBJECT', `the snapshot is more than ${MAX_DEPTH} folders deep at ${prefix}`, { oid: y ?? x });
    const xs = x ? readFolder(store, x, prefix) : [];
    const ys = y ? readFolder(store, y, prefix) : [];
    const left = new Map(xs.map((e) => [e.name, e]));
    const right = new Map(ys.map((e) => [e.name, e]));
    const names = [...new Set([...left.keys(), ...right.keys()])].sort();
    for (const name of names) {
      const p = prefix ? `${prefix}/${name}` : name;
      const l = left.get(name);
      const r = right.get(name);
      const lDir = l?.mode === FOLDER ? l.oid : undefined;
      const rDir = r?.mode === FOLDER ? r.oid : undefined;
      const lFile = l && l.mode !== FOLDER ? { mode: l.mode, oid: l.oid } : undefined;
      const rFile = r && r.mode !== FOLDER ? { mode: r.mode, oid: r.oid } : undefined;
      if (lFile || rFile) {
        if (!lFile || !rFile || lFile.oid !== rFile.oid || lFile.mode !== rFile.mode)
          out.push({ path: p, ...(lFile ? { before: lFile } : {}), ...(rFile ? { after: rFile } : {}) });
      }
      if (lDir || rDir) walk(lDir, rDir, p, depth + 1);
    }
  };
  walk(a, b, '', 0);
  return out.sort((p, q) => (p.path < q.path ? -1 : p.path > q.path ? 1 : 0));
}

/** The file at `p` (a `/`-separated path) in a snapshot tree, or undefined. */
export function fileAt(store: Store, tree: string | undefined, p: string): FileEntry | undefined {
  const parts = p.split('/');
  let oid = tree;
  for (let i = 0; i < parts.length && oid; i++) {
    const e = readFolder(store, oid, parts.slice(0, i).join('/')).find((x) => x.name === parts[i]);
    if (!e) return undefined;
    if (i === parts.length - 1) return e.mode === FOLDER ? undefined : { mode: e.mode, oid: e.oid };
    oid = e.mode === FOLDER ? e.oid : undefined;
  }
  return undefined;
}
