import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDir, fsyncFd, ioError, writeAll } from './fsio.js';

/**
 * git's reflog of a ref, `logs/<ref>` in the git dir: one line per move, `<old> <new> <who> <when>
 * <tz>\t<message>`, oldest first. agentlog writes one only where a person asked for a ref to go or
 * change name (agentlog delete, rename, undelete): an append moves a branch without a line, as
 * before. A line whose new id is all zeros records a deletion; its old id is the tip that was, and
 * git gc keeps the commits a reflog names (until gc.reflogExpireUnreachable, 30 days by default),
 * even when the ref itself is gone.
 */

export const ZERO_OID = '0'.repeat(40);
const OID = /^[0-9a-f]{40}$/;
/** How much of a reflog's end is read (a deletion is among its last lines). */
const TAIL_BYTES = 1 << 20;
const WHO = 'agentlog <agentlog@localhost>';

export interface ReflogEntry {
  old: string;
  next: string;
  /** Seconds since the epoch. */
  time: number;
  message: string;
}

export function reflogFile(gitDir: string, ref: string): string {
  return path.join(gitDir, 'logs', ref);
}

/**
 * Append a line to the reflog of `ref` (a name already checked), durably: the byte count checked, the
 * file and, when it is new, its folder fsynced. Callers that need the line (a deletion) write it under
 * the ref's lock before they move the ref, so that a crash never loses the tip without its record.
 */
export function appendReflog(gitDir: string, ref: string, entry: { old: string; next: string; nowMs: number; message: string }): void {
  const file = reflogFile(gitDir, ref);
  const message = entry.message.replace(/[\x00-\x1f\x7f]+/g, ' ');
  const line = `${entry.old} ${entry.next} ${WHO} ${Math.floor(entry.nowMs / 1000)} +0000\t${message}\n`;
  const existed = fs.existsSync(file);
  let fd: number;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fd = fs.openSync(file, 'a', 0o644);
  } catch (e) {
    throw ioError(e, 'write the reflog', file);
  }
  try {
    writeAll(fd, [Buffer.from(line, 'utf8')], file);
    fsyncFd(fd, file);
  } finally {
    fs.closeSync(fd);
  }
  if (!existed) fsyncDir(path.dirname(file));
}

/** The reflog of `ref`, oldest first (its last TAIL_BYTES only); lines that do not parse are left out. */
export function readReflog(gitDir: string, ref: string): ReflogEntry[] {
  const file = reflogFile(gitDir, ref);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return [];
    throw ioError(e, 'read the reflog', file);
  }
  let text: string;
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return [];
    const len = Math.min(st.size, TAIL_BYTES);
    const buf = Buffer.alloc(len);
    const n = fs.readSync(fd, buf, 0, len, st.size - len);
    text = buf.subarray(0, n).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
  const out: ReflogEntry[] = [];
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    const head = tab < 0 ? line : line.slice(0, tab);
    const old = head.slice(0, 40);
    const next = head.slice(41, 81);
    if (!OID.test(old) || !OID.test(next) || head[40] !== ' ') continue;
    const when = /> (\d{1,15}) [+-]\d{4}$/.exec(head);
    out.push({ old, next, time: when ? Number(when[1]) : 0, message: tab < 0 ? '' : line.slice(tab + 1) });
  }
  return out;
}
