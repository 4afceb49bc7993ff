// The workspace folder the tools are confined to: a path the model names is resolved inside it, through
// symlinks and `..`, or refused; file hashes (what recovery compares); whole-file writes that are atomic.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDir, removeQuietly, writeNewFile } from '../git/fsio.js';

/** A tool's failure the model is told about (as an is_error tool result), never a crash of the loop. */
export class ToolError extends Error {}

export class Workspace {
  /** The real path of the folder (symlinks resolved). */
  readonly root: string;
  constructor(dir: string) {
    let real: string;
    try {
      real = fs.realpathSync(dir);
    } catch {
      throw new ToolError(`the workspace ${dir} does not exist`);
    }
    if (!fs.statSync(real).isDirectory()) throw new ToolError(`the workspace ${dir} is not a folder`);
    this.root = real;
  }

  /** `p` (relative to the workspace, or absolute) as a real path inside it; a ToolError when it leads outside. */
  resolve(p: unknown): string {
    if (typeof p !== 'string' || p === '') throw new ToolError('give a path (a string, relative to the workspace)');
    if (p.includes('\0')) throw new ToolError('a path cannot hold a NUL character');
    const abs = path.resolve(this.root, p);
    const rest: string[] = [];
    let cur = abs;
    for (;;) {
      let st: fs.Stats | undefined;
      try {
        st = fs.lstatSync(cur);
      } catch {
        st = undefined;
      }
      if (st) break;
      const up = path.dirname(cur);
      if (up === cur) break;
      rest.unshift(path.basename(cur));
      cur = up;
    }
    let real: string;
    try {
      real = fs.realpathSync(cur);
    } catch {
      throw new ToolError(`${p}: a symlink whose target does not exist`);
    }
    const full = rest.length ? path.join(real, ...rest) : real;
    if (full !== this.root && !full.startsWith(this.root + path.sep)) {
      throw new ToolError(`${p}: outside the workspace ${this.root} (refused; tools only reach files inside it)`);
    }
    return full;
  }

  /** The path as the model should read it: relative to the workspace. */
  show(full: string): string {
    return path.relative(this.root, full) || '.';
  }
}

/** The SHA-256 of a file's bytes in hex, or null when there is no such file. */
export function fileHash(file: string): string | null {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return null;
  }
}

export function textHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Replace a file's content whole: a temporary file beside it, written and fsynced, then renamed over it
 * (and the folder fsynced). A crash leaves the old content or the new one, never a mix.
 */
export function writeAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let mode = 0o644;
  try {
    mode = fs.statSync(file).mode & 0o777;
  } catch {
    /* a new file */
  }
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.agentlog-${process.pid}.tmp`);
  removeQuietly(tmp);
  writeNewFile(tmp, [Buffer.from(text, 'utf8')], { exclusive: true, sync: true, mode });
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    removeQuietly(tmp);
    throw e;
  }
  fsyncDir(path.dirname(file));
}
