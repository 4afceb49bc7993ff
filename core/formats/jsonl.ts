import * as fs from 'node:fs';
import { dateOf } from '../event/event.js';
import { isZstd, readZstd } from './zstd.js';

/** One parsed line of a JSONL session file; `line` counts from 1 as an editor shows it. */
export interface JsonLine {
  line: number;
  value: Record<string, unknown>;
}

export interface ReadOptions {
  /** Lines longer than this many bytes are skipped with a warning (default 64 MiB). */
  maxLineBytes?: number;
  /**
   * Follow mode: a last line without its newline is being written right now; leave it for the next
   * read instead of warning about it.
   */
  partialTail?: boolean;
  /**
   * Follow mode: what earlier reads of each file parsed. A file that only grew since (the bytes
   * before where the last read stopped are still there) is parsed from there on, not again whole.
   */
  reuse?: Map<string, ParsedPrefix>;
  /** A compressed file (`.zst`) that decompresses to more bytes than this is skipped with a warning (default 1 GiB). */
  maxDecompressedBytes?: number;
}

/** What one read of a file parsed: its records up to `bytes`, and the bytes just before that point. */
export interface ParsedPrefix {
  bytes: number;
  lineCount: number;
  lines: JsonLine[];
  tail: Buffer;
}

const TAIL = 64;

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

/** A session file that cannot be read at all (a compressed file over the limit, not zstd): import warns and goes on. */
export class UnreadableFile extends Error {
  constructor(
    readonly file: string,
    readonly why: string,
  ) {
    super(`${file}: ${why}`);
  }
}

/** A warning about the input, naming file and line: import goes on without that record. */
export interface ImportWarning {
  file: string;
  line?: number;
  message: string;
}

/**
 * Read a JSONL file: one JSON object per line. A line that is not JSON, not an object, too long, or a
 * truncated last line is skipped with a warning naming the file and line; the rest is read. A `.zst`
 * file is decompressed first (zstd.ts: bounded; a file over the limit or not zstd is UnreadableFile); it is
 * whole as it is (an agent compresses a finished file), so follow mode reads it whole.
 * Returns the records and the number of bytes consumed (the tail left for follow mode excluded).
 */
export function readJsonl(file: string, warn: (w: ImportWarning) => void, options: ReadOptions = {}): { lines: JsonLine[]; bytes: number } {
  if (isZstd(file)) {
    const read = readZstd(file, options.maxDecompressedBytes);
    if (!read.ok) throw new UnreadableFile(file, read.why);
    return parseLines(file, read.bytes, warn, { maxLineBytes: options.maxLineBytes });
  }
  return parseLines(file, undefined, warn, options);
}

/** readJsonl over `whole` (or the file's bytes when undefined). */
function parseLines(file: string, whole: Buffer | undefined, warn: (w: ImportWarning) => void, options: ReadOptions): { lines: JsonLine[]; bytes: number } {
  const prior = whole ? undefined : options.reuse?.get(file);
  const grown = prior && readGrown(file, prior);
  // With a prior read the file only grew since: `buf` is what is new, from byte `base` on.
  const buf = whole ?? grown ?? fs.readFileSync(file);
  const base = grown ? prior!.bytes : 0;
  const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const lines: JsonLine[] = grown ? prior!.lines.slice() : [];
  let start = 0;
  let n = grown ? prior!.lineCount : 0;
  let consumed = 0;
  let consumedLines = n;
  while (start < buf.length) {
    let end = buf.indexOf(0x0a, start);
    const complete = end !== -1;
    if (!complete) end = buf.length;
    n++;
    if (!complete && options.partialTail) break;
    consumed = complete ? end + 1 : end;
    consumedLines = n;
    const length = end - start;
    if (length > max) {
      warn({ file, line: n, message: `line is ${length} bytes, over the limit of ${max}; skipped` });
    } else {
      const text = buf.toString('utf8', start, end).replace(/\r$/, '');
      if (text.trim() !== '') {
        let value: unknown;
        let ok = true;
        try {
          value = JSON.parse(text);
        } catch (e) {
          ok = false;
          const why = complete ? `not valid JSON (${(e as Error).message})` : 'truncated: the file ends inside this line';
          warn({ file, line: n, message: `${why}; skipped` });
        }
        if (ok) {
          if (value === null || typeof value !== 'object' || Array.isArray(value)) {
            warn({ file, line: n, message: 'not a JSON object; skipped' });
          } else if (EXPONENT.test(text) && hasInfinity(value)) {
            warn({ file, line: n, message: 'holds a number too large for a 64-bit float (JSON.parse made it Infinity, which no event can hold); skipped' });
          } else {
            lines.push({ line: n, value: value as Record<string, unknown> });
          }
        }
      }
    }
    start = end + 1;
  }
  if (options.reuse) {
    const tail = Buffer.concat([grown ? prior!.tail : Buffer.alloc(0), buf.subarray(0, consumed)]);
    options.reuse.set(file, { bytes: base + consumed, lineCount: consumedLines, lines, tail: Buffer.from(tail.subarray(Math.max(0, tail.length - TAIL))) });
    return { lines: lines.slice(), bytes: base + consumed };
  }
  return { lines, bytes: base + consumed };
}

/** A JSON exponent of three digits or more: only a line with one can hold a number that parses to ±Infinity. */
const EXPONENT = /[eE]\+?\d{3}/;

/**
 * Whether a parsed JSON value holds ±Infinity (a literal like 1e400). Such a line used to be planned,
 * then failed the whole file's import at encode time (DAG-CBOR has no Infinity) with an error naming
 * neither file nor line. Found by test/hostile/fuzz-jsonl.test.ts.
 */
function hasInfinity(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (v === null || typeof v !== 'object') return false;
  for (const x of Object.values(v)) if (hasInfinity(x)) return true;
  return false;
}

/**
 * The bytes of `file` past what `prior` read, when the file still holds the bytes just before that
 * point (it grew, as an agent's session file does); undefined when it shrank or changed (read it whole).
 */
function readGrown(file: string, prior: ParsedPrefix): Buffer | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size < prior.bytes) return undefined;
    const tail = Buffer.alloc(prior.tail.length);
    if (fs.readSync(fd, tail, 0, tail.length, prior.bytes - tail.length) !== tail.length || !tail.equals(prior.tail)) return undefined;
    const out = Buffer.alloc(size - prior.bytes);
    let off = 0;
    while (off < out.length) {
      const got = fs.readSync(fd, out, off, out.length - off, prior.bytes + off);
      if (got === 0) break;
      off += got;
    }
    return out.subarray(0, off);
  } finally {
    fs.closeSync(fd);
  }
}

/** Milliseconds since the epoch from an ISO timestamp, or undefined. */
export function parseTs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : undefined;
}

/** An ISO timestamp, as the agents write them, from milliseconds since the epoch (parseTs backwards). */
export function isoTs(ts: number): string {
  return dateOf(ts).toISOString();
}

/** Deep equality of JSON-like values (key order ignored; bigint and number compared by value). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    return (typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number') && Number(a) === Number(b);
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.from(a).equals(Buffer.from(b));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k)) return false;
    if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** A value read back from DAG-CBOR made plain JSON again (bigints to numbers). */
export function toJson(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJson(v);
    return out;
  }
  return value;
}
