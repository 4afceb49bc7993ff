import * as fs from 'node:fs';
import * as path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, constants, crc32 } from 'node:zlib';
import { cidFromBytes, type CID } from '../codec/cid.js';
import type { Latin1Source } from '../codec/dagcbor.js';
import { removeQuietly, staleTemp, TEMP_MAX_AGE_MS, writeNewFile } from '../git/fsio.js';

/**
 * A derived, rebuildable cache (I14 in layout.ts) of a timeline's events: `.git/agentlog/cache/<commit>.events` holds
 * every event of that commit's tree, in seq order, with its CID, in one file. Reading a big timeline
 * is then one file read instead of a tree walk and thousands of object reads.
 *
 * Like git with its packs, a read trusts local storage behind a checksum: the file ends with a CRC-32
 * of everything before it, so a damaged or truncated file is ignored (and rebuilt), and the caller
 * checks that the events' prev links chain up to the commit's own Agentlog-Event trailer. CIDs are
 * not recomputed from the bytes here; `agentlog verify` never reads the cache and recomputes all of
 * them. Deleting the folder is always safe.
 *
 * Format: "ALC3", u32 count, u32 raw length, then the records — count × (u32 length, 36-byte CID,
 * bytes) — as brotli streams of at most PIECE bytes each, every stream led by its u32 length; u32
 * CRC-32 of everything before it. Big-endian. The records are compressed because the cache counts
 * in what a store takes on disk (issue 20); a file is gathered piece by piece, compressed as it goes
 * (never the whole timeline twice in memory; a streaming reader holds only the compressed pieces). Brotli at quality 4, measured on the cache files of the 0.1 GB scale
 * store (71.8 MB of records): 4.98× smaller, where zlib level 1 makes 3.54× and level 6 3.93×, and
 * it decompresses faster than zlib inflates (1.8 s against 2.8 s for all of them, same run): a
 * warm read pays the least, and the write, once per timeline, 60% more than zlib's.
 */
const MAGIC = 'ALC3';
const TEXT_MAGIC = 'ALT1';
/** Records are compressed in pieces of this many bytes (each its own zlib stream). */
const PIECE = 1 << 20;
const CID_BYTES = 36;
/**
 * How big the cache gets: the files of the timelines read most recently, at most KEEP of them and
 * KEEP_BYTES in all (the newest is kept whatever its size: a 60 MB session read again and again).
 * A file is "read" when it is written or served, so the timelines being worked on stay.
 */
const KEEP = 64;
const KEEP_BYTES = 64 << 20;

export interface CachedEvent {
  cid: CID;
  bytes: Uint8Array;
  /** The whole file as one latin1 string and where these bytes start in it (see Latin1Source). */
  source?: Latin1Source;
}

export class EventCache {
  constructor(private readonly dir: string) {}

  private file(commit: string): string {
    return path.join(this.dir, `${commit}.events`);
  }

  has(commit: string): boolean {
    return fs.existsSync(this.file(commit));
  }

  /** The cached events of `commit`, or undefined if absent, damaged or of another format. */
  read(commit: string): CachedEvent[] | undefined {
    const out: CachedEvent[] = [];
    return this.readEach(commit, (e) => out.push(e)) ? out : undefined;
  }

  /**
   * The cached events of `commit` given to `each` in seq order (records): false when the file is
   * absent, damaged or of another format (`each` may have seen some records then).
   */
  readEach(commit: string, each: (e: CachedEvent) => void, withSource = true): boolean {
    const it = this.records(commit, withSource);
    for (;;) {
      const r = it.next();
      if (r.done) return r.value;
      each(r.value);
    }
  }

  /**
   * The cached events of `commit` in seq order, a piece at a time: a piece is inflated only once
   * the records of the one before were taken (a writer ends a piece only after a whole record: none
   * spans two), so a reader that keeps what it makes of them and not their bytes holds one piece of
   * bytes at a time, never the timeline's. `withSource` false: no latin1 string of each piece either
   * (whose slices would keep it). Returns (when done) false when the file is absent, damaged or of
   * another format, after the records it could read.
   */
  *records(commit: string, withSource = true): Generator<CachedEvent, boolean> {
    let file: Buffer;
    try {
      file = fs.readFileSync(this.file(commit));
    } catch {
      return false;
    }
    if (file.length < 16 || file.toString('latin1', 0, 4) !== MAGIC) return false;
    this.touch(commit);
    const to = file.length - 4;
    if (crc32(file.subarray(0, to)) >>> 0 !== file.readUInt32BE(to)) return false;
    const count = file.readUInt32BE(4);
    const raw = file.readUInt32BE(8);
    let i = 0;
    let filled = 0;
    let at = 12;
    // The brotli pieces, each led by its length; each makes at most what is left of `raw`.
    while (at < to) {
      if (at + 4 > to) return false;
      const z = file.readUInt32BE(at);
      at += 4;
      if (at + z > to || filled >= raw) return false;
      let buf: Buffer;
      try {
        buf = brotliDecompressSync(file.subarray(at, at + z), { maxOutputLength: raw - filled });
      } catch {
        return false;
      }
      filled += buf.length;
      at += z;
      const end = buf.length;
      // Plain Uint8Array views: 20,000 of them for a 10k timeline, and a Buffer's cost far more to make.
      const u8 = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
      // Strings decoded from these events are slices of this one string instead of copies (codec/dagcborDecode.ts).
      const text = withSource ? buf.toString('latin1') : undefined;
      let pos = 0;
      while (pos < end) {
        if (i >= count || pos + 4 + CID_BYTES > end) return false;
        const len = ((u8[pos] << 24) | (u8[pos + 1] << 16) | (u8[pos + 2] << 8) | u8[pos + 3]) >>> 0;
        let cid: CID;
        try {
          cid = cidFromBytes(u8.slice(pos + 4, pos + 4 + CID_BYTES)); // a copy: a view would keep the whole piece
        } catch {
          return false;
        }
        pos += 4 + CID_BYTES;
        if (pos + len > end) return false;
        i++;
        yield { cid, bytes: u8.subarray(pos, pos + len), source: text === undefined ? undefined : { text, offset: pos } };
        pos += len;
      }
    }
    return filled === raw && i === count;
  }

  write(commit: string, events: readonly CachedEvent[]): void {
    const w = this.writer(commit, events.length);
    if (!w) return;
    for (const e of events) w.add(e.cid, e.bytes);
    w.finish();
  }

  /**
   * A cache file of `count` events written as they come (a reader that streams a timeline holds
   * none of them, only their compressed pieces): `add` each in seq order, then `finish` writes the
   * file and renames it into place; `abort` (or fewer events than `count`) leaves nothing. Undefined
   * when the folder cannot be made; a failure makes the rest no-ops: a cache that cannot be written
   * is only a slower read.
   */
  writer(commit: string, count: number): CacheWriter | undefined {
    try {
      fs.mkdirSync(this.dir, { recursive: true });
    } catch {
      return undefined;
    }
    return new CacheWriter(this.file(commit), count, () => this.prune());
  }

  /** Mark a commit's files as just used (their mtime orders what prune keeps). */
  private touch(commit: string): void {
    try {
      const now = new Date();
      if (fs.existsSync(this.textFile(commit))) fs.utimesSync(this.textFile(commit), now, now);
      fs.utimesSync(this.file(commit), now, now);
    } catch {
      /* a cache file that cannot be touched may only go sooner */
    }
  }

  remove(commit: string): void {
    fs.rmSync(this.file(commit), { force: true });
    fs.rmSync(this.textFile(commit), { force: true });
  }

  private textFile(commit: string): string {
    return path.join(this.dir, `${commit}.text`);
  }

  /**
   * A text made from `commit`'s events (what `log` printed of them: Store.derivedText), kept beside
   * them as `<commit>.text`, if the one kept was made for `key` (what it depends on besides the
   * events: the command, its options, the width, agentlog's version). Format: "ALT1", u32 key
   * length, the key, u32 text length, the text (UTF-8) as one brotli stream; u32 CRC-32 of all
   * before it. Missing, damaged or another key: undefined.
   */
  readText(commit: string, key: string): string | undefined {
    let file: Buffer;
    try {
      file = fs.readFileSync(this.textFile(commit));
    } catch {
      return undefined;
    }
    if (file.length < 16 || file.toString('latin1', 0, 4) !== TEXT_MAGIC) return undefined;
    if (crc32(file.subarray(0, file.length - 4)) >>> 0 !== file.readUInt32BE(file.length - 4)) return undefined;
    const keyLength = file.readUInt32BE(4);
    if (12 + keyLength > file.length - 4 || file.toString('utf8', 8, 8 + keyLength) !== key) return undefined;
    const raw = file.readUInt32BE(8 + keyLength);
    try {
      const text = brotliDecompressSync(file.subarray(12 + keyLength, file.length - 4), { maxOutputLength: Math.max(raw, 1) });
      if (text.length !== raw) return undefined;
      this.touch(commit);
      return text.toString('utf8');
    } catch {
      return undefined;
    }
  }

  /** Keep `text` as made from `commit`'s events for `key` (readText); a write that fails leaves only a slower read. */
  writeText(commit: string, key: string, text: string): void {
    const tmp = `${this.textFile(commit)}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      const body = Buffer.from(text, 'utf8');
      const k = Buffer.from(key, 'utf8');
      const head = Buffer.alloc(12 + k.length);
      head.write(TEXT_MAGIC, 0, 'latin1');
      head.writeUInt32BE(k.length, 4);
      k.copy(head, 8);
      head.writeUInt32BE(body.length, 8 + k.length);
      const z = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
      const sum = Buffer.alloc(4);
      sum.writeUInt32BE(crc32(z, crc32(head)) >>> 0);
      writeNewFile(tmp, [head, z, sum], { mode: 0o644 });
      fs.renameSync(tmp, this.textFile(commit));
      this.prune();
    } catch {
      removeQuietly(tmp);
    }
  }

  /**
   * Keep the files of the newest commits within KEEP and KEEP_BYTES (and always the newest's), and remove temporary files (`<commit>.events.<pid>.tmp`) that a
   * writer killed mid-write left (I14): those whose pid is gone on this machine, or older than ten
   * minutes whoever wrote them (a pid reused; a live writer takes milliseconds).
   */
  private prune(): void {
    const names = fs.readdirSync(this.dir);
    for (const f of names) {
      const m = /\.(?:events|text)\.(\d+)\.tmp$/.exec(f);
      if (m && staleTemp(path.join(this.dir, f), Number(m[1]), TEMP_MAX_AGE_MS)) removeQuietly(path.join(this.dir, f));
    }
    // A commit's files (its events, the text made from them) count as one: kept or removed together.
    const commits = new Map<string, { files: string[]; t: number; size: number }>();
    for (const f of names) {
      const m = /^(.*)\.(?:events|text)$/.exec(f);
      if (!m) continue;
      const st = fs.statSync(path.join(this.dir, f));
      const c = commits.get(m[1]) ?? { files: [], t: 0, size: 0 };
      c.files.push(f);
      c.t = Math.max(c.t, st.mtimeMs);
      c.size += st.size;
      commits.set(m[1], c);
    }
    let bytes = 0;
    [...commits.values()]
      .sort((a, b) => b.t - a.t)
      .forEach(({ files, size }, i) => {
        bytes += size;
        if (i > 0 && (i >= KEEP || bytes > KEEP_BYTES)) for (const f of files) fs.rmSync(path.join(this.dir, f), { force: true });
      });
  }
}

/** One cache file being written event by event (EventCache.writer): records gathered a piece at a time and compressed. */
export class CacheWriter {
  /** The compressed pieces, each led by its length. */
  private readonly parts: Uint8Array[] = [];
  private piece: Uint8Array[] = [];
  private pieceBytes = 0;
  private raw = 0;
  private added = 0;
  private done = false;

  constructor(
    private readonly file: string,
    private readonly count: number,
    private readonly prune: () => void,
  ) {}

  add(cid: CID, bytes: Uint8Array): void {
    if (this.done) return;
    if (cid.bytes.length !== CID_BYTES) {
      this.abort(); // not a dag-cbor/sha2-256 CID: do not cache
      return;
    }
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    this.piece.push(len, cid.bytes, bytes);
    this.pieceBytes += 4 + CID_BYTES + bytes.length;
    this.raw += 4 + CID_BYTES + bytes.length;
    this.added++;
    if (this.pieceBytes >= PIECE) this.flush();
  }

  finish(): void {
    if (this.done) return;
    this.done = true;
    if (this.added !== this.count || this.raw > 0xffffffff) return; // short; or past 4 GiB: read from git
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      this.flush();
      const head = Buffer.alloc(12);
      head.write(MAGIC, 0, 'latin1');
      head.writeUInt32BE(this.count, 4);
      head.writeUInt32BE(this.raw, 8);
      let crc = crc32(head);
      for (const p of this.parts) crc = crc32(p, crc);
      const sum = Buffer.alloc(4);
      sum.writeUInt32BE(crc >>> 0);
      writeNewFile(tmp, [head, ...this.parts, sum], { mode: 0o644 }); // checked: a short write is an error, not a cache file
      fs.renameSync(tmp, this.file);
      this.prune();
    } catch {
      removeQuietly(tmp);
    }
  }

  abort(): void {
    this.done = true;
    this.piece = [];
    this.parts.length = 0;
  }

  private flush(): void {
    if (!this.pieceBytes) return;
    const z = brotliCompressSync(Buffer.concat(this.piece, this.pieceBytes), {
      params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_SIZE_HINT]: this.pieceBytes },
    });
    const len = Buffer.alloc(4);
    len.writeUInt32BE(z.length);
    this.parts.push(len, z);
    this.piece = [];
    this.pieceBytes = 0;
  }
}
