import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { Database as SqliteDatabase, Statement } from 'node-sqlite3-wasm';
import { AgentlogError } from '../errors.js';
import { Lock } from '../git/lock.js';
import { commonDir } from '../git/repo.js';
import type { Store } from '../store/store.js';
import { FIELDS, type SearchDoc } from './documents.js';

/**
 * The search index: one SQLite database, `.git/agentlog/search/index.sqlite`, read and written through
 * node-sqlite3-wasm (SQLite compiled to WebAssembly, its pages read from and written to the file by
 * Node's fs: no native module to build, FTS5 compiled in). SQLite's FTS5 keeps a term dictionary
 * with the postings of each word, in b-tree pages, so a query reads the pages of its words and of the
 * documents it ranks, not the index; an update writes the pages it changes, one transaction at a time.
 *
 *   timelines  name → id, tip, n (events indexed), g (genesis CID), base (the timeline it forked
 *              from and the events it shares with it: those are the base's documents, not its own)
 *   docs       id → t (timeline id), s (seq), ts, k (kind), r (role), o (tool names), p (paths): what
 *              a hit stands for and what the filters read
 *   fts        FTS5, contentless (the words are not kept twice: a hit's text is read back from the
 *              store), one column per field (documents.ts), rowid = docs.id
 *
 * Derived (I14): never needed for correctness. A file missing, of another version, or that SQLite
 * finds damaged, and a hit whose event does not hold the words (query.ts): the file is deleted and
 * rebuilt. One process at a time reads or writes it, under `search.lock` beside the folder (git's
 * lock protocol, core/git/lock.ts: a dead holder's lock is broken), which also makes a lock folder
 * that a killed process left to SQLite (`index.sqlite.lock`, node-sqlite3-wasm's file lock) safe to
 * remove.
 */
export const VERSION = 3;
const FILE = 'index.sqlite';
/** How long a search waits for another process using the index (a first build of a big store takes minutes). */
export const WAIT_MS = 120_000;
/** BM25 weights of the fields, in FIELDS order: what a person wrote and paths weigh more than tool output. */
const WEIGHTS: Record<(typeof FIELDS)[number], number> = { text: 2, thinking: 1, tool: 1.5, output: 1, path: 2 };

export function searchDir(common: string): string {
  return path.join(common, 'agentlog', 'search');
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

export interface Manifest {
  timelines: Record<string, TimelineEntry>;
}

/** A matching document: which event, and its BM25 score (higher is better). */
export interface Match {
  t: number;
  s: number;
  ts: number;
  k: string;
  r: string;
  score: number;
}

export interface MatchFilter {
  kind?: string;
  role?: string;
  /** Lowercased. */
  tool?: string;
  file?: string;
  since?: number;
}

/** The index is not what it should be: the caller deletes it and builds it again. */
export class IndexDamaged extends Error {}

type Sqlite = typeof import('node-sqlite3-wasm');
let sqlite: Sqlite | undefined;
/**
 * node-sqlite3-wasm, loaded on first use (compiling its WebAssembly costs ~50 ms: not for commands
 * that never search). In the extension's CommonJS bundle `require` is esbuild's, which bundled it.
 */
function loadSqlite(): Sqlite {
  sqlite ??= (typeof require === 'function' ? require('node-sqlite3-wasm') : createRequire(import.meta.url)('node-sqlite3-wasm')) as Sqlite;
  return sqlite;
}

/**
 * The lock taken once and kept until closed (search.lock is held the whole time: no other process
 * uses the file meanwhile), so SQLite neither locks nor checks the file again at each statement.
 */
const PRAGMAS = 'PRAGMA locking_mode = EXCLUSIVE; PRAGMA synchronous = NORMAL;';

const SCHEMA = `
CREATE TABLE timelines(name TEXT PRIMARY KEY, id INTEGER NOT NULL UNIQUE, tip TEXT NOT NULL, n INTEGER NOT NULL, g TEXT NOT NULL, base_id INTEGER, base_upto INTEGER);
CREATE TABLE docs(id INTEGER PRIMARY KEY, t INTEGER NOT NULL, s INTEGER NOT NULL, ts INTEGER NOT NULL, k TEXT NOT NULL, r TEXT NOT NULL, o TEXT NOT NULL, p TEXT NOT NULL);
CREATE INDEX docs_t ON docs(t, s);
CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE VIRTUAL TABLE fts USING fts5(${FIELDS.join(', ')}, content='', contentless_delete=1, tokenize='ascii');
PRAGMA user_version = ${VERSION};
`;

/** The index database, open; `rebuilt` when it was made empty by this opening. */
export class IndexDb {
  private insertDoc: Statement | undefined;
  private insertFts: Statement | undefined;

  private constructor(
    private readonly db: SqliteDatabase,
    readonly file: string,
    readonly rebuilt: boolean,
  ) {}

  /** Open the index in `dir`, made anew when missing, of another version or not a database. */
  static open(dir: string): IndexDb {
    const { Database } = loadSqlite();
    const file = path.join(dir, FILE);
    fs.rmSync(`${file}.lock`, { recursive: true, force: true }); // a killed process's: we hold search.lock
    if (fs.existsSync(file)) {
      let db: SqliteDatabase | undefined;
      try {
        db = new Database(file, { fileMustExist: true });
        db.exec(PRAGMAS);
        const v = db.get('PRAGMA user_version')?.user_version;
        const tables = db.all("SELECT name FROM sqlite_master WHERE type IN ('table') AND name IN ('timelines', 'docs', 'fts', 'meta')").length;
        if (v === VERSION && tables === 4) return new IndexDb(db, file, false);
      } catch {
        // not a database, or damaged: made anew below
      }
      try {
        db?.close();
      } catch {
        // closing a damaged database
      }
    }
    // Missing, foreign or damaged: whatever is in the folder goes (an older version's files too).
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const db = new Database(file);
    try {
      db.exec(PRAGMAS);
      db.exec(`BEGIN; ${SCHEMA} COMMIT;`);
    } catch (e) {
      db.close();
      throw e;
    }
    return new IndexDb(db, file, true);
  }

  close(): void {
    for (const s of [this.insertDoc, this.insertFts]) if (s && !s.isFinalized) s.finalize();
    this.insertDoc = this.insertFts = undefined;
    if (this.db.isOpen) this.db.close();
  }

  begin(): void {
    this.db.exec('BEGIN IMMEDIATE');
  }

  commit(): void {
    this.db.exec('COMMIT');
  }

  /** Every indexed timeline; IndexDamaged when a row is not one. */
  manifest(): Manifest {
    const timelines: Record<string, TimelineEntry> = {};
    // One JSON text, not a row at a time: thousands of rows cost a wasm call per column each.
    const text = this.db.get('SELECT json_group_array(json_array(name, id, tip, n, g, base_id, base_upto)) AS j FROM timelines')?.j;
    const rows = typeof text === 'string' ? (JSON.parse(text) as unknown) : undefined;
    if (!Array.isArray(rows)) throw new IndexDamaged('the timelines table');
    for (const row of rows) {
      if (!Array.isArray(row) || row.length !== 7) throw new IndexDamaged('a timeline row');
      const [name, id, tip, n, g, base_id, base_upto] = row as unknown[];
      if (typeof name !== 'string' || name === '' || !nat(id) || typeof tip !== 'string' || !/^[0-9a-f]{40}$/.test(tip) || !nat(n) || typeof g !== 'string')
        throw new IndexDamaged(`timeline row ${String(name)}`);
      const e: TimelineEntry = { id, tip, n, g };
      if (base_id !== null || base_upto !== null) {
        if (!nat(base_id) || !nat(base_upto)) throw new IndexDamaged(`timeline row ${name}: base`);
        e.base = { id: base_id, upto: base_upto };
      }
      timelines[name] = e;
    }
    return { timelines };
  }

  /** A value kept beside the index (update.ts: the refs it was brought up to date with). */
  meta(k: string): string | undefined {
    const v = this.db.get('SELECT v FROM meta WHERE k = ?', [k])?.v;
    return typeof v === 'string' ? v : undefined;
  }

  setMeta(k: string, v: string | undefined): void {
    if (v === undefined) this.db.run('DELETE FROM meta WHERE k = ?', [k]);
    else this.db.run('INSERT OR REPLACE INTO meta(k, v) VALUES (?, ?)', [k, v]);
  }

  /** The name and tip of the timeline of id `id`; IndexDamaged when none has it (a document of no timeline) or its row is not one. */
  timelineOf(id: number): { name: string; tip: string } {
    const row = this.db.get('SELECT name, tip FROM timelines WHERE id = ?', [id]);
    if (!row || typeof row.name !== 'string' || row.name === '' || typeof row.tip !== 'string' || !/^[0-9a-f]{40}$/.test(row.tip))
      throw new IndexDamaged(`the timeline of id ${id}`);
    return { name: row.name, tip: row.tip };
  }

  /** The next timeline id: above every id a timeline or a document carries. */
  nextId(): number {
    const row = this.db.get('SELECT max(coalesce((SELECT max(id) FROM timelines), 0), coalesce((SELECT max(t) FROM docs), 0)) AS m');
    return Number(row?.m ?? 0) + 1;
  }

  putTimeline(name: string, e: TimelineEntry): void {
    this.db.run('INSERT OR REPLACE INTO timelines(name, id, tip, n, g, base_id, base_upto) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      name,
      e.id,
      e.tip,
      e.n,
      e.g,
      e.base?.id ?? null,
      e.base?.upto ?? null,
    ]);
  }

  /** Forget a timeline and its documents. */
  dropTimeline(name: string, id: number): void {
    this.db.run('DELETE FROM timelines WHERE name = ?', [name]);
    this.db.run('DELETE FROM fts WHERE rowid IN (SELECT id FROM docs WHERE t = ?)', [id]);
    this.db.run('DELETE FROM docs WHERE t = ?', [id]);
  }

  /** Add the document of event `seq` of timeline `t`. Its words are cut up already (words.ts), space-separated per field. */
  addDoc(t: number, seq: number, ts: number, doc: SearchDoc, words: Record<(typeof FIELDS)[number], string>): void {
    this.insertDoc ??= this.db.prepare('INSERT INTO docs(t, s, ts, k, r, o, p) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.insertFts ??= this.db.prepare(`INSERT INTO fts(rowid, ${FIELDS.join(', ')}) VALUES (?, ${FIELDS.map(() => '?').join(', ')})`);
    const { lastInsertRowid } = this.insertDoc.run([t, seq, ts, doc.kind, doc.role, doc.tools, doc.path]);
    this.insertFts.run([lastInsertRowid, ...FIELDS.map((f) => words[f])]);
  }

  /** The paths document (t, s) was indexed with. */
  pathOf(t: number, s: number): string | undefined {
    const p = this.db.get('SELECT p FROM docs WHERE t = ? AND s = ?', [t, s])?.p;
    return typeof p === 'string' ? p : undefined;
  }

  /**
   * The documents holding every word (cut up as words.ts does), with the filters that the documents'
   * columns answer, one at a time, in no order. Words are looked up in FTS5's term dictionary: the
   * pages read are those of these words' postings and of the matching documents.
   */
  *matches(words: readonly string[], filter: MatchFilter): Generator<Match> {
    const where = ['fts MATCH ?'];
    const args: (string | number)[] = [words.map((w) => `"${w.replace(/"/g, '""')}"`).join(' ')];
    if (filter.kind !== undefined) {
      where.push('d.k = ?');
      args.push(filter.kind);
    }
    if (filter.role !== undefined) {
      where.push('d.r = ?');
      args.push(filter.role);
    }
    if (filter.tool !== undefined) {
      where.push("instr(' ' || d.o || ' ', ?) > 0");
      args.push(` ${filter.tool} `);
    }
    if (filter.file !== undefined) {
      where.push('instr(d.p, ?) > 0');
      args.push(filter.file);
    }
    if (filter.since !== undefined) {
      where.push('d.ts >= ?');
      args.push(filter.since);
    }
    const bm25 = `bm25(fts, ${FIELDS.map((f) => WEIGHTS[f]).join(', ')})`;
    const stmt = this.db.prepare(
      `SELECT d.t AS t, d.s AS s, d.ts AS ts, d.k AS k, d.r AS r, -${bm25} AS score FROM fts CROSS JOIN docs d ON d.id = fts.rowid WHERE ${where.join(' AND ')}`,
    );
    try {
      for (const row of stmt.iterate(args)) {
        const { t, s, ts, k, r, score } = row;
        if (!nat(t) || !nat(s) || typeof ts !== 'number' || typeof k !== 'string' || typeof r !== 'string' || typeof score !== 'number')
          throw new IndexDamaged('a document row');
        yield { t, s, ts, k, r, score };
      }
    } finally {
      stmt.finalize();
    }
  }
}

const nat = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Whether `e` says the index is damaged (then it is rebuilt), rather than something else failing. */
export function isDamage(e: unknown): boolean {
  return e instanceof IndexDamaged || (sqlite !== undefined && e instanceof sqlite.SQLite3Error);
}

/**
 * Run `fn` with the store's index open, under its lock. When the index turns out damaged (a SQLite
 * error, IndexDamaged), it is deleted and `fn` runs once more on a new one; damaged again: E_IO.
 */
export function withIndex<T>(store: Store, fn: (ix: IndexDb) => T, waitMs = WAIT_MS): T {
  const dir = searchDir(commonDir(store.gitDir));
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const lock = takeLock(dir, waitMs);
  try {
    for (let attempt = 0; ; attempt++) {
      let ix: IndexDb | undefined;
      try {
        ix = IndexDb.open(dir);
        return fn(ix);
      } catch (e) {
        if (!isDamage(e)) throw e;
        try {
          ix?.close();
        } catch {
          // a damaged database may refuse to close cleanly
        }
        if (attempt > 0) throw new AgentlogError('E_IO', `search: the index ${path.join(dir, FILE)} cannot be built and read back: ${(e as Error).message}`);
        fs.rmSync(dir, { recursive: true, force: true });
      } finally {
        try {
          ix?.close();
        } catch {
          // already reported
        }
      }
    }
  } finally {
    lock.release();
  }
}

/** `search.lock` beside the index folder, waited for up to `waitMs` (another search building the index). */
function takeLock(dir: string, waitMs: number): Lock {
  const started = Date.now();
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    try {
      return Lock.acquireNow(dir);
    } catch (e) {
      if (!(e instanceof AgentlogError) || e.code !== 'E_LOCK' || Date.now() - started > waitMs) throw e;
    }
    Atomics.wait(pause, 0, 0, delay);
  }
}
