import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { deflateSync } from 'node:zlib';
import { encodeOfsBack, objectHeader, OFS_DELTA, packHeader, REF_DELTA, TYPE_CODE, zlibStored } from './format.js';
import { AgentlogError } from '../../errors.js';
import { ioError, writeAll } from '../fsio.js';
import { parseCommit } from '../commit.js';
import type { GitObject, ObjectType } from '../object.js';
import { parseTree } from '../tree.js';

/** Reads one object (loose or packed); throws when it is missing. */
export type ReadObject = (oid: string) => GitObject;

/** Longest delta chain written (git's default `pack.depth` is 50): readers resolve chains recursively. */
export const MAX_DELTA_DEPTH = 50;

export interface BuiltPack {
  pack: Buffer;
  objects: number;
  deltas: number;
}

/**
 * A pack built into a file (buildPackFile): the file holds its entries only; `stream()` gives the
 * whole pack (header, entries, SHA-1 trailer, hashed as it goes), `bytes` long.
 */
export interface PackFile {
  file: string;
  objects: number;
  deltas: number;
  bytes: number;
  stream(): Readable;
}

/**
 * Build one pack (version 2) holding every object reachable from `wants` that is not reachable from
 * `haves`: commits, trees and event blobs, the way `git push` builds its pack.
 *
 * Deltas: a timeline's trees change by one entry per commit (a leaf gains one event, `events/` one
 * bucket id), so each tree is stored as an offset delta against the tree at the same path in the
 * commit before it (a copy of the old bytes plus the new entry): a 10,000-event timeline's trees
 * shrink from tens of megabytes to a few hundred kilobytes, as `git push` makes them. Event blobs and
 * commits are stored whole. Commits go oldest first so bases precede their deltas.
 */
export async function buildPack(
  read: ReadObject,
  wants: string[],
  haves: string[],
  onProgress?: (done: number, total: number) => void,
  /** May trees delta against the remote's objects (a thin pack, as `git push` sends)? */
  thin = false,
): Promise<BuiltPack> {
  const writer = new PackWriter();
  await packObjects(read, wants, haves, writer, onProgress, thin);
  return { pack: writer.finish(), objects: writer.count, deltas: writer.deltas };
}

/**
 * buildPack, with the entries written to `file` (a new file) as they are made, a MiB at a time: memory
 * holds the walk (object ids, the last tree at each path), never the pack (issue 20: a whole store's
 * push held 9–12 times its pack). The header and trailer are added as the pack is streamed.
 */
export async function buildPackFile(
  read: ReadObject,
  wants: string[],
  haves: string[],
  file: string,
  onProgress?: (done: number, total: number) => void,
  thin = false,
): Promise<PackFile> {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (e) {
    throw ioError(e, 'create', file);
  }
  let writer: PackWriter;
  try {
    writer = new PackWriter((chunks) => writeAll(fd, chunks, file));
    await packObjects(read, wants, haves, writer, onProgress, thin);
    writer.flush();
  } finally {
    fs.closeSync(fd);
  }
  const count = writer.count;
  const bodyBytes = writer.offset - 12;
  return {
    file,
    objects: count,
    deltas: writer.deltas,
    bytes: writer.offset + 20,
    stream: () => Readable.from(packChunks(file, count, bodyBytes)),
  };
}

/** The pack of a PackFile: header, the file's entries (checked to be all there), SHA-1 of both. */
async function* packChunks(file: string, count: number, bodyBytes: number): AsyncGenerator<Buffer> {
  const hash = createHash('sha1');
  const header = packHeader(count);
  hash.update(header);
  yield header;
  let n = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    n += chunk.length;
    hash.update(chunk);
    yield chunk;
  }
  if (n !== bodyBytes) throw new AgentlogError('E_IO', `the outgoing pack ${file} holds ${n} bytes, not the ${bodyBytes} written; push again`, { file });
  yield hash.digest();
}

/** The objects of buildPack, into `writer`. */
async function packObjects(
  read: ReadObject,
  wants: string[],
  haves: string[],
  writer: PackWriter,
  onProgress: ((done: number, total: number) => void) | undefined,
  thin: boolean,
): Promise<void> {
  // Commits to send, each after its parents. First stop only at the remote's tips (the usual case:
  // a timeline pushed before and extended since); if a walk runs past them to a root commit, walk
  // everything the remote has and stop there too (a fork of an old point, a new timeline).
  const tips = new Set(haves);
  let plan = newCommits(read, wants, (oid) => tips.has(oid));
  if (plan.reachedRoot && haves.length) {
    const haveCommits = reachable(read, haves);
    plan = newCommits(read, wants, (oid) => haveCommits.has(oid));
  }
  const { order, commits, boundary } = plan;

  /**
   * For each tree path: the last version of that tree in this pack (entry index, bytes, chain
   * depth), or (`oid` set, `index` -1) a version the remote holds, which a thin pack may delta against.
   */
  const lastAtPath = new Map<string, { index: number; oid?: string; content: Buffer; depth: number }>();
  const written = new Set<string>();
  const total = () => order.length + written.size;
  let progressAt = 0;

  // Objects the remote has: the trees of the commits the new ones grow from. For a timeline's tree
  // only the trees on the path to its last event are read (a complete folder's events are reached
  // only through it), so a push of 100 new events reads a handful of the remote's trees, not all.
  const uninteresting = new Set<string>();
  const markTree = (oid: string): void => {
    if (uninteresting.has(oid)) return;
    uninteresting.add(oid);
    for (const e of parseTree(read(oid).content, oid)) {
      if (e.mode === '40000') markTree(e.oid);
      else uninteresting.add(e.oid);
    }
  };
  for (const b of boundary) {
    const rootOid = parseCommit(read(b).content, b).tree;
    const root = read(rootOid).content;
    const entries = parseTree(root, rootOid);
    // A timeline's root: events/, and the newest workspace snapshot beside it (store/layout.ts I16),
    // whose files the remote holds: all marked, so a push sends only the files that changed.
    const events = entries[0]?.name === 'events' && entries[0].mode === '40000' ? entries[0] : undefined;
    const others = entries.slice(1);
    if (!events || others.some((e) => e.name !== 'workspace' || e.mode !== '40000')) {
      markTree(rootOid);
      continue;
    }
    for (const e of others) markTree(e.oid);
    uninteresting.add(rootOid);
    uninteresting.add(events.oid);
    if (thin) lastAtPath.set('', { index: -1, oid: rootOid, content: root, depth: 0 });
    // Down the path to the remote's last event: every entry of each folder on it is the remote's
    // (complete subtrees, and the last leaf's events); with a thin pack each of those folders is
    // also the base of the next version of the folder at its place.
    let key = '/events';
    let oid = events.oid;
    let content = read(events.oid).content;
    for (;;) {
      if (thin) lastAtPath.set(key, { index: -1, oid, content, depth: 0 });
      const entries = parseTree(content, oid);
      for (const e of entries) uninteresting.add(e.oid);
      const last = entries[entries.length - 1];
      if (last?.mode !== '40000') break;
      key += '/*';
      oid = last.oid;
      content = read(oid).content;
    }
  }

  const addTree = (oid: string, at: string): void => {
    if (written.has(oid) || uninteresting.has(oid)) return;
    written.add(oid);
    const content = read(oid).content;
    const base = lastAtPath.get(at);
    let index: number;
    let depth = 0;
    const delta = base && base.depth < MAX_DELTA_DEPTH ? makeDelta(base.content, content) : undefined;
    // A delta under git's 4-byte minimum (patch_delta) is never sent: git would call the pack corrupt.
    if (base && delta && delta.length >= 4 && delta.length < content.length / 2) {
      index = base.oid ? writer.addRefDelta(base.oid, delta) : writer.addOfsDelta(base.index, delta);
      depth = base.depth + 1;
    } else {
      index = writer.add('tree', content);
    }
    lastAtPath.set(at, { index, content, depth });
    // A tree that only appended entries to its base: the base's entries were visited already.
    const appended = base && content.length > base.content.length && content.subarray(0, base.content.length).equals(base.content);
    for (const e of parseTree(appended ? content.subarray(base.content.length) : content, oid)) {
      const child = `${at}/${e.name}`;
      if (e.mode === '40000') addTree(e.oid, pathKey(child));
      else if (e.mode !== '160000' && !written.has(e.oid) && !uninteresting.has(e.oid)) {
        written.add(e.oid);
        const blob = read(e.oid);
        // A blob stored whole in a pack goes out as it is stored: no inflate-deflate round trip.
        if (blob.packed) writer.addPacked(blob.type, blob.content.length, blob.packed);
        else writer.add(blob.type, blob.content);
      }
    }
  };

  for (const oid of order) {
    const c = commits.get(oid)!;
    writer.add('commit', read(oid).content);
    addTree(c.tree, '');
    if (writer.count - progressAt >= 1000) {
      progressAt = writer.count;
      onProgress?.(writer.count, total());
      await new Promise((r) => setImmediate(r)); // let the event loop breathe (an editor's UI, progress output)
    }
  }
  onProgress?.(writer.count, writer.count);
}

/**
 * Folders under events/ are keyed by their depth rather than their names, so a new folder deltas
 * against the previous folder at the same depth (the same shape: names differ in a few digits).
 */
function pathKey(p: string): string {
  const parts = p.split('/');
  return parts.length >= 3 && parts[1] === 'events' ? `/events${'/*'.repeat(parts.length - 2)}` : p;
}

/**
 * Lays out pack entries (deflated at level 1, like loose objects here) as they are added, each at its
 * offset, with offset deltas pointing back: kept in memory for finish() (the whole pack with its
 * SHA-1 trailer), or, given a `sink`, handed to it a MiB at a time (flush() hands the rest) and
 * forgotten. (Deflating on libuv's thread pool instead was measured no faster on this 2-core machine.)
 */
export class PackWriter {
  count = 0;
  deltas = 0;
  /** The pack offset of the next entry (after the 12-byte header). */
  offset = 12;
  private readonly offsets: number[] = [];
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly sink?: (chunks: Buffer[]) => void) {}

  /** Add a whole object; returns its index. */
  add(type: ObjectType, content: Buffer): number {
    return this.push(TYPE_CODE[type], content, -1);
  }

  /** Add a whole object whose zlib stream is at hand (copied from a pack); returns its index. */
  addPacked(type: ObjectType, size: number, z: Buffer): number {
    return this.entry(TYPE_CODE[type], size, z);
  }

  /** Add an object as a delta against an object the receiver holds (thin packs); returns its index. */
  addRefDelta(baseOid: string, delta: Buffer): number {
    this.deltas++;
    return this.push(REF_DELTA, delta, -1, Buffer.from(baseOid, 'hex'));
  }

  /** Add an object as a delta against the entry with index `base`; returns its index. */
  addOfsDelta(base: number, delta: Buffer): number {
    this.deltas++;
    return this.push(OFS_DELTA, delta, base);
  }

  private push(type: number, data: Buffer, base: number, refBase?: Buffer): number {
    // An output chunk of about the object's size (up to zlib's default 16 KiB): the default chunk,
    // allocated for every commit and small tree, made a deflate of 300 bytes cost 3-4 times as much.
    const z = data.length <= STORE_BELOW ? zlibStored(data) : deflateSync(data, { level: 1, chunkSize: Math.min(16384, data.length + 64) });
    return this.entry(type, data.length, z, base, refBase);
  }

  private entry(type: number, size: number, z: Buffer, base = -1, refBase?: Buffer): number {
    const head = [...objectHeader(type, size)];
    if (base >= 0) head.push(...encodeOfsBack(this.offset - this.offsets[base]));
    const h = refBase ? Buffer.concat([Buffer.from(head), refBase]) : Buffer.from(head);
    this.offsets.push(this.offset);
    this.chunks.push(h, z);
    this.offset += h.length + z.length;
    this.buffered += h.length + z.length;
    if (this.sink && this.buffered >= 1 << 20) this.flush();
    return this.count++;
  }

  /** Hand what is buffered to the sink. */
  flush(): void {
    if (!this.sink || !this.chunks.length) return;
    this.sink(this.chunks);
    this.chunks = [];
    this.buffered = 0;
  }

  /** The whole pack (a writer without a sink). */
  finish(): Buffer {
    const body = Buffer.concat([packHeader(this.count), ...this.chunks]);
    return Buffer.concat([body, createHash('sha1').update(body).digest()]);
  }
}

/**
 * Entries this small (tree deltas, root trees) are written as a zlib stream of one stored block:
 * deflate would save a few bytes at most, and each zlib call costs ~30 µs of set-up, which for the
 * 30,000 small entries of a 10,000-event push was a third of the time spent packing.
 */
const STORE_BELOW = 200;

/**
 * A git delta turning `base` into `target`: the common prefix and suffix are copied from the base,
 * the middle inserted. Exact for trees that gained or changed a few entries (the timeline case).
 */
export function makeDelta(base: Buffer, target: Buffer): Buffer {
  let prefix = 0;
  const max = Math.min(base.length, target.length);
  if (target.length >= base.length && target.subarray(0, base.length).equals(base)) prefix = base.length;
  else while (prefix < max && base[prefix] === target[prefix]) prefix++;
  let suffix = 0;
  while (suffix < max - prefix && base[base.length - 1 - suffix] === target[target.length - 1 - suffix]) suffix++;
  const out: number[] = [];
  const varint = (n: number): void => {
    do {
      let b = n & 0x7f;
      n = Math.floor(n / 128);
      if (n > 0) b |= 0x80;
      out.push(b);
    } while (n > 0);
  };
  varint(base.length);
  varint(target.length);
  const copy = (off: number, len: number): void => {
    while (len > 0) {
      const n = Math.min(len, 0xffffff);
      let op = 0x80;
      const args: number[] = [];
      for (let i = 0; i < 4; i++) {
        const b = Math.floor(off / 2 ** (8 * i)) & 0xff;
        if (b) {
          op |= 1 << i;
          args.push(b);
        }
      }
      for (let i = 0; i < 3; i++) {
        const b = (n >> (8 * i)) & 0xff;
        if (b) {
          op |= 0x10 << i;
          args.push(b);
        }
      }
      out.push(op, ...args);
      off += n;
      len -= n;
    }
  };
  copy(0, prefix);
  const mid = target.subarray(prefix, target.length - suffix);
  for (let i = 0; i < mid.length; i += 127) {
    const part = mid.subarray(i, i + 127);
    out.push(part.length, ...part);
  }
  copy(base.length - suffix, suffix);
  return Buffer.from(out);
}

interface Plan {
  order: string[];
  commits: Map<string, { tree: string }>;
  boundary: Set<string>;
  reachedRoot: boolean;
}

/** The commits reachable from `wants` up to (not into) those `known` says the remote has, parents first. */
function newCommits(read: ReadObject, wants: string[], known: (oid: string) => boolean): Plan {
  const order: string[] = [];
  const seen = new Set<string>();
  const boundary = new Set<string>();
  const commits = new Map<string, { tree: string }>();
  let reachedRoot = false;
  const walk: Array<{ oid: string; expanded: boolean }> = wants.filter((w) => !known(w)).map((oid) => ({ oid, expanded: false }));
  while (walk.length) {
    const top = walk[walk.length - 1];
    if (top.expanded) {
      walk.pop();
      order.push(top.oid);
      continue;
    }
    if (seen.has(top.oid)) {
      walk.pop();
      continue;
    }
    seen.add(top.oid);
    top.expanded = true;
    const obj = read(top.oid);
    if (obj.type !== 'commit') throw new AgentlogError('E_OBJECT', `git object ${top.oid} is a ${obj.type}, not a commit`, { oid: top.oid });
    const c = parseCommit(obj.content, top.oid);
    commits.set(top.oid, { tree: c.tree });
    if (!c.parents.length) reachedRoot = true;
    for (const p of c.parents) {
      if (known(p)) boundary.add(p);
      else if (!seen.has(p)) walk.push({ oid: p, expanded: false });
    }
  }
  return { order, commits, boundary, reachedRoot };
}

/** Every commit reachable from `tips` that is held locally. */
function reachable(read: ReadObject, tips: string[]): Set<string> {
  const out = new Set<string>();
  const stack = tips.slice();
  while (stack.length) {
    const oid = stack.pop()!;
    if (out.has(oid)) continue;
    let obj: GitObject;
    try {
      obj = read(oid);
    } catch {
      continue; // a remote ref we do not hold
    }
    if (obj.type !== 'commit') continue;
    out.add(oid);
    for (const p of parseCommit(obj.content, oid).parents) stack.push(p);
  }
  return out;
}
