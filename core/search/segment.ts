import * as fs from 'node:fs';
import * as path from 'node:path';
import MiniSearch, { type Options } from 'minisearch';
import type { Event } from '../event/event.js';
import { FIELDS, type CallNames, type Field, searchDoc } from './documents.js';
import { readChecked, VERSION, writeChecked } from './files.js';

/**
 * One segment of the index: the documents (documents.ts) of some events, in a folder `seg-…/`:
 * `docs.json`, what each document stands for and what the filters read, in columns (timeline id,
 * seq, ts, kind, role, tool names); `paths.json`, the paths a tool touched (read only for --file);
 * and SHARDS MiniSearch indexes, `sNN.json`, each holding the words whose hash falls in it. A word is
 * looked for in its shard only, so a query loads the shards of its words and the columns, not the
 * whole segment: a query's memory and time follow what it asks, and one segment is loaded at a time.
 * The words are MiniSearch's tokens (its default tokenizer, lowercased), cut up once when a document
 * is added; a shard scores its words by BM25 against its own field lengths, which are the document's
 * scaled by about 1/SHARDS, as every other document's are.
 */
export const SHARDS = 32;
/** Words longer than this (hashes, base64, minified code) are not indexed. */
const MAX_TERM = 48;

const tokenizeText = MiniSearch.getDefault('tokenize') as (text: string) => string[];

/** A text's words as the index holds them. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const t of tokenizeText(text)) if (t !== '' && t.length <= MAX_TERM) out.push(t.toLowerCase());
  return out;
}

/** The shard of a word (FNV-1a). */
export function shardOf(term: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < term.length; i++) h = Math.imul(h ^ term.charCodeAt(i), 0x01000193);
  return (h >>> 0) % SHARDS;
}

/** Within a shard the fields hold words already cut up, space-separated. */
const SHARD_OPTIONS: Options = {
  fields: [...FIELDS],
  tokenize: (text) => text.split(' '),
  processTerm: (term) => (term === '' ? null : term),
};

/** A segment's columns: document i is event `s[i]` of timeline `t[i]`. */
export interface Columns {
  t: number[];
  s: number[];
  ts: number[];
  k: string[];
  r: string[];
  /** Tool names, lowercased, space-separated. */
  o: string[];
  /** The shards that hold words. */
  shards: number[];
}

/** A segment being filled. */
export class SegmentBuilder {
  private readonly shards: (MiniSearch | undefined)[] = new Array(SHARDS);
  private readonly cols: Columns = { t: [], s: [], ts: [], k: [], r: [], o: [], shards: [] };
  private readonly paths: string[] = [];
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
    const id = this.docs++;
    this.cols.t.push(tid);
    this.cols.s.push(e.seq);
    this.cols.ts.push(e.ts);
    this.cols.k.push(doc.kind);
    this.cols.r.push(doc.role);
    this.cols.o.push(doc.tools);
    this.paths.push(doc.path);
    const byShard = new Map<number, Partial<Record<Field, string[]>>>();
    for (const f of FIELDS) {
      this.chars += doc[f].length;
      for (const t of terms(doc[f])) {
        const k = shardOf(t);
        let fields = byShard.get(k);
        if (!fields) {
          fields = {};
          byShard.set(k, fields);
        }
        const list = fields[f] ?? [];
        list.push(t);
        fields[f] = list;
      }
    }
    for (const [k, fields] of byShard) {
      let shard = this.shards[k];
      if (!shard) {
        shard = new MiniSearch(SHARD_OPTIONS);
        this.shards[k] = shard;
      }
      const record: Record<string, unknown> = { id };
      for (const f of FIELDS) record[f] = fields[f]?.join(' ') ?? '';
      shard.add(record);
    }
  }

  get empty(): boolean {
    return this.ranges.length === 0;
  }

  /** Write it as a new folder in `dir`; returns the folder's name. */
  save(dir: string): string {
    const name = `seg-${Date.now().toString(36)}-${process.pid.toString(36)}-${(made++).toString(36)}`;
    const folder = path.join(dir, name);
    fs.mkdirSync(folder, { recursive: true });
    const shards: number[] = [];
    this.shards.forEach((shard, k) => {
      if (!shard) return;
      shards.push(k);
      writeChecked(path.join(folder, shardFile(k)), JSON.stringify({ v: VERSION, index: shard }));
    });
    writeChecked(path.join(folder, 'paths.json'), JSON.stringify({ v: VERSION, paths: this.paths }));
    // The columns last: a folder without them is one a writer did not finish.
    writeChecked(path.join(folder, 'docs.json'), JSON.stringify({ v: VERSION, ...this.cols, shards }));
    return name;
  }
}

let made = 0;

function shardFile(k: number): string {
  return `s${String(k).padStart(2, '0')}.json`;
}

const isNums = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => Number.isSafeInteger(x));
const isStrs = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** A segment as a query reads it: its columns at once, a shard and the paths when asked. Undefined from any of them: damaged. */
export class SegmentReader {
  private constructor(
    private readonly folder: string,
    readonly cols: Columns,
  ) {}

  static open(dir: string, name: string): SegmentReader | undefined {
    const body = readChecked(path.join(dir, name, 'docs.json')) as Record<string, unknown> | undefined;
    if (!body || body.v !== VERSION) return undefined;
    const { t, s, ts, k, r, o, shards } = body;
    if (!isNums(t) || !isNums(s) || !isNums(ts) || !isStrs(k) || !isStrs(r) || !isStrs(o) || !isNums(shards)) return undefined;
    const n = t.length;
    if (![s, ts, k, r, o].every((c) => c.length === n)) return undefined;
    return new SegmentReader(path.join(dir, name), { t, s, ts, k, r, o, shards });
  }

  /** Shard k's index: null when no document has a word in it, undefined when it cannot be read. */
  shard(k: number): MiniSearch | null | undefined {
    if (!this.cols.shards.includes(k)) return null;
    const body = readChecked(path.join(this.folder, shardFile(k))) as { v?: unknown; index?: unknown } | undefined;
    if (!body || body.v !== VERSION || typeof body.index !== 'object' || body.index === null) return undefined;
    try {
      return MiniSearch.loadJS(body.index as Parameters<typeof MiniSearch.loadJS>[0], SHARD_OPTIONS);
    } catch {
      return undefined;
    }
  }

  paths(): string[] | undefined {
    const body = readChecked(path.join(this.folder, 'paths.json')) as { v?: unknown; paths?: unknown } | undefined;
    if (!body || body.v !== VERSION || !isStrs(body.paths) || body.paths.length !== this.cols.t.length) return undefined;
    return body.paths;
  }
}
