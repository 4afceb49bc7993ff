import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentlogError } from '../errors.js';
import { objectId, type PackObject } from '../git/object.js';
import { serializeTree, type TreeEntry } from '../git/tree.js';
import type { Store } from '../store/store.js';
import { type IgnoreRule, isIgnored, MAX_IGNORE_BYTES, parseIgnore } from './ignore.js';
import { openStatCache, type StatCache } from './statCache.js';

/** Files bigger than this are left out of a snapshot, each named in its `skipped` list. */
export const MAX_FILE_BYTES = 50 << 20;
/** A folder holding more files than this is refused (E_WORKSPACE): a home folder given by mistake, a build tree a .gitignore should leave out. */
export const MAX_FILES = 250_000;
/** New objects are written a pack at a time, each about this big at most (bounded memory for a first snapshot). */
const PACK_BYTES = 32 << 20;

export const FILE = '100644';
export const EXECUTABLE = '100755';
export const SYMLINK = '120000';
export const FOLDER = '40000';

/** git's empty tree: the snapshot of a folder with nothing to keep. */
export const EMPTY_TREE = objectId('tree', Buffer.alloc(0));

export interface SnapshotOptions {
  /** Files bigger than this many bytes are skipped (default MAX_FILE_BYTES). */
  maxFileBytes?: number;
  /** At most this many files (default MAX_FILES); more is an E_WORKSPACE error. */
  maxFiles?: number;
  /** Folders never entered, as absolute paths (the store itself when it lies inside the workspace). */
  exclude?: readonly string[];
}

export interface Skipped {
  path: string;
  why: string;
}

export interface Snapshot {
  /** The snapshot's root tree (git's empty tree for an empty folder, which is not written: see EMPTY_TREE). */
  tree: string;
  files: number;
  bytes: number;
  /** How many objects (blobs and trees) this snapshot wrote: the others were in the store already. */
  written: number;
  /** How many files were read and hashed (the others came from the stat cache). */
  hashed: number;
  /** Files left out: too big, unreadable, not a file, folder or symlink. */
  skipped: Skipped[];
  /** Lets go of the `.keep` of the packs written; call once the event naming `tree` is appended (or given up). */
  release: () => void;
}

/**
 * Snapshot the folder `root` as a git tree in the store's object database, as `git add -A && git
 * write-tree` would, but without an index and without touching the folder: `.gitignore` files (at
 * every level) and `.git/info/exclude` are honoured, `.git` is never entered, symlinks are kept as
 * links (mode 120000, never followed), the owner's executable bit as mode 100755, empty folders
 * dropped (git keeps none). Only files whose stat changed since the last snapshot of this folder
 * are read (statCache.ts), and only objects the store lacks are written, so a snapshot after a
 * one-file change writes that file's blob and the trees on its path.
 */
export function snapshot(store: Store, root: string, options: SnapshotOptions = {}): Snapshot {
  let abs: string;
  try {
    abs = fs.realpathSync(root);
    if (!fs.statSync(abs).isDirectory()) throw new Error('not a folder');
  } catch (e) {
    throw new AgentlogError('E_INPUT', `cannot snapshot ${root}: ${(e as Error).message}`, { path: root });
  }
  const commonDir = path.dirname(store.objectsDir);
  const exclude = new Set((options.exclude ?? []).map((p) => path.resolve(p)));
  exclude.add(path.resolve(commonDir));
  if (store.workTree) exclude.add(path.resolve(store.workTree)); // the store's own checkout, when it lies inside the workspace
  const w = new Walk(store, options.maxFileBytes ?? MAX_FILE_BYTES, options.maxFiles ?? MAX_FILES, abs, exclude, openStatCache(commonDir, abs));
  let tree: string;
  try {
    tree = w.folder('', abs, rootRules(abs)) ?? w.emptyTree();
    w.flush();
  } catch (e) {
    w.release();
    throw e;
  }
  w.cache.save();
  return { tree, files: w.files, bytes: w.bytes, written: w.written, hashed: w.hashed, skipped: w.skipped, release: () => w.release() };
}

/** The rules of the workspace's own `.git/info/exclude`, below every `.gitignore`. */
function rootRules(abs: string): IgnoreRule[] {
  const text = readSmall(path.join(abs, '.git', 'info', 'exclude'));
  return text === undefined ? [] : parseIgnore(text, '');
}

function readSmall(file: string): string | undefined {
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile() || st.size > MAX_IGNORE_BYTES) return undefined;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** git's order of tree entries: by name bytes, a folder compared as if its name ended in `/`. */
export function sortEntries(entries: TreeEntry[]): TreeEntry[] {
  const name = (e: TreeEntry) => (e.mode === FOLDER ? `${e.name}/` : e.name);
  // ASCII names (the usual case) compare as their bytes do; others by their UTF-8 bytes.
  if (entries.every((e) => e.name.length === Buffer.byteLength(e.name))) return entries.sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
  const key = (e: TreeEntry) => Buffer.from(name(e));
  return entries
    .map((e) => ({ e, k: key(e) }))
    .sort((a, b) => Buffer.compare(a.k, b.k))
    .map((x) => x.e);
}

class Walk {
  files = 0;
  bytes = 0;
  written = 0;
  hashed = 0;
  skipped: Skipped[] = [];
  private pending: PackObject[] = [];
  private pendingBytes = 0;
  private readonly releases: Array<() => void> = [];
  /** Blobs this snapshot read and hashed (so known present once flushed) or checked present. */
  private readonly known = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly maxFileBytes: number,
    private readonly maxFiles: number,
    private readonly root: string,
    private readonly exclude: ReadonlySet<string>,
    readonly cache: StatCache,
  ) {}

  /** The tree of the folder `rel` (absolute `abs`), or undefined when nothing in it is kept. */
  folder(rel: string, abs: string, inherited: IgnoreRule[]): string | undefined {
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(abs, { withFileTypes: true });
    } catch (e) {
      this.skipped.push({ path: rel || '.', why: `unreadable folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
      return undefined;
    }
    const own = readSmall(path.join(abs, '.gitignore'));
    const rules = own === undefined ? inherited : [...inherited, ...parseIgnore(own, rel)];
    const entries: TreeEntry[] = [];
    /** Entries whose blob came from the stat cache: checked to be in the store when their tree is new. */
    const cached = new Map<string, { rel: string; abs: string; st: fs.Stats }>();
    for (const d of names) {
      const name = d.name;
      if (name === '.git') continue;
      const childRel = rel ? `${rel}/${name}` : name;
      const childAbs = path.join(abs, name);
      let st: fs.Stats;
      try {
        st = fs.lstatSync(childAbs);
      } catch (e) {
        this.skipped.push({ path: childRel, why: `cannot stat (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
        continue;
      }
      if (st.isDirectory()) {
        if (this.exclude.has(childAbs) || isIgnored(rules, childRel, true)) continue;
        const oid = this.folder(childRel, childAbs, rules);
        if (oid) entries.push({ mode: FOLDER, name, oid });
        continue;
      }
      if (isIgnored(rules, childRel, false)) continue;
      let mode: string;
      if (st.isSymbolicLink()) mode = SYMLINK;
      else if (st.isFile()) mode = st.mode & 0o100 ? EXECUTABLE : FILE;
      else {
        this.skipped.push({ path: childRel, why: 'not a file, folder or symlink' });
        continue;
      }
      if (mode !== SYMLINK && st.size > this.maxFileBytes) {
        this.skipped.push({ path: childRel, why: `${st.size} bytes, over the ${this.maxFileBytes}-byte limit` });
        continue;
      }
      let oid = this.cache.lookup(childRel, st, mode);
      if (oid) cached.set(name, { rel: childRel, abs: childAbs, st });
      else oid = this.hashFile(childRel, childAbs, st, mode);
      if (!oid) continue;
      if (++this.files > this.maxFiles)
        throw new AgentlogError(
          'E_WORKSPACE',
          `${this.root} holds more than ${this.maxFiles} files: not snapshotted (leave build output and dependencies out with a .gitignore, or give the project's own folder)`,
          { path: this.root },
        );
      this.bytes += st.size;
      entries.push({ mode, name, oid });
    }
    if (!entries.length) return undefined;
    let content = serializeTree(sortEntries(entries));
    let oid = objectId('tree', content);
    if (this.store.hasObject(oid) || this.known.has(oid)) return oid;
    // A new tree: the blobs the stat cache vouched for must be in the store (a gc may have pruned a
    // snapshot that was never appended); any that is not is read again.
    let changed = false;
    for (const e of entries) {
      const c = e.mode !== FOLDER ? cached.get(e.name) : undefined;
      if (!c || this.known.has(e.oid) || this.store.hasObject(e.oid)) continue;
      this.cache.drop(c.rel);
      const again = this.hashFile(c.rel, c.abs, c.st, e.mode);
      if (!again) throw new AgentlogError('E_IO', `${c.abs} could not be read again`, { path: c.abs });
      e.oid = again;
      changed = true;
    }
    if (changed) {
      content = serializeTree(sortEntries(entries));
      oid = objectId('tree', content);
    }
    this.add({ type: 'tree', content, oid });
    return oid;
  }

  /** Read and hash one file or symlink, adding its blob when the store lacks it; undefined when it cannot be read. */
  private hashFile(rel: string, abs: string, st: fs.Stats, mode: string): string | undefined {
    let content: Buffer;
    try {
      content = mode === SYMLINK ? fs.readlinkSync(abs, { encoding: 'buffer' }) : readBounded(abs, st.size);
    } catch (e) {
      this.skipped.push({ path: rel, why: `unreadable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
      return undefined;
    }
    this.hashed++;
    const oid = objectId('blob', content);
    if (!this.known.has(oid) && !this.store.hasObject(oid)) this.add({ type: 'blob', content, oid });
    this.cache.set(rel, st, mode, oid);
    return oid;
  }

  private add(o: PackObject): void {
    this.known.add(o.oid);
    this.pending.push(o);
    this.pendingBytes += o.content.length;
    this.written++;
    if (this.pendingBytes >= PACK_BYTES) this.flush();
  }

  flush(): void {
    if (!this.pending.length) return;
    this.releases.push(this.store.writeObjects(this.pending));
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** git's empty tree, not written here: a folder with nothing to keep leaves no object behind (checkpoint() writes it when an event names it). */
  emptyTree(): string {
    return EMPTY_TREE;
  }

  release(): void {
    for (const r of this.releases.splice(0)) r();
  }
}

/**
 * A file's first `size` bytes (its size when stat'ed): a file growing meanwhile is read no further,
 * so memory stays bounded; its stat then differs next time and it is read again.
 */
function readBounded(file: string, size: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(size);
    let n = 0;
    while (n < size) {
      const got = fs.readSync(fd, buf, n, size - n, n);
      if (got === 0) break;
      n += got;
    }
    return n === size ? buf : buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}
