import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { cidFromBytes, type CID } from '../codec/cid.js';
import type { Latin1Source } from '../codec/dagcbor.js';
import { removeQuietly, staleTemp, TEMP_MAX_AGE_MS, writeAll, writeNewFile } from '../git/fsio.js';

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
 * Format: "ALC2", u32 count, count × (u32 length, 36-byte CID, bytes), u32 CRC-32. Big-endian.
 */
const MAGIC = 'ALC2';
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
    let buf: Buffer;
    try {
      buf = fs.readFileSync(this.file(commit));
    } catch {
      return undefined;
    }
    if (buf.length < 12 || buf.toString('latin1', 0, 4) !== MAGIC) return undefined;
    this.touch(commit);
    if (crc32(buf.subarray(0, buf.length - 4)) >>> 0 !== buf.readUInt32BE(buf.length - 4)) return undefined;
    const count = buf.readUInt32BE(4);
    const end = buf.length - 4;
    const out: CachedEvent[] = new Array(count);
    // Plain Uint8Array views: 20,000 of them for a 10k timeline, and a Buffer's cost far more to make.
    const u8 = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    // Strings decoded from these events are slices of this one string instead of copies (codec/dagcborDecode.ts).
    const text = buf.toString('latin1');
    let pos = 8;
    try {
      for (let i = 0; i < count; i++) {
        if (pos + 4 + CID_BYTES > end) return undefined;
        const len = ((u8[pos] << 24) | (u8[pos + 1] << 16) | (u8[pos + 2] << 8) | u8[pos + 3]) >>> 0;
        const cid = cidFromBytes(u8.subarray(pos + 4, pos + 4 + CID_BYTES));
        pos += 4 + CID_BYTES;
        if (pos + len > end) return undefined;
        out[i] = { cid, bytes: u8.subarray(pos, pos + len), source: { text, offset: pos } };
        pos += len;
      }
    } catch {
      return undefined;
    }
    return pos === end ? out : undefined;
  }

  write(commit: string, events: readonly CachedEvent[]): void {
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      // Written as its parts, never joined: the file is as big as the timeline's events.
      const parts: Uint8Array[] = [];
      const head = Buffer.alloc(8);
      head.write(MAGIC, 0, 'latin1');
      head.writeUInt32BE(events.length, 4);
      parts.push(head);
      let crc = crc32(head);
      for (const e of events) {
        if (e.cid.bytes.length !== CID_BYTES) return; // not a dag-cbor/sha2-256 CID: do not cache
        const len = Buffer.alloc(4);
        len.writeUInt32BE(e.bytes.length);
        parts.push(len, e.cid.bytes, e.bytes);
        crc = crc32(e.bytes, crc32(e.cid.bytes, crc32(len, crc)));
      }
      const sum = Buffer.alloc(4);
      sum.writeUInt32BE(crc >>> 0);
      parts.push(sum);
      const tmp = `${this.file(commit)}.${process.pid}.tmp`;
      try {
        writeNewFile(tmp, parts, { mode: 0o644 }); // checked: a short write is an error, not a cache file
        fs.renameSync(tmp, this.file(commit));
      } catch {
        removeQuietly(tmp);
        return;
      }
      this.prune();
    } catch {
      /* a cache that cannot be written is only a slower read */
    }
  }

  /**
   * A cache file of `count` events written as they come (a reader that streams a timeline holds
   * none of them): `add` each in seq order, then `finish` renames it into place; `abort` (or fewer
   * events than `count`) leaves nothing. Undefined when the folder cannot be made; a write that
   * fails makes the rest no-ops: a cache that cannot be written is only a slower read.
   */
  writer(commit: string, count: number): CacheWriter | undefined {
    try {
      fs.mkdirSync(this.dir, { recursive: true });
    } catch {
      return undefined;
    }
    return new CacheWriter(this.file(commit), count, () => this.prune());
  }

  /** Mark a file as just used (its mtime orders what prune keeps). */
  private touch(commit: string): void {
    try {
      const now = new Date();
      fs.utimesSync(this.file(commit), now, now);
    } catch {
      /* a cache file that cannot be touched may only go sooner */
    }
  }

  remove(commit: string): void {
    fs.rmSync(this.file(commit), { force: true });
  }

  /**
   * Keep the newest files within KEEP and KEEP_BYTES (and always the newest), and remove temporary files (`<commit>.events.<pid>.tmp`) that a
   * writer killed mid-write left (I14): those whose pid is gone on this machine, or older than ten
   * minutes whoever wrote them (a pid reused; a live writer takes milliseconds).
   */
  private prune(): void {
    const names = fs.readdirSync(this.dir);
    for (const f of names) {
      const m = /\.events\.(\d+)\.tmp$/.exec(f);
      if (m && staleTemp(path.join(this.dir, f), Number(m[1]), TEMP_MAX_AGE_MS)) removeQuietly(path.join(this.dir, f));
    }
    const files = names
      .filter((f) => f.endsWith('.events'))
      .map((f) => {
        const st = fs.statSync(path.join(this.dir, f));
        return { f, t: st.mtimeMs, size: st.size };
      })
      .sort((a, b) => b.t - a.t);
    let bytes = 0;
    files.forEach(({ f, size }, i) => {
      bytes += size;
      if (i > 0 && (i >= KEEP || bytes > KEEP_BYTES)) fs.rmSync(path.join(this.dir, f), { force: true });
    });
  }
}

/** Bytes a CacheWriter gathers before it writes them. */
const WRITE_BATCH = 1 << 20;

/** One cache file being written event by event (EventCache.writer). */
export class CacheWriter {
  private readonly tmp: string;
  private fd = -1;
  private parts: Uint8Array[] = [];
  private pending = 0;
  private crc = 0;
  private added = 0;
  private done = false;

  constructor(
    private readonly file: string,
    private readonly count: number,
    private readonly prune: () => void,
  ) {
    this.tmp = `${file}.${process.pid}.tmp`;
    const head = Buffer.alloc(8);
    head.write(MAGIC, 0, 'latin1');
    head.writeUInt32BE(count, 4);
    this.push(head);
  }

  add(cid: CID, bytes: Uint8Array): void {
    if (this.done) return;
    if (cid.bytes.length !== CID_BYTES) {
      this.abort(); // not a dag-cbor/sha2-256 CID: do not cache
      return;
    }
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    this.push(len);
    this.push(cid.bytes);
    this.push(bytes);
    this.added++;
    if (this.pending >= WRITE_BATCH) this.flush();
  }

  finish(): void {
    if (this.done) return;
    if (this.added !== this.count) {
      this.abort();
      return;
    }
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(this.crc >>> 0);
    this.parts.push(sum);
    this.flush();
    if (this.done) return; // the flush failed
    this.done = true;
    try {
      fs.closeSync(this.fd);
      this.fd = -1;
      fs.renameSync(this.tmp, this.file);
      this.prune();
    } catch {
      this.closeQuietly();
      removeQuietly(this.tmp);
    }
  }

  abort(): void {
    if (this.done) return;
    this.done = true;
    this.parts = [];
    this.closeQuietly();
    removeQuietly(this.tmp);
  }

  private push(part: Uint8Array): void {
    this.parts.push(part);
    this.pending += part.length;
    this.crc = crc32(part, this.crc);
  }

  private flush(): void {
    try {
      if (this.fd < 0) this.fd = fs.openSync(this.tmp, 'w', 0o644);
      writeAll(this.fd, this.parts, this.tmp); // checked: a short write is an error, not a cache file
      this.parts = [];
      this.pending = 0;
    } catch {
      this.abort();
    }
  }

  private closeQuietly(): void {
    if (this.fd < 0) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      /* only ever removed after this */
    }
    this.fd = -1;
  }
}
