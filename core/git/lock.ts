import * as fs from 'node:fs';
import { AgentlogError } from '../errors.js';

/**
 * git's lock protocol, written once for refs, HEAD, packed-refs, the config file and our own files:
 *
 * 1. `<file>.lock` is created exclusively (O_CREAT|O_EXCL): whoever creates it holds the file.
 * 2. The holder reads the file, writes the whole new content into the lock (the byte count is
 *    checked), fsyncs it when durable, and renames the lock over the file: readers see the old
 *    content or the new, never a part.
 * 3. A holder that gives up (or fails) removes the lock; the lock never outlives a failure of ours.
 * 4. A writer that finds the lock taken waits for it (`waitMs`), polling with a growing, jittered
 *    pause; a lock older than `staleMs` was left by a killed writer (git and agentlog hold one for
 *    well under a millisecond) and is removed with a warning. What a holder writes must still be
 *    checked against what it read under the lock (refs: compare-and-swap), so removing a stale
 *    lock never loses a write.
 */

/** How long a writer waits for another writer's `<file>.lock` before it gives up. */
export const LOCK_WAIT_MS = 5_000;
/** A lock older than this is abandoned (see 4 above). */
export const STALE_LOCK_MS = 30_000;

/** The timings of waiting for a lock; each has today's default. Tests inject short ones. */
export interface LockTimings {
  /** How long to wait for another holder before giving up (default LOCK_WAIT_MS). */
  waitMs?: number;
  /** A lock older than this is removed as abandoned (default STALE_LOCK_MS). */
  staleMs?: number;
  /** The first pause between two attempts, in ms (default 0.2); each pause doubles, up to maxPollMs, and is stretched by a random 1–2×. */
  pollMs?: number;
  /** The longest pause between two attempts, in ms (default 20). */
  maxPollMs?: number;
}

/** The errors a lock's user words in its own terms (a ref, a config file, …). */
export interface LockErrors {
  /** The lock or the file cannot be made: a file or folder of a conflicting name is in the way (or the folder is missing). */
  conflict(path: string): AgentlogError;
  /** Another holder kept the lock past the wait (`ageMs`: how old the lock is). */
  busy(lock: string, ageMs: number, staleMs: number): AgentlogError;
}

export interface LockOptions extends LockTimings {
  /** fsync the new content before the rename. */
  durable?: boolean;
  /** Where the removal of a stale lock is reported. */
  warn?: (message: string) => void;
  errors?: Partial<LockErrors>;
}

const defaultErrors: LockErrors = {
  conflict: (p) =>
    new AgentlogError('E_LOCK', `${p} cannot be made: a file or folder of a conflicting name is in the way, or its folder is missing`, { path: p }),
  busy: (lock, ageMs) =>
    new AgentlogError(
      'E_LOCK',
      `${lock.slice(0, -5)} is locked by ${lock} (made ${Math.round(ageMs / 1000)} s ago); if no git or agentlog process is changing it, delete the lock`,
      {
        lock,
      },
    ),
};

/** A held `<file>.lock`: commit() writes it and renames it over the file, release() gives it up. */
export class Lock {
  private fd: number | undefined;
  /** Until committed or released: after that the lock file may be another holder's. */
  private held = true;
  private readonly errors: LockErrors;

  private constructor(
    readonly file: string,
    readonly lockFile: string,
    fd: number,
    private readonly options: LockOptions,
  ) {
    this.fd = fd;
    this.errors = { ...defaultErrors, ...options.errors };
  }

  /** Take `<file>.lock`, waiting for another holder as `options` say (rule 4). */
  static async acquire(file: string, options: LockOptions = {}): Promise<Lock> {
    const lockFile = `${file}.lock`;
    const errors = { ...defaultErrors, ...options.errors };
    const waitMs = options.waitMs ?? LOCK_WAIT_MS;
    const staleMs = options.staleMs ?? STALE_LOCK_MS;
    const maxPollMs = options.maxPollMs ?? 20;
    const started = Date.now();
    let delay = options.pollMs ?? 0.2;
    for (;;) {
      const fd = tryCreate(lockFile, errors);
      if (fd !== undefined) return new Lock(file, lockFile, fd, options);
      const age = lockAge(lockFile);
      if (age === undefined) continue; // released meanwhile
      if (age > staleMs) {
        options.warn?.(`removing ${lockFile}: left ${Math.round(age / 1000)} s ago by a writer that is gone`);
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() - started > waitMs) throw errors.busy(lockFile, age, staleMs);
      await new Promise((r) => setTimeout(r, delay * (1 + Math.random())));
      delay = Math.min(delay * 2, maxPollMs);
    }
  }

  /** Take `<file>.lock` now or fail with `busy` (no waiting, no stale rule: for synchronous callers). */
  static acquireNow(file: string, options: LockOptions = {}): Lock {
    const lockFile = `${file}.lock`;
    const errors = { ...defaultErrors, ...options.errors };
    const fd = tryCreate(lockFile, errors);
    if (fd !== undefined) return new Lock(file, lockFile, fd, options);
    // Released meanwhile (no age): it was still busy a moment ago.
    throw errors.busy(lockFile, lockAge(lockFile) ?? 0, options.staleMs ?? STALE_LOCK_MS);
  }

  /** Write `content` into the lock and rename it over the file (rule 2); the lock is gone after, whatever happens. */
  commit(content: string): void {
    if (!this.held || this.fd === undefined) throw new AgentlogError('E_LOCK', `${this.lockFile} is no longer held`, { lock: this.lockFile });
    try {
      const bytes = Buffer.from(content, 'utf8');
      const written = fs.writeSync(this.fd, bytes);
      if (written !== bytes.length) {
        throw new AgentlogError('E_LOCK', `${this.lockFile}: only ${written} of ${bytes.length} bytes could be written (is the disk full?)`, {
          lock: this.lockFile,
        });
      }
      if (this.options.durable) fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = undefined;
      try {
        fs.renameSync(this.lockFile, this.file);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'ENOTEMPTY') throw this.errors.conflict(this.file);
        throw e;
      }
      this.held = false;
    } catch (e) {
      this.release();
      throw e;
    }
  }

  /** Give the lock up, the file unchanged (rule 3). Nothing happens once committed or released. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {
        /* already closed */
      }
      this.fd = undefined;
    }
    fs.rmSync(this.lockFile, { force: true });
  }
}

/** Create the lock exclusively: its fd, or undefined when another holder has it. */
function tryCreate(lockFile: string, errors: LockErrors): number | undefined {
  try {
    return fs.openSync(lockFile, 'wx');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EISDIR' || code === 'ENOENT') throw errors.conflict(lockFile);
    if (code !== 'EEXIST') throw e;
    return undefined;
  }
}

/**
 * The whole protocol around one change: take the lock, ask `content()` while it is held (undefined:
 * give up, nothing changes), write and rename. Returns whether the file was replaced.
 */
export async function withLock(file: string, options: LockOptions, content: () => string | undefined): Promise<boolean> {
  return commitOrRelease(await Lock.acquire(file, options), content);
}

/** withLock for synchronous callers: fails at once (`busy`) when the lock is held. */
export function withLockNow(file: string, options: LockOptions, content: () => string | undefined): boolean {
  return commitOrRelease(Lock.acquireNow(file, options), content);
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

/** How long ago `lockFile` was last written, in ms; undefined when it is gone. */
function lockAge(lockFile: string): number | undefined {
  try {
    return Date.now() - fs.statSync(lockFile).mtimeMs;
  } catch {
    return undefined;
  }
}
