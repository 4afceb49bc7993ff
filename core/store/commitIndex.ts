import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { CID, cidFromBytes } from '../codec/cid.js';
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

export class CommitIndex {
  private readonly entries = new Map<string, IndexedCommit>();
  private changed = false;

  private constructor(private readonly file: string) {}

  /** The index of a store, brought up to date with `timelines` (name → tip), saved when it changed. */
  static update(ctx: StoreContext, timelines: ReadonlyMap<string, string>): CommitIndex {
    const index = new CommitIndex(path.join(ctx.commonDir, 'agentlog', FILE));
    index.load();
    for (const [name, tip] of timelines) {
      for (let oid: string | undefined = tip; oid && !index.entries.has(oid); ) {
        let info: ReturnType<typeof commitInfo>;
        try {
          info = commitInfo(ctx, oid);
        } catch {
          break; // a missing or corrupt commit: verify names it; the index holds what it could read
        }
        index.entries.set(oid, { oid, cid: info.cid?.toString(), seq: info.seq, hint: name });
        index.changed = true;
        oid = info.commit.parents[0];
      }
    }
    if (index.changed) index.save();
    return index;
  }

  /** Every indexed commit (every commit on a timeline of the store as of the update). */
  all(): IterableIterator<IndexedCommit> {
    return this.entries.values();
  }

  get size(): number {
    return this.entries.size;
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
      const names: string[] = [];
      const nNames = buf.readUInt32BE(pos);
      pos += 4;
      for (let i = 0; i < nNames; i++) {
        const len = buf.readUInt16BE(pos);
        if (pos + 2 + len > end) return;
        names.push(buf.toString('utf8', pos + 2, pos + 2 + len));
        pos += 2 + len;
      }
      const count = buf.readUInt32BE(pos);
      pos += 4;
      if (pos + count * ENTRY !== end) return;
      const zero = Buffer.alloc(36);
      for (let i = 0; i < count; i++, pos += ENTRY) {
        const oid = buf.toString('hex', pos, pos + 20);
        const cidBytes = buf.subarray(pos + 20, pos + 56);
        const seq = buf.readUInt32BE(pos + 56);
        const hint = names[buf.readUInt32BE(pos + 60)];
        if (hint === undefined) return;
        const cid = cidBytes.equals(zero) ? undefined : cidFromBytes(new Uint8Array(cidBytes)).toString();
        this.entries.set(oid, { oid, cid, seq: seq === 0xffffffff ? -1 : seq, hint });
      }
    } catch {
      this.entries.clear();
    }
  }

  /** Write the index whole through a temporary file and a rename; a failed write costs only a slower next lookup. */
  private save(): void {
    const names = new Map<string, number>();
    for (const e of this.entries.values()) if (!names.has(e.hint)) names.set(e.hint, names.size);
    const nameParts: Buffer[] = [];
    for (const n of names.keys()) {
      const b = Buffer.from(n, 'utf8');
      const len = Buffer.alloc(2);
      len.writeUInt16BE(Math.min(b.length, 0xffff));
      nameParts.push(len, b.subarray(0, 0xffff));
    }
    const table = Buffer.alloc(this.entries.size * ENTRY);
    let pos = 0;
    for (const e of this.entries.values()) {
      table.write(e.oid, pos, 20, 'hex');
      if (e.cid) {
        const bytes = CID.parse(e.cid).bytes;
        if (bytes.length === 36) table.set(bytes, pos + 20);
      }
      table.writeUInt32BE(e.seq < 0 ? 0xffffffff : e.seq, pos + 56);
      table.writeUInt32BE(names.get(e.hint)!, pos + 60);
      pos += ENTRY;
    }
    const head = Buffer.alloc(8);
    head.write(MAGIC, 0, 'latin1');
    head.writeUInt32BE(names.size, 4);
    const count = Buffer.alloc(4);
    count.writeUInt32BE(this.entries.size);
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
