import * as fs from 'node:fs';
import * as path from 'node:path';
import { CID } from '../codec/cid.js';
import { AgentlogError } from '../errors.js';
import { fsyncDir, ioError } from './fsio.js';
import { appendReflog, ZERO_OID } from './reflog.js';
import { Lock, withLock, type LockOptions, type LockTimings } from './lock.js';
import { FORBIDDEN_IN_REF, refNameProblem } from './refName.js';

const OID = /^[0-9a-f]{40}$/;
/** How many symbolic refs in a row are followed (git's own limit). */
const MAX_SYMREF_DEPTH = 5;

/** A name read() and the writers accept: HEAD, or a valid ref name under refs/ (never a path out of the git dir). */
function checkRefName(name: string): void {
  if (name === 'HEAD') return;
  if (!name.startsWith('refs/') || refNameProblem(name) !== undefined) {
    throw new AgentlogError('E_REF', `"${name.slice(0, 200)}" is not a ref name agentlog reads or writes (a valid name under refs/)`, { ref: name });
  }
}

export type Warn = (message: string) => void;

/** The ref a HEAD file is attached to, or undefined (detached, unreadable). */
function symbolicOf(headFile: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(headFile, 'latin1');
  } catch {
    return undefined;
  }
  return text.startsWith('ref: ') ? text.slice(5).trim() : undefined;
}

/**
 * Whether a person ever checked something out in the worktree whose HEAD file this is: git writes
 * its index and logs the checkout in its HEAD reflog; agentlog writes neither (I12).
 */
export function everCheckedOut(headFile: string): boolean {
  const dir = path.dirname(headFile);
  return fs.existsSync(path.join(dir, 'index')) || fs.existsSync(path.join(dir, 'logs', 'HEAD'));
}

/** The new commit of a reflog's last entry (`<old> <new> <who> <when>\t<message>`), or undefined. Reads only its tail. */
function lastReflogOid(file: string): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, 4096);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    const lines = buf
      .toString('latin1')
      .split('\n')
      .filter((l) => l.length > 0);
    const last = lines[lines.length - 1];
    const oid = last?.slice(41, 81);
    return last && last[40] === ' ' && oid && OID.test(oid) ? oid : undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Git refs read and moved without the git CLI, under git's own lock protocol (lock.ts): `<ref>.lock`
 * is created exclusively, the old value is checked, the new value written into a file of the holder's
 * own and renamed over the ref, then the lock removed (lock.ts rule 2). packed-refs are honoured when reading (a loose ref shadows a packed one).
 */
export class Refs {
  private packed: Map<string, string> | undefined;
  /** While staging (stage/unstage): each ref moved, from what it held on disk (`base`) to `next`; read and listed as moved. */
  private staged?: Map<string, { base: string | undefined; next: string }>;
  private packedStamp = '';
  private readonly dirs = new Set<string>();

  constructor(
    readonly gitDir: string,
    private readonly durable = false,
    private readonly warn: Warn = () => {},
    /** How long to wait for another writer's lock, and when a lock is stale (lock.ts has the defaults). */
    private readonly lockTimings: LockTimings = {},
  ) {}

  /**
   * The commit a ref points at, or undefined when there is none. `name` is a full ref name
   * (`refs/heads/x`) or HEAD. Read strictly (I10): a ref file that is empty, holds anything but a
   * commit id or `ref: refs/…`, is a symbolic link (it could lead out of the store), or a symbolic
   * ref that leads outside refs/ or loops is an E_REF error naming the ref and its file, never
   * quoting what the file holds. Symbolic refs are followed within refs/, at most MAX_SYMREF_DEPTH deep.
   */
  read(name: string): string | undefined {
    const staged = this.staged?.get(name);
    if (staged) return staged.next;
    return this.resolve(name, 0);
  }

  /**
   * Start staging (store/batch.ts): compareAndSwap only records the move, checked against the ref as
   * read here (staged moves first, then the disk), and read/list show it; nothing is written until
   * unstage hands the moves back, to be made on disk one compare-and-swap each, from `base`.
   */
  stage(): void {
    if (this.staged) throw new AgentlogError('E_STORE', `refs of ${this.gitDir} are already being staged (one batch at a time)`, {});
    this.staged = new Map();
  }

  /** Stop staging: each ref moved and what it held on disk before (empty when not staging). */
  unstage(): Array<{ ref: string; base: string | undefined; next: string }> {
    const out = [...(this.staged ?? [])].map(([ref, m]) => ({ ref, ...m }));
    this.staged = undefined;
    return out;
  }

  private resolve(name: string, depth: number): string | undefined {
    const loose = this.readLoose(name);
    if (!loose) return this.packedRefs().get(name);
    if (loose.oid) return loose.oid;
    const target = loose.symbolic!;
    if (depth >= MAX_SYMREF_DEPTH) {
      throw this.bad(name, `is a symbolic ref that goes on for more than ${MAX_SYMREF_DEPTH} steps (a loop?)`);
    }
    return this.resolve(target, depth + 1);
  }

  /**
   * The loose ref file of `name` as it stands: a commit id, or the target of a symbolic ref (checked:
   * a valid ref name under refs/). Undefined when there is no loose file (the packed value, if any, counts).
   */
  readLoose(name: string): { oid?: string; symbolic?: string } | undefined {
    checkRefName(name);
    const file = path.join(this.gitDir, name);
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      if (code === 'ELOOP') throw this.bad(name, 'is a symbolic link; agentlog never follows a link in refs/ (it could lead out of the store)');
      throw ioError(e, 'read', file);
    }
    let text: string;
    try {
      const st = fs.fstatSync(fd);
      if (st.isDirectory()) return undefined; // refs/heads/x when refs/heads/x/y exists: only a packed x can be there
      if (!st.isFile()) throw this.bad(name, 'is not a regular file');
      if (st.size > 4096) throw this.bad(name, `holds ${st.size} bytes, not a commit id`);
      const buf = Buffer.alloc(st.size);
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      text = buf.subarray(0, n).toString('latin1');
    } finally {
      fs.closeSync(fd);
    }
    const value = text.trim();
    if (value === '') throw this.bad(name, 'is empty: it names no commit');
    if (OID.test(value)) return { oid: value };
    if (value.startsWith('ref: ')) {
      const target = value.slice(5).trim();
      if (!target.startsWith('refs/') || refNameProblem(target) !== undefined) {
        throw this.bad(name, 'is a symbolic ref to something that is not a ref under refs/');
      }
      if (target === name) throw this.bad(name, 'is a symbolic ref to itself');
      return { symbolic: target };
    }
    throw this.bad(name, `holds ${value.length} bytes that are not a commit id`);
  }

  /** The E_REF error for a broken ref (I10): names the ref and its file, says what to do, quotes nothing of its content. */
  private bad(name: string, what: string): AgentlogError {
    const file = path.join(this.gitDir, name);
    return new AgentlogError(
      'E_REF',
      `ref ${name} (${file}) ${what}. Repair it (git update-ref ${name} <commit>; git reflog ${name} lists where it was) or remove it (git update-ref -d ${name}).`,
      { ref: name, file },
    );
  }

  /** HEAD: a symbolic ref (`refs/heads/x`) or a detached commit; unborn when the branch does not exist. */
  head(): { symbolic?: string; oid?: string } {
    let text: string;
    try {
      text = fs.readFileSync(path.join(this.gitDir, 'HEAD'), 'latin1').trim();
    } catch {
      return {};
    }
    if (text.startsWith('ref: ')) {
      const symbolic = text.slice(5);
      return { symbolic, oid: this.read(symbolic) };
    }
    return OID.test(text) ? { oid: text } : {};
  }

  /** The branch a HEAD file (one of headFiles()) names, or undefined. */
  headSymbolicOf(headFile: string): string | undefined {
    return symbolicOf(headFile);
  }

  /** The branch HEAD names (`refs/heads/x`), or undefined when HEAD is detached or unreadable. One file read. */
  headSymbolic(): string | undefined {
    let text: string;
    try {
      text = fs.readFileSync(path.join(this.gitDir, 'HEAD'), 'latin1');
    } catch {
      return undefined;
    }
    return text.startsWith('ref: ') ? text.slice(5).trim() : undefined;
  }

  /**
   * All refs under a prefix (`refs/heads/`), loose and packed, as full name → commit, sorted. Strict
   * (I10): the first broken ref is an E_REF error naming it (listChecked lists them instead). A
   * symbolic ref is listed with the commit of its target.
   */
  list(prefix: string): Map<string, string> {
    const { refs, bad } = this.listChecked(prefix);
    if (bad.length) throw bad[0].error;
    return refs;
  }

  /** The refs under a prefix that read well, and each broken one with its error (for verify). */
  listChecked(prefix: string): { refs: Map<string, string>; bad: Array<{ ref: string; error: AgentlogError }> } {
    const out = new Map<string, string>();
    const bad: Array<{ ref: string; error: AgentlogError }> = [];
    for (const [name, oid] of this.packedRefs()) if (name.startsWith(prefix)) out.set(name, oid);
    const walk = (dir: string, ref: string): void => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = `${ref}${e.name}`;
        if (e.isDirectory()) {
          walk(path.join(dir, e.name), `${full}/`);
          continue;
        }
        if (e.name.endsWith('.lock')) continue; // a lock (lock.ts), never a ref
        try {
          const oid = this.read(full);
          if (oid === undefined) throw this.bad(full, 'is a symbolic ref to a ref that does not exist');
          out.set(full, oid);
        } catch (error) {
          if (!(error instanceof AgentlogError)) throw error;
          out.delete(full);
          bad.push({ ref: full, error });
        }
      }
    };
    walk(path.join(this.gitDir, prefix), prefix);
    for (const [name, m] of this.staged ?? []) if (name.startsWith(prefix)) out.set(name, m.next);
    return { refs: new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), bad };
  }

  private packedRefs(): Map<string, string> {
    const file = path.join(this.gitDir, 'packed-refs');
    let stamp = '';
    try {
      const st = fs.statSync(file);
      stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      this.packed = new Map();
      this.packedStamp = '';
      return this.packed;
    }
    if (this.packed && stamp === this.packedStamp) return this.packed;
    const map = new Map<string, string>();
    // UTF-8, as ref names are written (a loose ref's path is its UTF-8 name; underLock writes UTF-8).
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (!line || line.startsWith('#') || line.startsWith('^')) continue;
      const [oid, name] = line.split(' ');
      if (oid && name && OID.test(oid)) map.set(name, oid);
    }
    this.packed = map;
    this.packedStamp = stamp;
    return map;
  }

  /**
   * Move `name` from `expected` (undefined: the ref must not exist) to `next`, or report that it
   * moved meanwhile (returns false). Waits for another writer's lock; see lock.ts (LOCK_WAIT_MS,
   * and the owner rule) for what happens to a lock that stays.
   */
  async compareAndSwap(name: string, expected: string | undefined, next: string): Promise<boolean> {
    checkRefName(name);
    if (this.staged) {
      const staged = this.staged.get(name);
      if (staged) {
        if (staged.next !== expected) return false;
        staged.next = next;
      } else {
        if (this.resolve(name, 0) !== expected) return false;
        this.staged.set(name, { base: expected, next });
      }
      return true;
    }
    const file = path.join(this.gitDir, name);
    this.makeDir(path.dirname(file));
    return this.underLock(file, name, () => {
      this.refuseSymbolic(name);
      return this.read(name) === expected ? `${next}\n` : undefined;
    });
  }

  /**
   * Many compare-and-swaps at once, written as git writes a transaction of many refs: each ref's
   * `<ref>.lock` is taken (in name order, a group of REFS_PER_WRITE at a time, so a process never
   * holds more descriptors than that), each ref checked against its `expected` under its lock, then
   * the new values go into packed-refs in one write (under packed-refs.lock, renamed over it, fsynced
   * when durable), and only then are the loose files of those refs removed, so a reader sees each ref's
   * old value or its new one, never none. A clone's 4,000 refs cost a lock each and a few packed-refs
   * writes instead of a written, fsynced and renamed file each (issue 20). Returns, per update in the
   * order given, whether it was made (false: the ref had moved, or is a symbolic ref, which is never
   * moved through); compareAndSwap is the rule for one ref and this one is the same rule for many.
   */
  async compareAndSwapMany(updates: ReadonlyArray<{ name: string; expected: string | undefined; next: string }>): Promise<boolean[]> {
    const made = new Array<boolean>(updates.length).fill(false);
    const order = updates.map((u, i) => ({ ...u, i })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (let k = 1; k < order.length; k++) {
      if (order[k].name === order[k - 1].name) throw new AgentlogError('E_REF', `ref ${order[k].name} is updated twice in one write`, { ref: order[k].name });
    }
    for (const u of order) {
      checkRefName(u.name);
      if (!OID.test(u.next)) throw new AgentlogError('E_REF', `"${u.next.slice(0, 60)}" is not a commit id to point ${u.name} at`, { ref: u.name });
    }
    for (let from = 0; from < order.length; from += REFS_PER_WRITE) {
      const group = order.slice(from, from + REFS_PER_WRITE);
      const locks: Lock[] = [];
      let error: unknown;
      try {
        const go: Array<(typeof group)[number] & { loose: boolean }> = [];
        for (const u of group) {
          const file = path.join(this.gitDir, u.name);
          this.makeDir(path.dirname(file));
          const lock = await Lock.acquire(file, this.lockOptions(u.name));
          locks.push(lock);
          const loose = this.readLoose(u.name);
          if (loose?.symbolic) continue; // never moved through (refuseSymbolic)
          if (this.read(u.name) === u.expected) go.push({ ...u, loose: !!loose });
        }
        const packedFile = path.join(this.gitDir, 'packed-refs');
        const values = new Map(go.map((u) => [u.name, u.next]));
        if (go.length) await this.underLock(packedFile, 'packed-refs', () => packedRefsWith(readText(packedFile), values));
        this.packed = undefined;
        // The packed values are in place: the loose files that shadowed them go (each under its lock).
        const emptied = new Set<string>();
        for (const u of go) {
          made[u.i] = true;
          if (!u.loose) continue;
          const file = path.join(this.gitDir, u.name);
          try {
            fs.rmSync(file, { force: true });
          } catch (e) {
            throw ioError(e, 'remove', file);
          }
          emptied.add(path.dirname(file));
        }
        if (this.durable) for (const dir of emptied) fsyncDir(dir);
      } catch (e) {
        error = ioError(e, 'update', path.join(this.gitDir, 'packed-refs'));
      }
      // Every lock is given up, whatever happened; a lock that cannot be removed is an E_IO error
      // naming it (after the others are released), unless an earlier error ended the write.
      for (const lock of locks) {
        try {
          lock.release();
        } catch (e) {
          error ??= ioError(e, 'remove', lock.lockFile);
        }
      }
      if (error !== undefined) throw error;
    }
    return made;
  }

  /**
   * Delete `name` if it still points at `expected` (false when it moved meanwhile), the way git does:
   * under `<ref>.lock`, its packed-refs line goes first (packed-refs rewritten under
   * packed-refs.lock), then the loose file, so a reader never sees an older packed value come back.
   * Folders it leaves empty stay (git ignores them; removing them could fail another writer).
   * With `log`, a reflog line (reflog.ts: `expected` → zeros) is written durably under the lock
   * before anything is removed, so the tip that was is never gone without its record; a reflog that
   * cannot be written leaves the ref as it was.
   */
  async delete(name: string, expected: string, log?: { message: string; nowMs: number }): Promise<boolean> {
    checkRefName(name);
    const file = path.join(this.gitDir, name);
    this.makeDir(path.dirname(file)); // a packed ref may have no folder left
    const lock = await Lock.acquire(file, this.lockOptions(name));
    try {
      this.refuseSymbolic(name);
      if (this.read(name) !== expected) return false;
      if (log) appendReflog(this.gitDir, name, { old: expected, next: ZERO_OID, ...log });
      if (this.packedRefs().has(name)) {
        const packedFile = path.join(this.gitDir, 'packed-refs');
        await this.underLock(packedFile, 'packed-refs', () => {
          const lines = fs.readFileSync(packedFile, 'utf8').split('\n');
          const kept: string[] = [];
          for (let i = 0; i < lines.length; i++) {
            const [, ref] = lines[i].split(' ');
            if (!lines[i].startsWith('#') && !lines[i].startsWith('^') && ref === name) {
              if (lines[i + 1]?.startsWith('^')) i++; // its peeled line
              continue;
            }
            kept.push(lines[i]);
          }
          return kept.join('\n');
        });
        this.packed = undefined;
      }
      fs.rmSync(file, { force: true });
      return true;
    } finally {
      lock.release();
    }
  }

  /**
   * Every HEAD (the main one, each linked worktree's) attached to `from` is attached to `to` instead,
   * each under its HEAD.lock and checked again while held (a rename, as git branch -m does). Returns
   * how many moved.
   */
  async moveHeads(from: string, to: string): Promise<number> {
    checkRefName(to);
    let moved = 0;
    for (const headFile of this.headFiles()) {
      if (symbolicOf(headFile) !== from) continue;
      if (await withLock(headFile, this.lockOptions('HEAD'), () => (symbolicOf(headFile) === from ? `ref: ${to}\n` : undefined))) moved++;
    }
    return moved;
  }

  /** Point HEAD at a commit (detached), under HEAD.lock. */
  async detachHead(oid: string): Promise<void> {
    await this.underLock(path.join(this.gitDir, 'HEAD'), 'HEAD', () => `${oid}\n`);
  }

  /**
   * The detach-HEAD rule (I12), for every HEAD of the repository: the main one and each linked
   * worktree's (`worktrees/<id>/HEAD`). Each HEAD attached to `ref`, while `ref` is still at
   * `expected`, is detached under its HEAD.lock (checked again while held) at what that worktree
   * really has checked out: the commit its HEAD reflog last moved to (git logs every checkout; agentlog's
   * own moves of a branch do not), when `checkedOut` accepts it as an earlier commit of the timeline —
   * a `git checkout` that raced an earlier append left the branch ahead of the working tree — and
   * else `expected`.
   */
  async detachHeadsOn(ref: string, expected: string, checkedOut: (oid: string) => boolean): Promise<void> {
    if (this.staged) return; // the staged move is made on disk later, after its own detach (store/batch.ts)
    const attached = this.headFiles().filter((headFile) => symbolicOf(headFile) === ref);
    if (!attached.length || this.read(ref) !== expected) return;
    for (const headFile of attached) {
      const logged = lastReflogOid(path.join(path.dirname(headFile), 'logs', 'HEAD'));
      const at = logged && logged !== expected && checkedOut(logged) ? logged : expected;
      await withLock(headFile, this.lockOptions('HEAD'), () => (symbolicOf(headFile) === ref ? `${at}\n` : undefined));
    }
  }

  /** The linked worktrees' ids as last listed, with the folder's identity and mtime then (headFiles). */
  private worktreeIds: { ino: number; mtimeNs: bigint; ids: string[] } | undefined;

  /**
   * The HEAD files of the repository: `HEAD`, then `worktrees/<id>/HEAD` of each linked worktree.
   * Asked at every ref move: the worktrees/ folder is listed again only when its mtime changed (git
   * adds or removes a worktree's folder there, which changes it), else a stat is all it costs.
   */
  headFiles(): string[] {
    const out = [path.join(this.gitDir, 'HEAD')];
    const dir = path.join(this.gitDir, 'worktrees');
    let ids: string[] = [];
    const st = fs.statSync(dir, { throwIfNoEntry: false, bigint: true });
    if (st?.isDirectory()) {
      const known = this.worktreeIds;
      if (known && known.ino === Number(st.ino) && known.mtimeNs === st.mtimeNs) ids = known.ids;
      else {
        try {
          ids = fs.readdirSync(dir).sort();
        } catch {
          ids = [];
        }
        this.worktreeIds = { ino: Number(st.ino), mtimeNs: st.mtimeNs, ids };
      }
    }
    for (const id of ids) {
      const head = path.join(this.gitDir, 'worktrees', id, 'HEAD');
      if (fs.existsSync(head)) out.push(head);
    }
    return out;
  }

  /**
   * Run `update` on a file of ours (not a ref) under the same lock protocol: `update` gets the
   * current content and returns the new one.
   */
  async updateFile(file: string, update: (current: string | undefined) => string): Promise<void> {
    this.makeDir(path.dirname(file));
    await withLock(file, this.fileLockOptions(file), () => {
      let current: string | undefined;
      try {
        current = fs.readFileSync(file, 'utf8');
      } catch {
        current = undefined;
      }
      return update(current);
    });
  }

  /** The lock options for a file of ours (not a ref): its errors name the file, not a timeline. */
  private fileLockOptions(file: string): LockOptions {
    return {
      ...this.lockTimings,
      durable: this.durable,
      warn: this.warn,
      errors: {
        conflict: (p) =>
          new AgentlogError('E_LOCK', `${file} cannot be written: a file or folder of a conflicting name is in the way (${p}); move it aside`, { path: file }),
        busy: (lock, age, owner) =>
          new AgentlogError(
            'E_LOCK',
            `${file} is locked by ${lock} (made ${Math.round(age / 1000)} s ago, ${owner}). Another agentlog process may be writing it; ` +
              `if none is running, delete the lock (rm '${lock}') and try again.`,
            { lock, path: file },
          ),
      },
    };
  }

  /**
   * A symbolic ref (git symbolic-ref refs/heads/alias refs/heads/x) is never moved through (I10):
   * moving it would turn the alias into a separate branch, and writing through to its target would
   * move a timeline under a lock that is not the target's. The caller is told to name the target.
   */
  private refuseSymbolic(name: string): void {
    const loose = this.readLoose(name);
    if (loose?.symbolic) {
      const target = loose.symbolic.startsWith('refs/heads/') ? `timeline ${loose.symbolic.slice(11)}` : loose.symbolic;
      throw new AgentlogError(
        'E_REF',
        `ref ${name} is a symbolic ref to ${loose.symbolic}: agentlog does not move a branch through an alias; name ${target} instead`,
        { ref: name, target: loose.symbolic },
      );
    }
  }

  private makeDir(dir: string): void {
    if (!this.dirs.has(dir)) {
      try {
        fs.mkdirSync(dir, { recursive: true });
      } catch (e) {
        throw ioError(e, 'make the folder', dir);
      }
      this.dirs.add(dir);
    }
  }

  /** Run `content` under the lock of `file` (lock.ts: withLock); `name` is the ref its errors name. */
  private underLock(file: string, name: string, content: () => string | undefined): Promise<boolean> {
    return withLock(file, this.lockOptions(name), content);
  }

  private lockOptions(name: string): LockOptions {
    return {
      ...this.lockTimings,
      durable: this.durable,
      warn: this.warn,
      errors: {
        conflict: (p) => new AgentlogError('E_REF', `ref ${name} cannot be written: a ref of a conflicting name exists (${p})`, { ref: name }),
        busy: (lock, age, owner) =>
          new AgentlogError(
            'E_LOCK',
            `timeline ${name} is locked by ${lock} (made ${Math.round(age / 1000)} s ago, ${owner}). Another agentlog or git process may be writing it; ` +
              `if none is running, the lock was left by a killed writer: delete it (rm '${lock}') and try again (agentlog removes a lock by itself only when the agentlog process that made it is gone).`,
            { lock, ref: name },
          ),
      },
    };
  }
}

/**
 * Check a timeline name: what git would accept under refs/heads/, and nothing that escapes it or
 * clashes with REV syntax (`NAME@N`). Returns the full ref name.
 */
export function timelineRef(name: string): string {
  const problem = nameProblem(name);
  if (problem) throw new AgentlogError('E_REF', `"${name}" is not a valid timeline name: ${problem}`, { name });
  return `refs/heads/${name}`;
}

/** Why `name` is not a timeline name: git's ref rules (refName.ts) and ours on top; undefined when it is one. */
function nameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name.length > 200) return 'it is longer than 200 characters';
  if (name === 'HEAD') return 'HEAD names the checked-out commit';
  // Before git's rules, so that "@" is explained by what it is kept for (but after git's rule 2, as always).
  if (name.includes('@') && !FORBIDDEN_IN_REF.test(name)) return '"@" is kept for REV syntax (NAME@N)';
  const problem = refNameProblem(name);
  if (problem) return problem;
  if (name.startsWith('-')) return 'it starts with "-"';
  return undefined;
}

/**
 * Why a new timeline may not take `name` although it is a valid timeline name: REV resolution
 * (timeline/rev.ts) reads a timeline name before a commit id or an event CID, so a timeline named
 * like one would hide it. New names are refused rather than ids resolved first, so that what a
 * name means never depends on which commit ids happen to exist. Undefined when `name` is free of that.
 */
export function revShadowProblem(name: string): string | undefined {
  if (/^[0-9a-f]{4,40}$/.test(name)) return 'it looks like a commit id (4 to 40 hex digits) and would hide that commit in a REV';
  try {
    CID.parse(name);
    return 'it is an event CID and would hide that event in a REV';
  } catch {
    return undefined;
  }
}

/** timelineRef for a timeline about to be made (create, fork): also refuses a name that would shadow a commit id or CID. */
export function newTimelineRef(name: string): string {
  const ref = timelineRef(name);
  const problem = revShadowProblem(name);
  if (problem) throw new AgentlogError('E_REF', `"${name}" cannot name a new timeline: ${problem}; choose another name`, { name });
  return ref;
}

/** How many refs compareAndSwapMany locks and writes at a time (each lock holds a file descriptor). */
const REFS_PER_WRITE = 256;

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(e, 'read', file);
  }
}

/**
 * packed-refs (`current`, undefined when there is none) with the refs of `values` set: their old
 * lines (and the peeled `^` line under each) dropped, the new ones added, every line sorted by ref
 * name as git writes it, under git's header. Lines it does not understand are kept as they are.
 */
export function packedRefsWith(current: string | undefined, values: ReadonlyMap<string, string>): string {
  const entries: Array<{ name: string; lines: string[] }> = [];
  for (const [name, oid] of values) entries.push({ name, lines: [`${oid} ${name}`] });
  const lines = (current ?? '').split('\n');
  // git's traits line: kept as it was (what it says of peeling still holds: only commits are added), `sorted` added.
  let traits = ['peeled', 'fully-peeled'];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('# pack-refs with:')) {
      traits = line
        .slice('# pack-refs with:'.length)
        .split(' ')
        .filter((t) => t && t !== 'sorted');
      continue;
    }
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('^')) {
      // A peeled line belongs to the ref above it (kept with it, or dropped with it).
      const last = entries[entries.length - 1];
      if (last && !values.has(last.name)) last.lines.push(line);
      continue;
    }
    const name = line.slice(line.indexOf(' ') + 1);
    if (values.has(name)) {
      entries.push({ name, lines: [] }); // dropped; a peeled line after it lands here and goes too
      continue;
    }
    entries.push({ name, lines: [line] });
  }
  // Sorted as git sorts them: by the bytes of the name (UTF-8), which JavaScript's order is not.
  const keyed = entries.map((e) => ({ e, key: Buffer.from(e.name, 'utf8') }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  let out = `# pack-refs with: ${[...traits, 'sorted'].join(' ')} \n`;
  for (const { e } of keyed) for (const l of e.lines) out += `${l}\n`;
  return out;
}
