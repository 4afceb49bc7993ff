import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { CID } from '../codec/cid.js';
import { removeQuietly, writeNewFile } from '../git/fsio.js';
import { commitInfo } from './history.js';
import type { StoreContext } from './types.js';

/**
 * A derived index (I14) of every commit on the store's timelines: its id, its event's CID (from its
 * Agentlog-Event trailer), its seq, and the name of a timeline it was found on (a hint, checked by the
 * caller), so that a short commit id or a short CID (what `log` and `show` print) is looked up without
 * walking the history of every timeline. The set is closed under first parents (I3): a commit is
 * added only with everything below it, so a tip already in the index costs one lookup and a tip that
 * moved costs a walk back to the first commit the index holds (an append: one commit read). Keyed by
 * commit ids, which pin all below them (I15): an entry never goes stale. Never authoritative: a file
 * that is missing, damaged (CRC-32), of another version or too big is ignored and rebuilt; deleting
 * it is always safe. Commits no timeline reaches any more (a deleted fork's own few) stay until the
 * file is deleted; a lookup checks that what it found is still on a timeline.
 *
 * File: `.git/agentlog/commits.idx`: "ALK1", u32 name count, each name (u16 length, UTF-8), u32 entry
 * count, each entry 64 bytes (20-byte commit id, 36-byte CID or zeros, u32 seq (0xffffffff: none),
 * u32 name index), u32 CRC-32 of all before it. Big-endian. 64 bytes a commit: 6.4 MB for 100,000.
 */
const FILE = 'commits.idx';
const MAGIC = 'ALK1';
const ENTRY = 64;
const MAX_FILE = 512 << 20;

/** One commit of the index. */
export interface IndexedCommit {
  oid: string;
  /** The CID its Agentlog-Event trailer names (base32), or undefined. */
  cid: string | undefined;
  seq: number;
  /** A timeline it was found on (it may have moved or gone since: a hint). */
  hint: string;
}

/** The length of a CIDv1 dag-cbor sha2-256 in base32 (`b` and 58 characters). */
const CID_TEXT = 59;
const NONE = new Uint8Array(36);

/**
 * Held in columns (ids, CID bytes, seqs, hint numbers), not one object a commit: reading the file
 * makes one string per commit (its id) and nothing else, and a search by CID runs the native
 * indexOf over one text of every CID, made when first asked for.
 */
export class CommitIndex {
  private readonly at = new Map<string, number>();
  private readonly oids: string[] = [];
  private cidChunks: Uint8Array[] = [];
  private readonly seqs: number[] = [];
  private readonly hints: number[] = [];
  private readonly names: string[] = [];
  private readonly nameAt = new Map<string, number>();
  private cidText: string | undefined;
  private changed = false;

  private constructor(private readonly file: string) {}

  /** The index of a store, brought up to date with `timelines` (name → tip), saved when it changed. */
  static update(ctx: StoreContext, timelines: ReadonlyMap<string, string>): CommitIndex {
    const index = new CommitIndex(path.join(ctx.commonDir, 'agentlog', FILE));
    index.load();
    for (const [name, tip] of timelines) {
      for (let oid: string | undefined = tip; oid && !index.at.has(oid); ) {
        let info: ReturnType<typeof commitInfo>;
        try {
          info = commitInfo(ctx, oid);
        } catch {
          break; // a missing or corrupt commit: verify names it; the index holds what it could read
        }
        const bytes = info.cid?.bytes;
        index.add(oid, bytes?.length === 36 ? bytes : NONE, info.seq, index.name(name));
        index.changed = true;
        oid = info.commit.parents[0];
      }
    }
    if (index.changed) index.save();
    return index;
  }

  get size(): number {
    return this.oids.length;
  }

  /** The commits whose id begins with `hex`. */
  byCommitPrefix(hex: string): IndexedCommit[] {
    const out: IndexedCommit[] = [];
    for (let i = 0; i < this.oids.length; i++) if (this.oids[i].startsWith(hex)) out.push(this.entry(i));
    return out;
  }

  /** The commits whose event's CID (base32 text) begins or ends with `text`. */
  byCid(text: string): IndexedCommit[] {
    // One line a commit, each CID_TEXT characters and a newline, after a first newline: line i
    // starts at (CID_TEXT + 1) * i + 1.
    if (this.cidText === undefined) {
      const all = this.cidBytes();
      const lines = Buffer.alloc(1 + this.oids.length * (CID_TEXT + 1), 0x0a);
      for (let i = 0; i < this.oids.length; i++) {
        const bytes = all.subarray(i * 36, i * 36 + 36);
        if (Buffer.compare(bytes, NONE) === 0) lines.fill(0x2d, 1 + i * (CID_TEXT + 1), 1 + i * (CID_TEXT + 1) + CID_TEXT);
        else writeCidText(bytes, lines, 1 + i * (CID_TEXT + 1));
      }
      this.cidText = lines.toString('latin1');
    }
    const found = new Set<number>();
    const line = CID_TEXT + 1;
    for (let p = this.cidText.indexOf(`\n${text}`); p >= 0; p = this.cidText.indexOf(`\n${text}`, p + 1)) found.add(p / line);
    for (let p = this.cidText.indexOf(`${text}\n`); p >= 0; p = this.cidText.indexOf(`${text}\n`, p + 1)) found.add((p + text.length) / line - 1);
    return [...found].filter((i) => Number.isInteger(i) && i >= 0 && i < this.oids.length).map((i) => this.entry(i));
  }

  private entry(i: number): IndexedCommit {
    const bytes = this.cidBytes().subarray(i * 36, i * 36 + 36);
    const none = Buffer.compare(bytes, NONE) === 0;
    return { oid: this.oids[i], cid: none ? undefined : CID.decode(bytes).toString(), seq: this.seqs[i], hint: this.names[this.hints[i]] };
  }

  private cidBytes(): Buffer {
    if (this.cidChunks.length !== 1 || !Buffer.isBuffer(this.cidChunks[0])) this.cidChunks = [Buffer.concat(this.cidChunks)];
    return this.cidChunks[0] as Buffer;
  }

  private name(n: string): number {
    let i = this.nameAt.get(n);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(n);
      this.nameAt.set(n, i);
    }
    return i;
  }

  private add(oid: string, cid: Uint8Array, seq: number, hint: number): void {
    this.at.set(oid, this.oids.length);
    this.oids.push(oid);
    this.cidChunks.push(cid);
    this.seqs.push(seq);
    this.hints.push(hint);
    this.cidText = undefined;
  }

  private load(): void {
    let buf: Buffer;
    try {
      if (fs.statSync(this.file).size > MAX_FILE) return;
      buf = fs.readFileSync(this.file);
    } catch {
      return;
    }
    if (buf.length < 16 || buf.toString('latin1', 0, 4) !== MAGIC) return;
    if (crc32(buf.subarray(0, buf.length - 4)) >>> 0 !== buf.readUInt32BE(buf.length - 4)) return;
    const end = buf.length - 4;
    try {
      let pos = 4;
      const nNames = buf.readUInt32BE(pos);
      pos += 4;
      const names: string[] = [];
      for (let i = 0; i < nNames; i++) {
        const len = buf.readUInt16BE(pos);
        if (pos + 2 + len > end) return;
        names.push(buf.toString('utf8', pos + 2, pos + 2 + len));
        pos += 2 + len;
      }
      const count = buf.readUInt32BE(pos);
      pos += 4;
      if (pos + count * ENTRY !== end) return;
      const cids = Buffer.alloc(count * 36);
      for (let i = 0; i < count; i++, pos += ENTRY) {
        const hint = buf.readUInt32BE(pos + 60);
        if (hint >= names.length) throw new Error('a hint out of range');
        const oid = buf.toString('hex', pos, pos + 20);
        const seq = buf.readUInt32BE(pos + 56);
        buf.copy(cids, i * 36, pos + 20, pos + 56);
        this.at.set(oid, i);
        this.oids.push(oid);
        this.seqs.push(seq === 0xffffffff ? -1 : seq);
        this.hints.push(hint);
      }
      for (const n of names) this.name(n);
      this.cidChunks = [cids];
    } catch {
      this.at.clear();
      this.oids.length = 0;
      this.seqs.length = 0;
      this.hints.length = 0;
      this.cidChunks = [];
    }
  }

  /** Write the index whole through a temporary file and a rename; a failed write costs only a slower next lookup. */
  private save(): void {
    const nameParts: Buffer[] = [];
    for (const n of this.names) {
      const b = Buffer.from(n, 'utf8').subarray(0, 0xffff);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(b.length);
      nameParts.push(len, b);
    }
    const cids = this.cidBytes() ?? Buffer.alloc(0);
    const table = Buffer.alloc(this.oids.length * ENTRY);
    for (let i = 0, pos = 0; i < this.oids.length; i++, pos += ENTRY) {
      table.write(this.oids[i], pos, 20, 'hex');
      cids.copy(table, pos + 20, i * 36, i * 36 + 36);
      table.writeUInt32BE(this.seqs[i] < 0 ? 0xffffffff : this.seqs[i], pos + 56);
      table.writeUInt32BE(this.hints[i], pos + 60);
    }
    const head = Buffer.alloc(8);
    head.write(MAGIC, 0, 'latin1');
    head.writeUInt32BE(this.names.length, 4);
    const count = Buffer.alloc(4);
    count.writeUInt32BE(this.oids.length);
    const body = Buffer.concat([head, ...nameParts, count, table]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      writeNewFile(tmp, [body, crc], { mode: 0o644 });
      fs.renameSync(tmp, this.file);
      this.changed = false;
    } catch {
      removeQuietly(tmp);
    }
  }
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * A binary CID's string form, multibase base32 (`b` and RFC 4648 lowercase, no padding), as
 * CID.toString() prints a CIDv1, written into `out` at `at`: done here for every commit of the
 * index at once, where the generic encoder would make a string for each.
 */
function writeCidText(bytes: Uint8Array, out: Buffer, at: number): void {
  out[at++] = 0x62; // b
  let bits = 0;
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    value = ((value << 8) | bytes[i]) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out[at++] = BASE32.charCodeAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  if (bits > 0) out[at++] = BASE32.charCodeAt((value << (5 - bits)) & 31);
}
