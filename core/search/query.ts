import { AgentlogError } from '../errors.js';
import type { Store } from '../store/store.js';
import { FIELDS, type Field, searchDoc } from './documents.js';
import { type IndexDb, IndexDamaged, type Manifest, type Match, withIndex } from './indexDb.js';
import { type Snippet, snippet } from './snippet.js';
import { type IndexProgress, update as updateIndex } from './update.js';
import { terms } from './words.js';

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
  /** How long to wait for another process using the index, in ms (default WAIT_MS: 2 minutes, a first build of a big store). */
  waitMs?: number;
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

/**
 * Search every timeline of the store: the index brought up to date first (update.ts), then asked
 * (SQLite FTS5, indexDb.ts) for the events holding every word of the query, scored by BM25 (what a
 * person wrote and paths weighing more than tool output), a quoted phrase checked word for word in
 * the event itself. Ranked by score, the newest first on ties; each event once, under the timeline
 * its document belongs to (a fork's shared events under the timeline it left). A hit whose event,
 * read back from the store, does not hold the words means a damaged index: it is rebuilt.
 */
export function search(store: Store, query: string, options: SearchOptions = {}): SearchResult {
  const { words, phrases } = parseQuery(query);
  if (words.length === 0) throw new AgentlogError('E_INPUT', `search: the query "${query}" has no words to look for`);
  return withIndex(
    store,
    (ix) => {
      const update = updateIndex(ix, store, options.progress);
      // Every document belongs to an indexed timeline (update.ts deletes the others' documents): the
      // timelines are read whole only for --session, else one for each hit.
      const manifest = options.session === undefined ? undefined : (update.manifest ?? ix.manifest());
      const found = collect(ix, manifest, words, options);
      const limit = options.limit ?? 20;
      const byId = manifest && new Map(Object.entries(manifest.timelines).map(([name, e]) => [e.id, { name, tip: e.tip }]));
      const names = { get: (id: number) => (byId ? byId.get(id) : ix.timelineOf(id)) };
      const hits: SearchHit[] = [];
      let total = found.total;
      for (const c of found.candidates) {
        if (hits.length >= limit) break;
        const where = names.get(c.t);
        if (!where) throw new IndexDamaged(`a document of timeline id ${c.t}, which no timeline has`);
        const stored = store.eventAt(where.tip, c.s);
        const doc = stored && searchDoc(stored.event, new Map());
        // A tool result's paths are its call's, which the index noted when it read the call.
        if (doc && doc.path === '') doc.path = ix.pathOf(c.t, c.s) ?? '';
        const held = doc && FIELDS.map((f) => new Set(terms(doc[f])));
        if (!stored || !doc || !held || !words.every((w) => held.some((set) => set.has(w))))
          throw new IndexDamaged(`${where.name} event ${c.s} does not hold the words the index has for it`);
        if (phrases.length) {
          const all = FIELDS.map((f) => flat(doc[f])).join('\n');
          if (!phrases.every((p) => all.includes(p))) {
            total--;
            continue;
          }
        }
        const field = bestField(words, held, doc);
        hits.push({
          timeline: where.name,
          seq: c.s,
          cid: stored.cid.toString(),
          ts: c.ts,
          kind: c.k,
          ...(c.r ? { role: c.r } : {}),
          score: c.score,
          field,
          snippet: snippet(doc[field], [...phrases, ...words], options.width ?? 100),
        });
      }
      return { hits, total, indexed: update.indexed, rebuilt: update.rebuilt };
    },
    options.waitMs,
  );
}

type Candidate = Match;

/** The best `keep` matches allowed by --session (and the other filters, in SQL), and how many there are. */
function collect(ix: IndexDb, m: Manifest | undefined, words: string[], options: SearchOptions): { candidates: Candidate[]; total: number } {
  const allowed = m && allowedTimelines(m, options.session);
  const keep = (options.limit ?? 20) * SPARE + 20;
  let candidates: Candidate[] = [];
  let total = 0;
  const filter = { kind: options.kind, role: options.role, tool: options.tool?.toLowerCase(), file: options.file, since: options.since };
  for (const c of ix.matches(words, filter)) {
    if (allowed) {
      const max = allowed.get(c.t);
      if (max === undefined || c.s >= max) continue;
    }
    total++;
    candidates.push(c);
    if (candidates.length >= 4 * keep) candidates = candidates.sort(rank).slice(0, keep);
  }
  return { candidates: candidates.sort(rank).slice(0, keep), total };
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

/** The field holding the most of the query's words (the first of FIELDS on a tie) that has text. */
function bestField(words: string[], held: Set<string>[], doc: Record<Field, string>): Field {
  let best: Field = FIELDS.find((f) => doc[f] !== '') ?? 'text';
  let most = 0;
  FIELDS.forEach((f, i) => {
    const n = words.filter((w) => held[i].has(w)).length;
    if (n > most && doc[f] !== '') {
      best = f;
      most = n;
    }
  });
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
