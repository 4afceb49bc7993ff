import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AgentlogError } from '../errors.js';
import { fsyncDir, ioError, pidAlive, removeQuietly } from './fsio.js';

/**
 * git's lock protocol, written once for refs, HEAD, packed-refs, the config file and our own files
 * (store invariant I10, core/store/layout.ts):
 *
 * 1. `<file>.lock` is created exclusively: whoever creates it holds the file. It is born holding its
 *    owner record, `{"agentlog-lock":1,"pid","host","boot","start"}` (the process id, the host name,
 *    the kernel's boot id and the process's start time in clock ticks, where /proc has them): the
 *    record is written into a file of this process's own, `<file>~owner.<pid>.<n>.lock`, which is
 *    then hard-linked to `<file>.lock` (link() fails when the name exists, as O_EXCL does) and
 *    unlinked. So a kill at any instant never leaves a lock without its owner, which rule 5 could
 *    never break (an open-then-write left one: found by a kill loop of `agentlog run`). A kill before
 *    the link leaves only the `~owner` file, which git and ref listing ignore (it ends in `.lock`)
 *    and gc removes (sweepLockLeftovers). Where the file system has no hard links, the lock is
 *    created with O_EXCL and the record written into it, as before.
 * 2. The holder reads the file, then writes the whole new content (the byte count is checked) into a
 *    file of its own, `<file>~commit.<pid>.<n>.lock`, fsyncs it when durable, checks that the lock
 *    on disk is still the very file it created (same device and inode as its open descriptor), and
 *    renames that file over the file: readers see the old content or the new, never a part. Only
 *    then is the lock removed. The lock holds its owner record until the end, so a kill at any
 *    instant leaves a lock whose owner is provably gone, which the next writer breaks (rule 5), and
 *    at most a `~commit` file, which gc sweeps (writing the content into the lock itself, as git
 *    does, left a lock that named no owner when a kill came between its truncation and its rename:
 *    found by a kill loop of `agentlog run`). A holder whose lock is gone or replaced refuses to
 *    rename (E_LOCK) and leaves the other lock alone.
 * 3. A holder that gives up (or fails) removes its lock, only if the lock on disk is still its own.
 * 4. A writer that finds the lock taken waits for it (`waitMs`), polling with a growing, jittered
 *    pause, then fails with E_LOCK naming the lock and its owner.
 * 5. A lock is never broken because of its age: a holder may stall (SIGSTOP, swap, a debugger) for
 *    any time, and breaking its lock would let two writers in (the stalled one would rename over the
 *    other's ref when it wakes). A lock is broken only when its owner is provably gone: its record
 *    names this host, and either the boot id differs (the machine restarted since), or no process
 *    has its pid, or the process with that pid started at another time (the pid was reused). A lock
 *    of unknown owner (git's own locks, which are empty, a lock of another host, a record cut short)
 *    is never removed automatically: like git, the error tells the user to remove it when no git or
 *    agentlog process is running.
 * 6. Breaking cannot remove a newer lock: breakers take turns through a second lock,
 *    `<file>~break.lock` (created exclusively, naming its owner; `~` cannot be in a ref name, and
 *    names ending in `.lock` are ignored by git and ref listing), and under it look again: only if
 *    the lock is still the very file judged (device, inode, content) is it removed. Only breakers
 *    remove a dead owner's lock, and they take turns, so between that look and the removal nobody
 *    can replace it. (Renaming the judged lock aside, then checking it, was tried first: for the
 *    moment it is aside a live holder's lock may be missing, and under load holders were refused.)
 *    A `~break.lock` left by a killed breaker is removed when its owner is gone and it is older than
 *    BREAK_STALE_MS; a breaker holds it for microseconds.
 *
 * Why not fcntl/flock: Node has no portable binding for them, and git itself does not honour them;
 * the lock file is what git and agentlog both respect.
 */

/** How long a writer waits for another writer's `<file>.lock` before it gives up. */
export const LOCK_WAIT_MS = 5_000;

/** The timings of waiting for a lock; each has today's default. Tests inject short ones. */
export interface LockTimings {
  /** How long to wait for another holder before giving up (default LOCK_WAIT_MS). */
  waitMs?: number;
  /** The first pause between two attempts, in ms (default 0.2); each pause doubles, up to maxPollMs, and is stretched by a random 1–2×. */
  pollMs?: number;
  /** The longest pause between two attempts, in ms (default 20). */
  maxPollMs?: number;
}

/** The errors a lock's user words in its own terms (a ref, a config file, …). */
export interface LockErrors {
  /** The lock or the file cannot be made: a file or folder of a conflicting name is in the way (or the folder is missing). */
  conflict(path: string): AgentlogError;
  /** Another holder kept the lock past the wait (`ageMs`: how old the lock is; `owner`: who holds it, in words, from its record). */
  busy(lock: string, ageMs: number, owner: string): AgentlogError;
}

export interface LockOptions extends LockTimings {
  /** fsync the new content before the rename. */
  durable?: boolean;
  /** Where the removal of a lock whose owner is gone is reported. */
  warn?: (message: string) => void;
  errors?: Partial<LockErrors>;
}

const defaultErrors: LockErrors = {
  conflict: (p) =>
    new AgentlogError('E_LOCK', `${p} cannot be made: a file or folder of a conflicting name is in the way, or its folder is missing`, { path: p }),
  busy: (lock, ageMs, owner) =>
    new AgentlogError(
      'E_LOCK',
      `${lock.slice(0, -5)} is locked by ${lock} (made ${Math.round(ageMs / 1000)} s ago, ${owner}); if no git or agentlog process is changing it, delete the lock`,
      { lock },
    ),
};

/** Who a lock file says holds it (rule 1). */
export interface LockOwner {
  pid: number;
  host: string;
  /** The kernel's boot id ('' where there is none to read). */
  boot: string;
  /** The process's start time in clock ticks since boot ('' where /proc has none). */
  start: string;
}

/** This process as a lock owner; computed once. */
let self: LockOwner | undefined;
function selfOwner(): LockOwner {
  self ??= { pid: process.pid, host: os.hostname(), boot: bootId(), start: startTime(process.pid) ?? '' };
  return self;
}

/** The owner record a lock holds while held (rule 1): exported so that tests can plant a lock of a given (e.g. dead) process. */
export function ownerRecord(owner: LockOwner = selfOwner()): string {
  return `${JSON.stringify({ 'agentlog-lock': 1, pid: owner.pid, host: owner.host, boot: owner.boot, start: owner.start })}\n`;
}

/** The owner a lock's content names, or undefined when it names none (git's empty locks, a record cut short, new content). */
function parseOwner(content: string): LockOwner | undefined {
  if (!content.startsWith('{"agentlog-lock":1,') || content.length > 1000) return undefined;
  try {
    const o = JSON.parse(content) as Record<string, unknown>;
    if (!Number.isSafeInteger(o.pid) || (o.pid as number) <= 0 || typeof o.host !== 'string' || typeof o.boot !== 'string' || typeof o.start !== 'string') {
      return undefined;
    }
    return { pid: o.pid as number, host: o.host, boot: o.boot, start: o.start };
  } catch {
    return undefined;
  }
}

/** Whether `owner` is provably gone (rule 5): same host, and a reboot since, no such process, or a process of that pid started at another time. */
export function ownerGone(owner: LockOwner): boolean {
  const me = selfOwner();
  if (owner.host !== me.host) return false; // another machine's process: we cannot tell
  if (owner.boot && me.boot && owner.boot !== me.boot) return true;
  if (owner.pid === me.pid) return owner.start !== me.start && owner.start !== '' && me.start !== '';
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return true;
    return false; // EPERM: it runs, as another user
  }
  if (!owner.start) return false;
  const now = startTime(owner.pid);
  return now !== undefined && now !== owner.start;
}

/** The kernel's boot id, or '' off Linux. */
function bootId(): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();
  } catch {
    return '';
  }
}

/** A process's start time in clock ticks since boot (field 22 of /proc/PID/stat), or undefined when there is none to read. */
function startTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19];
}

/** A lock file as one look saw it (exported for tests): its identity and content (undefined: there is none). */
export interface Seen {
  dev: number;
  ino: number;
  mtimeMs: number;
  content: string;
}

export function look(lockFile: string): Seen | undefined {
  let fd: number;
  try {
    fd = fs.openSync(lockFile, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') return { dev: -1, ino: -1, mtimeMs: Date.now(), content: '' }; // a symlink: of unknown owner
    throw e;
  }
  try {
    const st = fs.fstatSync(fd);
    const buf = Buffer.alloc(Math.min(st.size, 1000));
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return { dev: st.dev, ino: st.ino, mtimeMs: st.mtimeMs, content: buf.subarray(0, n).toString('utf8') };
  } finally {
    fs.closeSync(fd);
  }
}

/** Who holds a lock, in words, for errors. */
function describeOwner(seen: Seen): string {
  const owner = parseOwner(seen.content);
  if (!owner) return 'of unknown owner: git makes such locks, or a writer was killed before it named itself';
  const me = selfOwner();
  if (owner.host !== me.host) return `held by process ${owner.pid} on host ${owner.host.slice(0, 100)}`;
  return `held by process ${owner.pid} on this machine, which is still running`;
}

/** How old a breaker's `~break.lock` must be, besides its owner being gone, before it is removed (rule 6). */
const BREAK_STALE_MS = 10_000;

/**
 * Break the lock `seen` judged abandoned, without ever removing another (rule 6): under the breakers'
 * own lock, remove it only if it is still the file judged. True when the judged lock is gone.
 */
export function breakLock(lockFile: string, seen: Seen): boolean {
  const turn = `${lockFile.slice(0, -'.lock'.length)}~break.lock`;
  const fd = createOwned(turn, defaultErrors);
  if (fd === undefined) {
    // Another breaker's turn; or one a killed breaker left: removed when its owner is gone and it is old.
    const other = look(turn);
    const owner = other && parseOwner(other.content);
    if (other && owner && ownerGone(owner) && Date.now() - other.mtimeMs > BREAK_STALE_MS) fs.rmSync(turn, { force: true });
    return false;
  }
  fs.closeSync(fd);
  try {
    const now = look(lockFile);
    if (!now) return true; // gone meanwhile
    if (now.dev !== seen.dev || now.ino !== seen.ino || now.content !== seen.content) return false; // a newer lock
    fs.rmSync(lockFile, { force: true });
    return true;
  } finally {
    fs.rmSync(turn, { force: true });
  }
}

/** Inspect a lock that is in the way: break it when its owner is provably gone (rule 5). What was seen, or undefined when it is gone now. */
function judge(lockFile: string, options: LockOptions): Seen | undefined {
  const seen = look(lockFile);
  if (!seen) return undefined;
  const owner = parseOwner(seen.content);
  if (owner && ownerGone(owner) && breakLock(lockFile, seen)) {
    options.warn?.(`removed ${lockFile}: its owner, process ${owner.pid}, is gone`);
    return undefined;
  }
  return seen;
}

/** A held `<file>.lock`: commit() writes it and renames it over the file, release() gives it up. */
export class Lock {
  private fd: number | undefined;
  /** Until committed or released: after that the lock file may be another holder's. */
  private held = true;
  private readonly errors: LockErrors;
  /** The identity of the lock file this holder created (rule 2). */
  private readonly dev: number;
  private readonly ino: number;

  private constructor(
    readonly file: string,
    readonly lockFile: string,
    fd: number,
    private readonly options: LockOptions,
  ) {
    this.fd = fd;
    this.errors = { ...defaultErrors, ...options.errors };
    const st = fs.fstatSync(fd);
    this.dev = st.dev;
    this.ino = st.ino;
  }

  /** Take `<file>.lock`, waiting for another holder as `options` say (rule 4), breaking it only when its owner is gone (rule 5). */
  static async acquire(file: string, options: LockOptions = {}): Promise<Lock> {
    const lockFile = `${file}.lock`;
    const errors = { ...defaultErrors, ...options.errors };
    const waitMs = options.waitMs ?? LOCK_WAIT_MS;
    const maxPollMs = options.maxPollMs ?? 20;
    const started = Date.now();
    let delay = options.pollMs ?? 0.2;
    for (;;) {
      const lock = Lock.tryTake(file, lockFile, options, errors);
      if (lock) return lock;
      const seen = judge(lockFile, options);
      if (!seen) continue; // released (or broken) meanwhile
      if (Date.now() - started > waitMs) throw errors.busy(lockFile, Date.now() - seen.mtimeMs, describeOwner(seen));
      await new Promise((r) => setTimeout(r, delay * (1 + Math.random())));
      delay = Math.min(delay * 2, maxPollMs);
    }
  }

  /** Take `<file>.lock` now or fail with `busy` (no waiting, for synchronous callers; a lock whose owner is gone is still broken). */
  static acquireNow(file: string, options: LockOptions = {}): Lock {
    const lockFile = `${file}.lock`;
    const errors = { ...defaultErrors, ...options.errors };
    for (let attempt = 0; ; attempt++) {
      const lock = Lock.tryTake(file, lockFile, options, errors);
      if (lock) return lock;
      const seen = judge(lockFile, options);
      if (seen || attempt >= 3) {
        const s = seen ?? { dev: -1, ino: -1, mtimeMs: Date.now(), content: '' };
        throw errors.busy(lockFile, Date.now() - s.mtimeMs, describeOwner(s));
      }
    }
  }

  /** Create the lock, born holding the owner record (rule 1); undefined when another holder has it. */
  private static tryTake(file: string, lockFile: string, options: LockOptions, errors: LockErrors): Lock | undefined {
    const fd = createOwned(lockFile, errors);
    return fd === undefined ? undefined : new Lock(file, lockFile, fd, options);
  }

  /** Whether the lock on disk is still the file this holder created (rule 2). */
  private stillOurs(): boolean {
    try {
      const st = fs.lstatSync(this.lockFile);
      return st.dev === this.dev && st.ino === this.ino;
    } catch {
      return false;
    }
  }

  /**
   * Write `content` into a file of its own and rename it over the file while the lock still holds its
   * owner record, then remove the lock (rule 2); the lock is gone after, whatever happens.
   */
  commit(content: string): void {
    if (!this.held || this.fd === undefined) throw new AgentlogError('E_LOCK', `${this.lockFile} is no longer held`, { lock: this.lockFile });
    let temp: string | undefined;
    try {
      temp = commitFile(this.lockFile);
      const fd = openFresh(temp, this.errors);
      try {
        writeWhole(fd, Buffer.from(content, 'utf8'), temp);
        if (this.options.durable) fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      if (!this.stillOurs()) {
        throw new AgentlogError(
          'E_LOCK',
          `${this.lockFile} was taken from this process while it held it (removed or replaced by another program); ${this.file} was not changed. Try again.`,
          { lock: this.lockFile },
        );
      }
      try {
        fs.renameSync(temp, this.file);
        temp = undefined;
        // Durable: the rename survives a power cut once its folder is fsynced (I9, I10).
        if (this.options.durable) fsyncDir(path.dirname(this.file));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'ENOTEMPTY') throw this.errors.conflict(this.file);
        throw e;
      }
    } catch (e) {
      if (temp !== undefined) removeQuietly(temp); // not renamed: the file is unchanged
      this.release();
      throw e;
    }
    // The file holds the new content, so this no longer fails: the lock's removal is tried again
    // (a transient EIO), and one that cannot be removed is reported (its owner record names this
    // process: the next writer breaks it once this process is gone).
    this.held = false;
    this.closeLock();
    for (let attempt = 1; ; attempt++) {
      try {
        if (this.stillOurs()) fs.rmSync(this.lockFile, { force: true });
        return;
      } catch (e) {
        if (attempt === 3) {
          this.options.warn?.(`${this.lockFile} could not be removed after ${this.file} was written: ${(e as Error).message}`);
          return;
        }
      }
    }
  }

  /** Give the lock up, the file unchanged (rule 3): the lock file is removed only while it is still this holder's. Nothing happens once committed or released. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    this.closeLock();
    if (this.stillOurs()) fs.rmSync(this.lockFile, { force: true });
  }

  private closeLock(): void {
    if (this.fd === undefined) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      /* already closed */
    }
    this.fd = undefined;
  }
}

/** Tells apart the `~owner` and `~commit` files of one process's locks. */
let ownFiles = 0;

/** The name of the file a lock's owner record is written into before it becomes the lock (rule 1). */
function ownerFile(lockFile: string): string {
  return `${lockFile.slice(0, -'.lock'.length)}~owner.${process.pid}.${++ownFiles}.lock`;
}

/** The name of the file a holder writes the new content into before renaming it over the file (rule 2). */
function commitFile(lockFile: string): string {
  return `${lockFile.slice(0, -'.lock'.length)}~commit.${process.pid}.${++ownFiles}.lock`;
}

/** Create a file of this process's own name (`~owner`, `~commit`); one that exists was left by a killed process whose pid this one now has. */
function openFresh(file: string, errors: LockErrors): number {
  let fd = openExclusive(file, errors);
  if (fd === undefined) {
    fs.rmSync(file, { force: true });
    fd = openExclusive(file, errors);
    if (fd === undefined)
      throw new AgentlogError('E_LOCK', `${file} is made again as soon as it is removed: another program uses this process's name`, { path: file });
  }
  return fd;
}

/** Errors of link() that mean the file system has no hard links. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/**
 * Create `lockFile` exclusively, already holding this process's owner record (rule 1): an fd open
 * on it for reading and writing, or undefined when another holder has it.
 */
function createOwned(lockFile: string, errors: LockErrors): number | undefined {
  const record = Buffer.from(ownerRecord(), 'utf8');
  const temp = ownerFile(lockFile);
  const fd = openFresh(temp, errors);
  let linked = false;
  try {
    writeWhole(fd, record, temp);
    try {
      fs.linkSync(temp, lockFile);
      linked = true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (code === 'EEXIST') return undefined;
      if (code === 'ENOTDIR' || code === 'EISDIR' || code === 'ENOENT') throw errors.conflict(lockFile);
      if (!NO_LINKS.has(code)) throw e;
    }
  } finally {
    if (!linked) fs.closeSync(fd);
    removeQuietly(temp); // once linked, the lock is held: a temp that stays is litter gc sweeps
  }
  if (linked) return fd;
  // No hard links here: create the lock itself, then name the owner (a kill between leaves it unnamed).
  const direct = openExclusive(lockFile, errors);
  if (direct === undefined) return undefined;
  try {
    writeWhole(direct, record, lockFile);
  } catch (e) {
    fs.closeSync(direct);
    fs.rmSync(lockFile, { force: true });
    throw e;
  }
  return direct;
}

/** Open `file` for writing, created exclusively: its fd, or undefined when it exists. */
function openExclusive(file: string, errors: LockErrors): number | undefined {
  try {
    return fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EISDIR' || code === 'ENOENT') throw errors.conflict(file);
    if (code !== 'EEXIST') throw e;
    return undefined;
  }
}

/** A lock's `~owner` file (rule 1), a holder's `~commit` file (rule 2) or a breaker's `~break.lock` (rule 6), by name; the pid its name holds. */
const LEFTOVER = /~(?:(?:owner|commit)\.(\d{1,10})\.\d{1,16}|break)\.lock$/;

/**
 * Remove, under `dir` (a store's refs, its agentlog folder…), the `~owner` files a process killed
 * before it linked its lock left (rule 1), the `~commit` files of one killed before its rename
 * (rule 2), and the `~break.lock` files of breakers that are gone (rule 6), when their owner is
 * provably gone. Returns how many were removed. Run by gc.
 */
export function sweepLockLeftovers(dir: string, recursive = true): number {
  let removed = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive) removed += sweepLockLeftovers(full);
      continue;
    }
    if (!e.isFile() || !LEFTOVER.test(e.name)) continue;
    const seen = look(full);
    const owner = seen && parseOwner(seen.content);
    // An `~owner` file killed before its record was whole, and a `~commit` file, name no one: the pid is in the name.
    const pid = LEFTOVER.exec(e.name)?.[1];
    const gone = owner ? ownerGone(owner) : pid !== undefined && seen !== undefined && Date.now() - seen.mtimeMs > BREAK_STALE_MS && !pidAlive(Number(pid));
    if (gone) {
      fs.rmSync(full, { force: true });
      removed++;
    }
  }
  return removed;
}

/**
 * The whole protocol around one change: take the lock, ask `content()` while it is held (undefined:
 * give up, nothing changes), write and rename. Returns whether the file was replaced.
 */
export async function withLock(file: string, options: LockOptions, content: () => string | undefined): Promise<boolean> {
  try {
    return commitOrRelease(await Lock.acquire(file, options), content);
  } catch (e) {
    throw ioError(e, 'update', file); // a system error (EIO, ENOSPC, …) becomes E_IO naming the file
  }
}

/** withLock for synchronous callers: fails at once (`busy`) when the lock is held. */
export function withLockNow(file: string, options: LockOptions, content: () => string | undefined): boolean {
  try {
    return commitOrRelease(Lock.acquireNow(file, options), content);
  } catch (e) {
    throw ioError(e, 'update', file);
  }
}

function commitOrRelease(lock: Lock, content: () => string | undefined): boolean {
  let text: string | undefined;
  try {
    text = content();
  } catch (e) {
    lock.release();
    throw e;
  }
  if (text === undefined) {
    lock.release();
    return false;
  }
  lock.commit(text);
  return true;
}

/**
 * Write all of `bytes` at the start of the lock: a write that comes back short (a signal, a disk
 * filling up) is continued where it stopped; one that makes no progress is an error.
 */
function writeWhole(fd: number, bytes: Buffer, lockFile: string): void {
  let done = 0;
  while (done < bytes.length) {
    const n = fs.writeSync(fd, bytes, done, bytes.length - done, done);
    if (n <= 0) {
      throw new AgentlogError('E_LOCK', `${lockFile}: only ${done} of ${bytes.length} bytes could be written (is the disk full?)`, { lock: lockFile });
    }
    done += n;
  }
}
