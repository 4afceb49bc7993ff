import { hash } from 'node:crypto';
import { DIR_LEVELS, DIR_MODE, EVENTS_DIR, eventPath, FANOUT, FILE_MODE, WORKSPACE_DIR } from '../store/layout.js';

/**
 * The tree ids the commit that appended seq s must have (I4, I16), computed from the tip's event
 * blobs instead of read: its root tree (`events/`, and `workspace/` when a checkpoint came before),
 * `events/`, and each folder down to the last event's. The tree of seq s holds exactly events 0…s,
 * each the tip's blob (I4), so its bytes follow from the tip's blob list, and a commit whose tree id
 * is the one computed holds exactly that (SHA-1 names the bytes: every entry, name and mode, down to
 * each event's blob). verify (timeline/verify.ts) compares the two instead of reading four trees per
 * commit, and reads the trees only when they differ, to name what differs.
 *
 * The trees are serialized as the store writes them (git/tree.ts serializeTree, in the order of
 * buildCommit.ts; test/timeline/spine-ids.test.ts holds the two together). Walked seq by seq, oldest
 * first: each folder keeps the entries of its complete children, and a seq costs one SHA-1 per
 * level over at most FANOUT entries (the top folder: one per FANOUT ** DIR_LEVELS events).
 */
export class SpineIds {
  /** Per level (0: `events/`, DIR_LEVELS: a folder of event files), the entries of its complete children. */
  private readonly done: Entries[] = [];
  /** The seq `at` expects next (another starts over from 0). */
  private next = 0;

  constructor(private readonly blobs: readonly string[]) {
    for (let level = 0; level <= DIR_LEVELS; level++) this.done.push(new Entries());
  }

  /** [root, events/, each folder down to seq's]: the ids (20 bytes each) of the trees on the path to event `seq` in its own commit. */
  at(seq: number, workspace: string | undefined): Buffer[] {
    if (seq !== this.next) {
      for (const e of this.done) e.length = 0;
      for (let q = 0; q < seq; q++) this.step(q);
    }
    const names = eventPath(seq);
    const ids: Buffer[] = new Array(DIR_LEVELS + 1);
    const entry = new Entries();
    entry.add(FILE_MODE, names[DIR_LEVELS], Buffer.from(this.blobs[seq], 'hex'));
    ids[DIR_LEVELS] = treeId(this.done[DIR_LEVELS], entry);
    for (let level = DIR_LEVELS - 1; level >= 0; level--) {
      entry.length = 0;
      entry.add(DIR_MODE, names[level], ids[level + 1]);
      ids[level] = treeId(this.done[level], entry);
    }
    const root = new Entries();
    root.add(DIR_MODE, EVENTS_DIR, ids[0]);
    if (workspace) root.add(DIR_MODE, WORKSPACE_DIR, Buffer.from(workspace, 'hex'));
    this.step(seq);
    return [treeId(root), ...ids];
  }

  /** Event `seq` added to its folder; each folder it completes becomes an entry of the one above it. */
  private step(seq: number): void {
    const names = eventPath(seq);
    this.done[DIR_LEVELS].add(FILE_MODE, names[DIR_LEVELS], Buffer.from(this.blobs[seq], 'hex'));
    for (let level = DIR_LEVELS - 1; level >= 0; level--) {
      if ((seq + 1) % FANOUT ** (DIR_LEVELS - level) !== 0) break;
      this.done[level].add(DIR_MODE, names[level], treeId(this.done[level + 1]));
      this.done[level + 1].length = 0;
    }
    this.next = seq + 1;
  }
}

/** Serialized tree entries (`<mode> <name>\0<20-byte id>`), appended in order. */
class Entries {
  buf = Buffer.allocUnsafe(1024);
  length = 0;

  add(mode: string, name: string, id: Uint8Array): void {
    const need = this.length + mode.length + Buffer.byteLength(name) + 22;
    if (need > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    this.length += this.buf.write(mode, this.length, 'latin1');
    this.buf[this.length++] = 0x20;
    this.length += this.buf.write(name, this.length, 'utf8');
    this.buf[this.length++] = 0;
    this.buf.set(id, this.length);
    this.length += 20;
  }
}

/** Where treeId lays out a tree object (header and entries) to hash it in one call. */
let scratch = Buffer.allocUnsafe(4096);

/** The git id (binary SHA-1) of the tree whose entries are `a`'s, then `b`'s. */
function treeId(a: Entries, b?: Entries): Buffer {
  const size = a.length + (b?.length ?? 0);
  const header = `tree ${size}\0`;
  if (scratch.length < header.length + size) scratch = Buffer.allocUnsafe(2 * (header.length + size));
  let pos = scratch.write(header, 0, 'latin1');
  pos += a.buf.copy(scratch, pos, 0, a.length);
  if (b) pos += b.buf.copy(scratch, pos, 0, b.length);
  return hash('sha1', scratch.subarray(0, pos), 'buffer') as unknown as Buffer;
}
