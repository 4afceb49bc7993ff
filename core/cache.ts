import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A derived, rebuildable cache of a timeline's event bytes: `.git/agentlog/cache/<commit>.events`
 * holds every event of that commit's tree, in seq order, in one file. Reading a big timeline is
 * then one file read instead of a tree walk and thousands of object reads. Entries are still
 * decoded strictly and their CIDs recomputed by the caller, so a damaged or stale file can cost
 * time but never show wrong events; deleting the folder is always safe.
 *
 * Format: "ALC1", u32 count, then count × (u32 length, bytes). Big-endian.
 */
const MAGIC = 'ALC1';
const KEEP = 16;

export class EventCache {
  constructor(private readonly dir: string) {}

  private file(commit: string): string {
    return path.join(this.dir, `${commit}.events`);
  }

  has(commit: string): boolean {
    return fs.existsSync(this.file(commit));
  }

  /** The cached event bytes of `commit`, or undefined if absent or unreadable. */
  read(commit: string): Uint8Array[] | undefined {
    let buf: Buffer;
    try {
      buf = fs.readFileSync(this.file(commit));
    } catch {
      return undefined;
    }
    if (buf.length < 8 || buf.toString('latin1', 0, 4) !== MAGIC) return undefined;
    const count = buf.readUInt32BE(4);
    const out: Uint8Array[] = new Array(count);
    let pos = 8;
    for (let i = 0; i < count; i++) {
      if (pos + 4 > buf.length) return undefined;
      const len = buf.readUInt32BE(pos);
      pos += 4;
      if (pos + len > buf.length) return undefined;
      out[i] = buf.subarray(pos, pos + len);
      pos += len;
    }
    return pos === buf.length ? out : undefined;
  }

  remove(commit: string): void {
    fs.rmSync(this.file(commit), { force: true });
  }

  write(commit: string, events: readonly Uint8Array[]): void {
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      const parts: Buffer[] = [];
      const head = Buffer.alloc(8);
      head.write(MAGIC, 0, 'latin1');
      head.writeUInt32BE(events.length, 4);
      parts.push(head);
      for (const e of events) {
        const len = Buffer.alloc(4);
        len.writeUInt32BE(e.length);
        parts.push(len, Buffer.from(e.buffer, e.byteOffset, e.byteLength));
      }
      const tmp = `${this.file(commit)}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, Buffer.concat(parts));
      fs.renameSync(tmp, this.file(commit));
      this.prune();
    } catch {
      /* a cache that cannot be written is only a slower read */
    }
  }

  private prune(): void {
    const files = fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith('.events'))
      .map((f) => ({ f, t: fs.statSync(path.join(this.dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { f } of files.slice(KEEP)) fs.rmSync(path.join(this.dir, f), { force: true });
  }
}
