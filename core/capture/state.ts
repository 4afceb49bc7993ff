import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ClaudeWalk } from './claudeWalk.js';

/**
 * What capture remembers about one session file between hooks, in `.git/agentlog/capture/`: derived,
 * rebuildable, never needed for correctness. A later capture trusts it only when the file still
 * starts with the same bytes (`head`), still holds the same bytes just before `offset` (`tail`), and
 * the timeline's tip is still `tip`; otherwise the file is imported whole and the state made again.
 */
export interface FileState {
  v: 2;
  format: 'claude' | 'codex';
  file: string;
  /** Size and mtime when last captured: a file with both unchanged is skipped without reading it. */
  size: number;
  mtimeMs: number;
  /** Bytes of complete lines imported (a partial last line is left for the next capture). */
  offset: number;
  /** How many lines those bytes hold (the next line's number is lineCount + 1). */
  lineCount: number;
  /** SHA-256 of the first HEAD_BYTES bytes and of the TAIL_BYTES bytes before `offset`. */
  head: string;
  tail: string;
  /**
   * The timeline the file's records extend, when each new line can be appended on its own (the file
   * only grows along one path); undefined when the file must be imported whole each time it changes.
   */
  timeline?: string;
  /** Its tip, seq and the `ts` of its last event (records without a time take the one before). */
  tip?: string;
  seq?: number;
  lastTs?: number;
  /** Claude Code: where the record tree stands (claudeWalk.ts). */
  walk?: ClaudeWalk;
}

export const HEAD_BYTES = 4096;
export const TAIL_BYTES = 4096;

/** The folder of capture's state and log: `<git dir>/agentlog/capture`. */
export function captureDir(gitDir: string): string {
  return path.join(gitDir, 'agentlog', 'capture');
}

function stateFile(gitDir: string, file: string): string {
  return path.join(captureDir(gitDir), `${createHash('sha256').update(path.resolve(file)).digest('hex').slice(0, 32)}.json`);
}

/** The state of `file`, or undefined when there is none or it does not read back as one. */
export function readState(gitDir: string, file: string): FileState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(stateFile(gitDir, file), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const s = JSON.parse(text) as FileState;
    const ok =
      s &&
      s.v === 2 &&
      s.file === path.resolve(file) &&
      Number.isSafeInteger(s.size) &&
      Number.isSafeInteger(s.offset) &&
      Number.isSafeInteger(s.lineCount) &&
      typeof s.head === 'string' &&
      typeof s.tail === 'string';
    return ok ? s : undefined;
  } catch {
    return undefined; // a torn or foreign file: derived state, made again
  }
}

/** Write the state of a file atomically (a temporary file renamed over it): a reader sees old or new. */
export function writeState(gitDir: string, state: FileState): void {
  const target = stateFile(gitDir, state.file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.${Math.floor(performance.now() * 1000)}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state));
  fs.renameSync(tmp, target);
}

/** The SHA-256 (hex) of `length` bytes of an open file from `position`. */
export function hashRange(fd: number, position: number, length: number): string {
  const buf = Buffer.alloc(length);
  let off = 0;
  while (off < length) {
    const got = fs.readSync(fd, buf, off, length - off, position + off);
    if (got === 0) break;
    off += got;
  }
  return createHash('sha256').update(buf.subarray(0, off)).digest('hex');
}

/** The identity of a file's first `offset` bytes: hashes of its head and of the bytes before `offset`. */
export function prefixIdentity(fd: number, offset: number): { head: string; tail: string } {
  const head = Math.min(HEAD_BYTES, offset);
  const tail = Math.min(TAIL_BYTES, offset);
  return { head: hashRange(fd, 0, head), tail: hashRange(fd, offset - tail, tail) };
}
