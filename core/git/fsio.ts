import * as fs from 'node:fs';
import * as os from 'node:os';
import { AgentlogError, isAgentlogError } from '../errors.js';

/**
 * Checked file I/O for the write path: every write's byte count is checked (a short write is
 * continued, a write that makes no progress is an error), fsyncs are explicit, and an errno from the
 * file system becomes an E_IO AgentlogError naming the file and what to do. A write can come back
 * short when a file-size limit (`ulimit -f`) or a disk filling up stops it part-way: unchecked, the
 * file is published truncated.
 */

/** What to tell a person for each errno the write path meets. */
const ADVICE: Record<string, string> = {
  ENOSPC: 'the disk is full: free space and retry',
  EDQUOT: 'the disk quota is used up: free space or raise the quota, and retry',
  EFBIG: "the file would pass the file-size limit (ulimit -f) or the file system's largest file: raise the limit or free space, and retry",
  EIO: 'the disk reported an I/O error: check the disk (dmesg), then run agentlog verify',
  EACCES: 'permission denied: make the store writable by this user, and retry',
  EPERM: 'operation not permitted: make the store writable by this user, and retry',
  EROFS: 'the file system is read-only: remount it read-write, and retry',
  ENOTDIR: 'a file is in the way of a folder on its path: move it away, and retry',
  EEXIST: 'a file is in the way of a folder on its path: move it away, and retry',
  EISDIR: 'a folder is in the way of the file: move it away, and retry',
  EMFILE: 'too many open files: raise the limit (ulimit -n), and retry',
  ENFILE: 'too many open files on the system: retry later',
};

/**
 * `e` as an E_IO AgentlogError when it is an errno error (`doing`: e.g. 'write', 'create'); an
 * AgentlogError or anything else is returned as it is.
 */
export function ioError(e: unknown, doing: string, file: string): unknown {
  if (isAgentlogError(e)) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return e;
  const advice = ADVICE[code] ?? `${(e as Error).message}: retry, and if it persists check the disk`;
  return new AgentlogError('E_IO', `cannot ${doing} ${file}: ${advice} (${code})`, { file, errno: code });
}

/**
 * Write every byte of `parts` to `fd` at its current position: one writev, then whatever it left,
 * piece by piece. A write that makes no progress (0 bytes) or fails is an E_IO error naming `file`.
 */
export function writeAll(fd: number, parts: readonly Uint8Array[], file: string): void {
  let total = 0;
  for (const p of parts) total += p.length;
  let done: number;
  try {
    done = parts.length === 1 ? fs.writeSync(fd, parts[0]) : fs.writevSync(fd, parts as Uint8Array[]);
  } catch (e) {
    throw ioError(e, 'write', file);
  }
  if (done === total) return;
  let skip = done;
  for (const p of parts) {
    if (skip >= p.length) {
      skip -= p.length;
      continue;
    }
    let off = skip;
    skip = 0;
    while (off < p.length) {
      let n: number;
      try {
        n = fs.writeSync(fd, p, off, p.length - off);
      } catch (e) {
        throw ioError(e, 'write', file);
      }
      if (n <= 0) throw shortWrite(file, done, total);
      off += n;
      done += n;
    }
  }
}

function shortWrite(file: string, done: number, total: number): AgentlogError {
  return new AgentlogError(
    'E_IO',
    `cannot write ${file}: only ${done} of ${total} bytes could be written (the disk is full or a file-size limit was reached): free space, and retry`,
    { file, errno: 'ENOSPC' },
  );
}

/** fsync an open file; an error is E_IO naming it. */
export function fsyncFd(fd: number, file: string): void {
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    throw ioError(e, 'flush', file);
  }
}

/**
 * fsync a folder, so that renames and creations in it survive a power cut (POSIX orders nothing
 * about directory entries without it). File systems that cannot fsync a folder (EINVAL, EISDIR on
 * some platforms) make it a no-op, as git does.
 */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch (e) {
    throw ioError(e, 'open', dir);
  }
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw ioError(e, 'flush', dir);
  } finally {
    fs.closeSync(fd);
  }
}

/** Write a whole new file `file` (exclusive create when `exclusive`), checked, fsynced when `sync`; removed again when a write fails. */
export function writeNewFile(file: string, parts: readonly Uint8Array[], options: { exclusive?: boolean; sync?: boolean; mode?: number } = {}): void {
  let fd: number;
  try {
    fd = fs.openSync(file, options.exclusive ? 'wx' : 'w', options.mode ?? 0o444);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw e;
    throw ioError(e, 'create', file);
  }
  try {
    writeAll(fd, parts, file);
    if (options.sync) fsyncFd(fd, file);
  } catch (e) {
    fs.closeSync(fd);
    removeQuietly(file); // this call made it: nothing half-written stays behind
    throw e;
  }
  fs.closeSync(fd);
}

/** Remove a file, ignoring any error: for cleanups that must not hide the error that caused them. */
export function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    /* best effort */
  }
}

/** Whether process `pid` is alive on this machine (EPERM: alive, another user's). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A temporary file another process left is stale, and safe to remove, when the process that made it
 * (its `pid`, on this host) is gone, or when it is older than `maxAgeMs` whoever made it (a pid
 * reused, another host sharing the folder): live writers finish in milliseconds.
 */
export function staleTemp(file: string, pid: number | undefined, maxAgeMs: number, host?: string): boolean {
  let age: number;
  try {
    age = Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return false;
  }
  if (age > maxAgeMs) return true;
  if (pid === undefined || pid === process.pid) return false;
  if (host !== undefined && host !== os.hostname()) return false;
  return !pidAlive(pid);
}

/** The content of a .keep agentlog writes: who keeps the pack, so a sweep can tell a dead writer's. */
export function keepNote(): string {
  return `agentlog ${process.pid} on ${os.hostname()}\n`;
}

/** The pid and host of an agentlog .keep note; undefined when someone else (git, a user) wrote it. */
export function parseKeepNote(text: string): { pid: number; host: string } | undefined {
  const m = /^agentlog (\d{1,10}) on ([^\n]{0,255})\n$/.exec(text);
  return m ? { pid: Number(m[1]), host: m[2] } : undefined;
}

export const TEMP_MAX_AGE_MS = 10 * 60_000;
