import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { AgentlogError } from '../errors.js';
import { parseCommit } from '../git/commit.js';
import type { GitObject, ObjectType } from '../git/objects.js';
import { parseTree } from '../git/tree.js';

/** Reads one object (loose or packed); throws when it is missing. */
export type ReadObject = (oid: string) => GitObject;

const TYPE_CODE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };
const OFS_DELTA = 6;
/** Longest delta chain written (git's default `pack.depth` is 50): readers resolve chains recursively. */
export const MAX_DELTA_DEPTH = 50;

export interface BuiltPack {
  pack: Buffer;
  objects: number;
  deltas: number;
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
export function buildPack(read: ReadObject, wants: string[], haves: string[], onProgress?: (done: number, total: number) => void): BuiltPack {
  // Commits the remote has: everything reachable from `haves`.
  const haveCommits = new Set<string>();
  const stack = haves.slice();
  while (stack.length) {
    const oid = stack.pop()!;
    if (haveCommits.has(oid)) continue;
    let obj: GitObject;
    try {
      obj = read(oid);
    } catch {
      continue; // a remote ref we do not hold locally
    }
    if (obj.type !== 'commit') continue;
    haveCommits.add(oid);
    for (const p of parseCommit(obj.content, oid).parents) stack.push(p);
  }

  // Commits to send, each after its parents.
  const order: string[] = [];
  const seen = new Set<string>();
  const boundary = new Set<string>();
  const walk: Array<{ oid: string; expanded: boolean }> = wants.filter((w) => !haveCommits.has(w)).map((oid) => ({ oid, expanded: false }));
  const commits = new Map<string, { tree: string; parents: string[]; content: Buffer }>();
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
    commits.set(top.oid, { tree: c.tree, parents: c.parents, content: obj.content });
    for (const p of c.parents) {
      if (haveCommits.has(p)) boundary.add(p);
      else if (!seen.has(p)) walk.push({ oid: p, expanded: false });
    }
  }

  // Objects the remote has: the trees of the commits the new ones grow from.
  const uninteresting = new Set<string>();
  const markTree = (oid: string): void => {
    if (uninteresting.has(oid)) return;
    uninteresting.add(oid);
    for (const e of parseTree(read(oid).content, oid)) {
      if (e.mode === '40000') markTree(e.oid);
      else uninteresting.add(e.oid);
    }
  };
  for (const b of boundary) markTree(parseCommit(read(b).content, b).tree);

  const writer = new PackWriter();
  /** For each tree path: the last version written to this pack (offset, bytes, chain depth). */
  const lastAtPath = new Map<string, { offset: number; content: Buffer; depth: number }>();
  const written = new Set<string>();
  const total = () => order.length + written.size;
  let progressAt = 0;

  const addTree = (oid: string, at: string): void => {
    if (written.has(oid) || uninteresting.has(oid)) return;
    written.add(oid);
    const content = read(oid).content;
    const base = lastAtPath.get(at);
    let offset: number;
    let depth = 0;
    const delta = base && base.depth < MAX_DELTA_DEPTH ? makeDelta(base.content, content) : undefined;
    if (base && delta && delta.length < content.length / 2) {
      offset = writer.addOfsDelta(base.offset, delta);
      depth = base.depth + 1;
    } else {
      offset = writer.add('tree', content);
    }
    lastAtPath.set(at, { offset, content, depth });
    for (const e of parseTree(content, oid)) {
      const child = `${at}/${e.name}`;
      if (e.mode === '40000') addTree(e.oid, pathKey(child));
      else if (e.mode !== '160000' && !written.has(e.oid) && !uninteresting.has(e.oid)) {
        written.add(e.oid);
        const blob = read(e.oid);
        writer.add(blob.type, blob.content);
      }
    }
  };

  for (const oid of order) {
    const c = commits.get(oid)!;
    writer.add('commit', c.content);
    addTree(c.tree, '');
    if (onProgress && writer.count - progressAt >= 1000) {
      progressAt = writer.count;
      onProgress(writer.count, total());
    }
  }
  onProgress?.(writer.count, writer.count);
  return { pack: writer.finish(), objects: writer.count, deltas: writer.deltas };
}

/**
 * Leaf trees are keyed by their bucket's position rather than their name, so a new bucket deltas
 * against the previous bucket's full leaf (the same shape: names differ in a few digits).
 */
function pathKey(p: string): string {
  const parts = p.split('/');
  return parts.length === 3 && parts[1] === 'events' ? '/events/*' : p;
}

/** Writes pack entries into memory and seals them with the SHA-1 trailer. */
export class PackWriter {
  private readonly chunks: Buffer[] = [];
  private size = 12;
  count = 0;
  deltas = 0;

  /** Add a whole object; returns its offset. */
  add(type: ObjectType, content: Buffer): number {
    return this.push(TYPE_CODE[type], content, undefined);
  }

  /** Add an object as a delta against the entry at `baseOffset`; returns its offset. */
  addOfsDelta(baseOffset: number, delta: Buffer): number {
    this.deltas++;
    return this.push(OFS_DELTA, delta, baseOffset);
  }

  private push(type: number, data: Buffer, baseOffset: number | undefined): number {
    const offset = this.size;
    const head: number[] = [];
    let size = data.length;
    let c = (type << 4) | (size & 15);
    size = Math.floor(size / 16);
    while (size > 0) {
      head.push(c | 0x80);
      c = size & 0x7f;
      size = Math.floor(size / 128);
    }
    head.push(c);
    if (baseOffset !== undefined) {
      let rel = offset - baseOffset;
      const bytes = [rel & 0x7f];
      rel = Math.floor(rel / 128);
      while (rel > 0) {
        rel -= 1;
        bytes.unshift(0x80 | (rel & 0x7f));
        rel = Math.floor(rel / 128);
      }
      head.push(...bytes);
    }
    const h = Buffer.from(head);
    const z = deflateSync(data, { level: 1 });
    this.chunks.push(h, z);
    this.size += h.length + z.length;
    this.count++;
    return offset;
  }

  finish(): Buffer {
    const header = Buffer.alloc(12);
    header.write('PACK', 0, 'latin1');
    header.writeUInt32BE(2, 4);
    header.writeUInt32BE(this.count, 8);
    const body = Buffer.concat([header, ...this.chunks]);
    return Buffer.concat([body, createHash('sha1').update(body).digest()]);
  }
}

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
