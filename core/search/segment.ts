import * as path from 'node:path';
import MiniSearch, { type Options } from 'minisearch';
import type { Event } from '../event/event.js';
import { FIELDS, type CallNames, searchDoc } from './documents.js';
import { readChecked, VERSION, writeChecked } from './files.js';

/**
 * One segment of the index: a MiniSearch index of some events' documents (documents.ts), each with
 * the timeline id and seq it stands for and what the filters read (stored fields). A query loads one
 * segment at a time, so memory holds one segment, never the whole index.
 */

/** What a document stores beside its words: timeline id, seq, ts, kind, role, tool names, paths. */
export interface Stored {
  t: number;
  s: number;
  ts: number;
  k: string;
  r: string;
  o: string;
  p: string;
}

/** Words longer than this (hashes, base64, minified code) are not indexed. */
const MAX_TERM = 48;

export const OPTIONS: Options = {
  fields: [...FIELDS],
  storeFields: ['t', 's', 'ts', 'k', 'r', 'o', 'p'],
  processTerm: (term) => (term.length > MAX_TERM ? null : term.toLowerCase()),
};

/** A segment being filled. */
export class SegmentBuilder {
  readonly index = new MiniSearch(OPTIONS);
  docs = 0;
  chars = 0;
  readonly ranges: [number, number, number][] = [];

  /** Add event `e` of timeline `tid` (nothing for an event with no words: documents.ts). */
  add(tid: number, e: Event, calls: CallNames): void {
    const last = this.ranges[this.ranges.length - 1];
    if (last && last[0] === tid && last[2] === e.seq) last[2] = e.seq + 1;
    else this.ranges.push([tid, e.seq, e.seq + 1]);
    const doc = searchDoc(e, calls);
    if (!doc) return;
    this.index.add({ id: this.docs, ...doc, t: tid, s: e.seq, ts: e.ts, k: doc.kind, r: doc.role, o: doc.tools, p: doc.path });
    this.docs++;
    this.chars += doc.text.length + doc.thinking.length + doc.tool.length + doc.output.length + doc.path.length;
  }

  get empty(): boolean {
    return this.ranges.length === 0;
  }

  /** Write it as a new file in `dir`; returns the file's name. */
  save(dir: string): string {
    const file = `seg-${Date.now().toString(36)}-${process.pid.toString(36)}-${(seq++).toString(36)}.json`;
    writeChecked(path.join(dir, file), JSON.stringify({ v: VERSION, index: this.index }));
    return file;
  }
}

let seq = 0;

/** A segment file's index, or undefined when it is missing or damaged. */
export function loadSegment(dir: string, file: string): MiniSearch | undefined {
  const body = readChecked(path.join(dir, file)) as { v?: unknown; index?: unknown } | undefined;
  if (!body || body.v !== VERSION || typeof body.index !== 'object' || body.index === null) return undefined;
  try {
    return MiniSearch.loadJS(body.index as Parameters<typeof MiniSearch.loadJS>[0], OPTIONS);
  } catch {
    return undefined;
  }
}
