import * as fs from 'node:fs';
import { readCheckedJson, writeCheckedText } from '../store/checkedJson.js';
import * as path from 'node:path';
import { removeQuietly, staleTemp, TEMP_MAX_AGE_MS } from '../git/fsio.js';

/**
 * The search index's files in `.git/agentlog/search/`: `manifest.json` (which timelines are indexed
 * up to which commit, and which segments hold them) and a folder per segment, `seg-…` (segment.ts). Every file is a JSON body, a newline and the CRC-32 of the body in hex, written through a
 * temporary file and a rename; a file that is missing, too big, damaged or of another version reads
 * as undefined, and the caller rebuilds (the index is derived, I14: deleting the folder is always safe).
 */
export const VERSION = 2;
/** A file larger than this is not read: a segment holds at most SEGMENT_CHARS of text (update.ts). */
const MAX_FILE = 512 << 20;

export function searchDir(commonDir: string): string {
  return path.join(commonDir, 'agentlog', 'search');
}

/** One indexed timeline. */
export interface TimelineEntry {
  /** The number its documents carry; a timeline indexed again gets a new one. */
  id: number;
  tip: string;
  /** Events indexed: the timeline's length at `tip`. */
  n: number;
  /** Its genesis event's CID (the session), to find the timeline a new one forked from. */
  g: string;
  /** Events below `upto` are the documents of timeline `id` (the one it forked from), not its own. */
  base?: { id: number; upto: number };
}

/** One segment (its folder's name): its documents' count, their characters, and which events they are. */
export interface SegmentEntry {
  file: string;
  docs: number;
  chars: number;
  /** [timeline id, first seq, last seq + 1]. */
  ranges: [number, number, number][];
}

export interface Manifest {
  v: number;
  next: number;
  timelines: Record<string, TimelineEntry>;
  segments: SegmentEntry[];
}

export function emptyManifest(): Manifest {
  return { v: VERSION, next: 1, timelines: {}, segments: [] };
}

/** The body of a checked file (store/checkedJson.ts), parsed; undefined when missing, too big, damaged or not JSON. */
export function readChecked(file: string): unknown {
  return readCheckedJson(file, MAX_FILE);
}

/** Write a checked file whole (temporary file, byte count checked, rename). Throws on failure. */
export const writeChecked = writeCheckedText;

export function readManifest(dir: string): Manifest | undefined {
  const m = readChecked(path.join(dir, 'manifest.json'));
  if (!isObject(m) || m.v !== VERSION || !Number.isSafeInteger(m.next) || !isObject(m.timelines) || !Array.isArray(m.segments)) return undefined;
  for (const [name, e] of Object.entries(m.timelines)) {
    if (!isTimelineEntry(e) || name === '') return undefined;
  }
  for (const s of m.segments) if (!isSegmentEntry(s)) return undefined;
  return m as unknown as Manifest;
}

export function writeManifest(dir: string, m: Manifest): void {
  writeChecked(path.join(dir, 'manifest.json'), JSON.stringify(m));
}

/**
 * Remove segment files no manifest names: those `drop` lists (the writer just replaced them), and any
 * other not in `keep` and older than ten minutes (a writer that lost a race, or was killed), with
 * temporary files that a killed writer left.
 */
export function removeUnused(dir: string, keep: ReadonlySet<string>, drop: Iterable<string>): void {
  for (const f of drop) if (!keep.has(f)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const f of names) {
    const file = path.join(dir, f);
    const tmp = /\.(\d+)\.tmp$/.exec(f);
    if (tmp) {
      if (staleTemp(file, Number(tmp[1]), TEMP_MAX_AGE_MS)) removeQuietly(file);
    } else if (/^seg-[0-9a-z-]+$/.test(f) && !keep.has(f) && staleTemp(file, undefined, TEMP_MAX_AGE_MS)) fs.rmSync(file, { recursive: true, force: true });
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const nat = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;

function isTimelineEntry(e: unknown): e is TimelineEntry {
  return (
    isObject(e) &&
    nat(e.id) &&
    typeof e.tip === 'string' &&
    /^[0-9a-f]{40}$/.test(e.tip) &&
    nat(e.n) &&
    typeof e.g === 'string' &&
    (e.base === undefined || (isObject(e.base) && nat(e.base.id) && nat(e.base.upto)))
  );
}

function isSegmentEntry(s: unknown): s is SegmentEntry {
  return (
    isObject(s) &&
    typeof s.file === 'string' &&
    /^seg-[0-9a-z-]+$/.test(s.file) &&
    nat(s.docs) &&
    nat(s.chars) &&
    Array.isArray(s.ranges) &&
    s.ranges.every((r) => Array.isArray(r) && r.length === 3 && r.every(nat))
  );
}
