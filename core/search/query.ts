import * as fs from 'node:fs';
import { AgentlogError } from '../errors.js';
import { commonDir } from '../git/repo.js';
import type { Store } from '../store/store.js';
import { FIELDS, type Field, searchDoc } from './documents.js';
import { type Manifest, searchDir } from './files.js';
import { SegmentReader, shardOf, terms } from './segment.js';
import { type Snippet, snippet } from './snippet.js';
import { type IndexProgress, updateIndex } from './update.js';

export interface SearchOptions {
  /** Only these timelines (a name, or a prefix of names: a session and its forks). */
  session?: string;
  /** Only events of this kind (`message`, `compaction`, `claude.summary`, …). */
  kind?: string;
  /** Only messages of this role. */
  role?: string;
  /** Only events that call a tool of this name, or hold its result (case-insensitive). */
  tool?: string;
  /** Only events of tool calls that touched a path containing this. */
  file?: string;
  /** Only events at or after this time (ms since the epoch). */
  since?: number;
  /** How many hits (default 20). */
  limit?: number;
  /** The width of a snippet, in characters (default 100). */
  width?: number;
  progress?: (p: IndexProgress) => void;
}

export interface SearchHit {
  timeline: string;
  seq: number;
  cid: string;
  ts: number;
  kind: string;
  role?: string;
  score: number;
  /** The field the snippet is from. */
  field: Field;
  snippet: Snippet;
}

export interface SearchResult {
  hits: SearchHit[];
  /** How many events matched (before --limit). */
  total: number;
  /** Events indexed by the update this search did first, and whether the index was built from nothing. */
  indexed: number;
  rebuilt: boolean;
}

/** How many matches beyond the limit are kept to rank, for phrases that the words alone do not prove. */
const SPARE = 4;
const BOOST: Partial<Record<Field, number>> = { text: 2, path: 2, tool: 1.5 };

/**
 * Search every timeline of the store: the index brought up to date first (update.ts), then each
 * segment loaded in turn and asked for the events holding every word of the query (MiniSearch's
 * BM25 score, what a person wrote and paths weighing more than tool output), a quoted phrase checked
 * word for word in the event itself. Ranked by score, the newest first on ties; each event once,
 * under the timeline its document belongs to (a fork's shared events under the timeline it left).
 */
export function search(store: Store, query: string, options: SearchOptions = {}): SearchResult {
  const { words, phrases } = parseQuery(query);
  if (words.length === 0) throw new AgentlogError('E_INPUT', `search: the query "${query}" has no words to look for`);
  let update = updateIndex(store, options.progress);
  let found = collect(store, update.manifest, words, options);
  if (found === 'damaged') {
    fs.rmSync(searchDir(commonDir(store.gitDir)), { recursive: true, force: true });
    update = updateIndex(store, options.progress);
    found = collect(store, update.manifest, words, options);
    if (found === 'damaged') throw new AgentlogError('E_IO', `search: the index in ${searchDir(commonDir(store.gitDir))} cannot be read back after a rebuild`);
  }
  const limit = options.limit ?? 20;
  const names = new Map(Object.entries(update.manifest.timelines).map(([name, e]) => [e.id, { name, tip: e.tip }]));
  const hits: SearchHit[] = [];
  let total = found.total;
  for (const c of found.candidates) {
    if (hits.length >= limit) break;
    const where = names.get(c.t);
    if (!where) continue;
    const stored = store.eventAt(where.tip, c.s);
    if (!stored) continue;
    const doc = searchDoc(stored.event, new Map());
    if (!doc) continue;
    if (phrases.length) {
      const all = FIELDS.map((f) => flat(doc[f])).join('\n');
      if (!phrases.every((p) => all.includes(p))) {
        total--;
        continue;
      }
    }
    const field = bestField(c.match, doc);
    hits.push({
      timeline: where.name,
      seq: c.s,
      cid: stored.cid.toString(),
      ts: c.ts,
      kind: c.k,
      ...(c.r ? { role: c.r } : {}),
      score: c.score,
      field,
      snippet: snippet(doc[field], [...phrases, ...c.terms], options.width ?? 100),
    });
  }
  return { hits, total, indexed: update.indexed, rebuilt: update.rebuilt };
}

/** What a matching document stands for, with its score and which words matched in which fields. */
interface Candidate {
  t: number;
  s: number;
  ts: number;
  k: string;
  r: string;
  score: number;
  terms: string[];
  match: Record<string, string[]>;
}

function collect(store: Store, m: Manifest, words: string[], options: SearchOptions): { candidates: Candidate[]; total: number } | 'damaged' {
  const dir = searchDir(commonDir(store.gitDir));
  const allowed = allowedTimelines(m, options.session);
  const tool = options.tool?.toLowerCase();
  const keep = (options.limit ?? 20) * SPARE + 20;
  const byShard = new Map<number, string[]>();
  for (const w of words) byShard.set(shardOf(w), [...(byShard.get(shardOf(w)) ?? []), w]);
  let candidates: Candidate[] = [];
  const seen = new Set<string>();
  let total = 0;
  for (const seg of m.segments) {
    const reader = SegmentReader.open(dir, seg.file);
    if (!reader) return 'damaged';
    // Every word, each in its shard: the documents that hold them all, their scores summed.
    let found: Map<number, { score: number; terms: string[]; match: Record<string, string[]> }> | undefined;
    for (const [k, ws] of byShard) {
      const shard = reader.shard(k);
      if (shard === undefined) return 'damaged';
      const here = new Map<number, { score: number; terms: string[]; match: Record<string, string[]> }>();
      for (const r of shard?.search(ws.join(' '), { combineWith: 'AND', boost: BOOST }) ?? []) {
        const before = found?.get(r.id);
        if (found && !before) continue;
        here.set(r.id, { score: (before?.score ?? 0) + r.score, terms: [...(before?.terms ?? []), ...r.terms], match: { ...before?.match, ...r.match } });
      }
      found = here;
      if (found.size === 0) break;
    }
    if (!found || found.size === 0) continue;
    const c = reader.cols;
    const paths = options.file === undefined ? undefined : reader.paths();
    if (options.file !== undefined && !paths) return 'damaged';
    for (const [id, hit] of found) {
      if (!(id >= 0 && id < c.t.length)) return 'damaged';
      const max = allowed.get(c.t[id]);
      if (max === undefined || c.s[id] >= max) continue;
      if (options.kind !== undefined && c.k[id] !== options.kind) continue;
      if (options.role !== undefined && c.r[id] !== options.role) continue;
      if (tool !== undefined && !c.o[id].split(' ').includes(tool)) continue;
      if (options.file !== undefined && !paths?.[id].includes(options.file)) continue;
      if (options.since !== undefined && c.ts[id] < options.since) continue;
      const key = `${c.t[id]}:${c.s[id]}`;
      if (seen.has(key)) continue;
      seen.add(key);
      total++;
      candidates.push({ t: c.t[id], s: c.s[id], ts: c.ts[id], k: c.k[id], r: c.r[id], ...hit });
    }
    candidates.sort(rank);
    if (candidates.length > keep) candidates = candidates.slice(0, keep);
  }
  return { candidates, total };
}

/** Higher score first; on a tie, the newer event first. */
function rank(a: Candidate, b: Candidate): number {
  if (Math.abs(a.score - b.score) > 1e-9 * Math.max(a.score, b.score)) return b.score - a.score;
  return b.ts - a.ts || a.t - b.t || a.s - b.s;
}

/** Timeline id → the seq below which its documents count: every timeline, or those a --session names and their bases. */
function allowedTimelines(m: Manifest, session: string | undefined): Map<number, number> {
  const out = new Map<number, number>();
  const byId = new Map(Object.values(m.timelines).map((e) => [e.id, e]));
  const names = Object.keys(m.timelines).filter((n) => session === undefined || n === session || n.startsWith(session));
  if (session !== undefined && names.length === 0)
    throw new AgentlogError('E_REV', `search --session: no timeline is named ${session} or begins with it`, { rev: session });
  for (const name of names) {
    let e = m.timelines[name];
    let upto = Number.POSITIVE_INFINITY;
    for (;;) {
      out.set(e.id, Math.max(out.get(e.id) ?? 0, upto));
      if (!e.base) break;
      upto = Math.min(upto, e.base.upto);
      const next = byId.get(e.base.id);
      if (!next) break;
      e = next;
    }
  }
  return out;
}

/** The field holding the most of the matched words (the first of FIELDS on a tie) that has text. */
function bestField(match: Record<string, string[]>, doc: Record<Field, string>): Field {
  let best: Field = FIELDS.find((f) => doc[f] !== '') ?? 'text';
  let most = 0;
  for (const f of FIELDS) {
    const n = Object.values(match).filter((fields) => fields.includes(f)).length;
    if (n > most && doc[f] !== '') {
      best = f;
      most = n;
    }
  }
  return best;
}

/** The words of a query (as the index cuts them up: segment.ts) and its quoted phrases (lowercased, spaces collapsed). */
export function parseQuery(query: string): { words: string[]; phrases: string[] } {
  const phrases = [...query.matchAll(/"([^"]+)"/g)].map((m) => flat(m[1])).filter((p) => p !== '');
  const words = terms(query.replace(/"/g, ' '));
  return { words: [...new Set(words)], phrases };
}

function flat(text: string): string {
  return text.replace(/\s+/g, ' ').trim().toLowerCase();
}
