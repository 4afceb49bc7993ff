import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { decode } from '../codec/dagcborDecode.js';
import { checkEvent, type Event } from '../event/event.js';
import { removeQuietly, writeNewFile } from '../git/fsio.js';
import { eventBlobs } from './readEvents.js';
import { eventFromBlob } from './readObject.js';
import type { StoreContext } from './types.js';

/**
 * A derived index (I14) of what listing timelines needs of each one, so that `ls` and the editor's
 * sessions view read the refs and this one file, not the packs: per tip commit, the timeline's
 * length, its genesis event (bytes) and its tip event's CID and ts; per pair of tips, how many
 * events the two timelines share and the ts of each one's first event after them (which one is the
 * fork). Everything is keyed by commit ids, which pin all below them (I15): an entry never goes
 * stale, a ref that moved (an append here or in another process, a fork, a pull) only misses, and
 * the entry for its new tip is worked out from git and added. Never authoritative: a file that is
 * missing, damaged (CRC-32), of another version or odd in any field is ignored and rebuilt, and the
 * genesis bytes it holds are decoded strictly and checked against the CID it names. Written whole
 * through a temporary file and a rename, with only the entries of the tips it was asked about, so
 * it holds no more than the store's timelines do. Deleting it is always safe.
 *
 * File: `.git/agentlog/summaries.json`: a JSON body, a newline, and the CRC-32 of the body in hex.
 */
const FILE = 'summaries.json';
const VERSION = 1;
/** A file larger than this is not read (a store of 100,000 timelines makes about 40 MB). */
const MAX_FILE = 256 << 20;

/** One timeline as of its tip commit. */
export interface TipSummary {
  /** How many events (the tip's seq + 1). */
  length: number;
  /** The genesis event's CID (the session's id) and the event. */
  genesisCid: string;
  genesis: Event;
  tipCid: string;
  tipTs: number;
}

/** Two timelines side by side: the events they share, and the ts of each one's next event (undefined: it has none). */
export interface PairSummary {
  shared: number;
  nextA?: number;
  nextB?: number;
}

interface TipEntry {
  n: number;
  g: string;
  gc: string;
  tc: string;
  ts: number;
}

interface PairEntry {
  s: number;
  a?: number;
  b?: number;
}

export class SummaryIndex {
  private readonly tips = new Map<string, TipEntry | null>();
  private readonly pairs = new Map<string, PairEntry>();
  private readonly genesis = new Map<string, Event>();
  private readonly usedTips = new Set<string>();
  private readonly usedPairs = new Set<string>();
  private changed = false;

  private constructor(
    private readonly ctx: StoreContext,
    private readonly file: string,
  ) {}

  /** The index of a store, as its file holds it (empty when the file is missing or not to be trusted). */
  static open(ctx: StoreContext): SummaryIndex {
    const index = new SummaryIndex(ctx, path.join(ctx.commonDir, 'agentlog', FILE));
    index.load();
    return index;
  }

  private load(): void {
    let text: string;
    try {
      if (fs.statSync(this.file).size > MAX_FILE) return;
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return;
    }
    const nl = text.lastIndexOf('\n');
    if (nl < 0 || (crc32(text.slice(0, nl)) >>> 0).toString(16) !== text.slice(nl + 1)) return;
    let body: unknown;
    try {
      body = JSON.parse(text.slice(0, nl));
    } catch {
      return;
    }
    if (!isObject(body) || body.v !== VERSION || !isObject(body.tips) || !isObject(body.pairs)) return;
    for (const [tip, e] of Object.entries(body.tips)) {
      if (/^[0-9a-f]{40}$/.test(tip) && isTipEntry(e)) this.tips.set(tip, e);
    }
    for (const [key, e] of Object.entries(body.pairs)) {
      if (/^[0-9a-f]{40} [0-9a-f]{40}$/.test(key) && isPairEntry(e)) this.pairs.set(key, e);
    }
  }

  /**
   * The summary of the timeline whose tip is `tip`; undefined when it is not an agentlog timeline
   * (its events/ tree is not laid out as I4 says, or it has no events: `verify` reports those).
   */
  tip(tip: string): TipSummary | undefined {
    this.usedTips.add(tip);
    let entry = this.tips.get(tip);
    if (entry) {
      const genesis = this.genesisOf(entry);
      if (genesis) return { length: entry.n, genesisCid: entry.gc, genesis, tipCid: entry.tc, tipTs: entry.ts };
      entry = undefined; // the file lied: work it out again
    }
    if (entry === null) return undefined;
    entry = this.summarize(tip);
    this.tips.set(tip, entry);
    this.changed = true;
    if (!entry) return undefined;
    return { length: entry.n, genesisCid: entry.gc, genesis: this.genesisOf(entry)!, tipCid: entry.tc, tipTs: entry.ts };
  }

  /** The events the timelines at tips `a` and `b` share, and the ts of each one's next event. */
  pair(a: string, b: string): PairSummary {
    const key = `${a} ${b}`;
    this.usedPairs.add(key);
    let entry = this.pairs.get(key);
    if (!entry) {
      const ea = eventBlobs(this.ctx, a);
      const eb = eventBlobs(this.ctx, b);
      const n = Math.min(ea.length, eb.length);
      let s = 0;
      while (s < n && ea[s] === eb[s]) s++;
      const ts = (blobs: readonly string[]) => (s < blobs.length ? eventFromBlob(this.ctx, blobs[s], `event ${s} (blob ${blobs[s]})`).event.ts : undefined);
      entry = { s, a: ts(ea), b: ts(eb) };
      this.pairs.set(key, entry);
      this.changed = true;
    }
    return { shared: entry.s, nextA: entry.a, nextB: entry.b };
  }

  /**
   * Write the index back if anything was worked out, keeping only the entries asked for since it was
   * opened (the store's current tips); a write that fails leaves only a slower next listing.
   */
  save(): void {
    const dropped = [...this.tips.keys()].some((t) => !this.usedTips.has(t)) || [...this.pairs.keys()].some((k) => !this.usedPairs.has(k));
    if (!this.changed && !dropped) return;
    const tips: Record<string, TipEntry> = {};
    for (const t of this.usedTips) {
      const e = this.tips.get(t);
      if (e) tips[t] = e;
    }
    const pairs: Record<string, PairEntry> = {};
    for (const k of this.usedPairs) {
      const e = this.pairs.get(k);
      if (e) pairs[k] = e;
    }
    const body = JSON.stringify({ v: VERSION, tips, pairs });
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      writeNewFile(tmp, [Buffer.from(`${body}\n${(crc32(body) >>> 0).toString(16)}`)], { mode: 0o644 });
      fs.renameSync(tmp, this.file);
      this.changed = false;
    } catch {
      removeQuietly(tmp);
    }
  }

  private summarize(tip: string): TipEntry | null {
    let blobs: readonly string[];
    try {
      blobs = eventBlobs(this.ctx, tip);
    } catch {
      return null; // not an agentlog timeline
    }
    if (!blobs.length) return null;
    const g = eventFromBlob(this.ctx, blobs[0], `genesis of ${tip}`);
    const t = blobs.length === 1 ? g : eventFromBlob(this.ctx, blobs[blobs.length - 1], `tip of ${tip}`);
    const cid = g.cid.toString();
    this.genesis.set(cid, g.event);
    return { n: blobs.length, g: Buffer.from(g.bytes).toString('base64'), gc: cid, tc: t.cid.toString(), ts: t.event.ts };
  }

  /**
   * The genesis event an entry holds, decoded strictly (undefined if it does not decode as an event).
   * Its CID is not computed again: the file is trusted behind its CRC-32 as the event cache is (I14),
   * and `verify` never reads it.
   */
  private genesisOf(entry: TipEntry): Event | undefined {
    let g = this.genesis.get(entry.gc);
    if (!g) {
      try {
        g = checkEvent(decode(Buffer.from(entry.g, 'base64')), 'a genesis event in the summary index');
      } catch {
        return undefined;
      }
      this.genesis.set(entry.gc, g);
    }
    return g;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isTipEntry(e: unknown): e is TipEntry {
  return (
    isObject(e) &&
    Number.isSafeInteger(e.n) &&
    (e.n as number) > 0 &&
    typeof e.g === 'string' &&
    typeof e.gc === 'string' &&
    typeof e.tc === 'string' &&
    Number.isSafeInteger(e.ts)
  );
}

function isPairEntry(e: unknown): e is PairEntry {
  return (
    isObject(e) &&
    Number.isSafeInteger(e.s) &&
    (e.s as number) >= 0 &&
    (e.a === undefined || Number.isSafeInteger(e.a)) &&
    (e.b === undefined || Number.isSafeInteger(e.b))
  );
}
