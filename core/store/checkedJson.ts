import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { removeQuietly, writeNewFile } from '../git/fsio.js';

/**
 * A derived JSON file under `.git/agentlog/` (I14) with its own check: the JSON body, a newline, the
 * CRC-32 of the body in hex. Read: the body parsed, or undefined when the file is missing, larger
 * than `maxBytes`, damaged or not JSON (the caller then rebuilds: such files are never authoritative).
 * Write: whole, through a temporary file and a rename; a write that fails changes nothing and throws
 * nothing (the next reader rebuilds). Used by the verify marks, the secrets scan's marks and the search index's files.
 */
export function readCheckedJson(file: string, maxBytes: number): unknown {
  let text: string;
  try {
    if (fs.statSync(file).size > maxBytes) return undefined;
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const nl = text.lastIndexOf('\n');
  if (nl < 0 || (crc32(text.slice(0, nl)) >>> 0).toString(16) !== text.slice(nl + 1)) return undefined;
  try {
    return JSON.parse(text.slice(0, nl));
  } catch {
    return undefined;
  }
}

/** Write `body` (JSON text) whole with its check; throws when the write fails (the temporary file removed). */
export function writeCheckedText(file: string, body: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeNewFile(tmp, [Buffer.from(`${body}\n${(crc32(body) >>> 0).toString(16)}`)], { mode: 0o644 });
    fs.renameSync(tmp, file);
  } catch (e) {
    removeQuietly(tmp);
    throw e;
  }
}

/** writeCheckedText of `value`, for marks: a write that fails changes nothing and throws nothing. */
export function writeCheckedJson(file: string, value: unknown): void {
  try {
    writeCheckedText(file, JSON.stringify(value));
  } catch {
    // the next reader rebuilds
  }
}
