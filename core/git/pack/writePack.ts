import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32, deflate as deflateCb, deflateSync } from 'node:zlib';
import type { ObjectType, PackObject } from '../object.js';
import { objectHeader, packHeader, TYPE_CODE, zlibStored } from './format.js';
import { buildIndex } from './packIndex.js';
import { fsyncDir, fsyncFd, ioError, keepNote, removeQuietly, writeAll, writeNewFile } from '../fsio.js';

const madeDirs = new Set<string>();

/** Objects of at least this many bytes are deflated (see deflate). */
export const COMPRESS_FROM = 1024;

/** A pack just written: its base path, and how to let git's repack have it once a ref names it. */
export interface WrittenPack {
  /** The pack's base path (without extension). */
  name: string;
  /** Remove the .keep this writer made (call once the ref naming the pack has moved, or given up); never throws. */
  release(): void;
}

/**
 * Write objects as one git pack (version 2, no deltas) with its version-2 index, crash-safe and in
 * git's order (I9): a `.keep` first, so a concurrent `git repack -a -d` or `git gc` leaves the pack
 * alone until a ref names it (released by the caller after the ref moved); then the .pack (in place,
 * see writePackFile) and the .idx through a temporary file and a rename, both fsynced before the
 * rename, so a ref that moves after this returns never names objects a power cut can take away (git
 * only looks at packs through their .idx, so a kill before that leaves a .pack nobody reads, never a
 * broken one). `durable` also fsyncs the folder after the rename. Every write is checked (fsio.ts):
 * a short or failed write is an E_IO error, and what this call wrote is removed again.
 */
export function writePack(packDir: string, entries: readonly PackObject[], durable = false): WrittenPack {
  return writeDeflatedPack(
    packDir,
    entries.map((e) => ({ oid: e.oid, type: e.type, size: e.content.length, body: deflate(e.content) })),
    durable,
  );
}

/** An object ready for a pack: its zlib stream (deflate or deflateAsync of its content) and the content's size. */
export interface DeflatedObject {
  oid: string;
  type: ObjectType;
  size: number;
  body: Buffer;
}

/** writePack of objects already deflated (a batch deflates them while it is staged: git/objects.ts). */
export function writeDeflatedPack(packDir: string, entries: readonly DeflatedObject[], durable = false): WrittenPack {
  const parts: Buffer[] = [packHeader(entries.length)];
  let offset = 12;
  const index: Array<{ oid: Buffer; crc: number; offset: number }> = [];
  for (const e of entries) {
    const head = objectHeader(TYPE_CODE[e.type], e.size);
    const body = e.body;
    const crc = crc32(body, crc32(head));
    index.push({ oid: Buffer.from(e.oid, 'hex'), crc, offset });
    parts.push(head, body);
    offset += head.length + body.length;
  }
  const { name, sum: packSum } = finishPack(packDir, parts);
  if (!madeDirs.has(packDir)) {
    try {
      fs.mkdirSync(packDir, { recursive: true });
    } catch (e) {
      throw ioError(e, 'create', packDir);
    }
    madeDirs.add(packDir);
  }
  const keep = `${name}.keep`;
  let kept = false;
  try {
    writeNewFile(keep, [Buffer.from(keepNote())], { exclusive: true, mode: 0o644 });
    kept = true;
  } catch (e) {
    // Kept already (by git, a user or another writer of the same objects): it stays kept, and not by us.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  let created = false;
  try {
    created = writePackFile(`${name}.pack`, parts, packSum);
    writeAtomically(`${name}.idx`, [buildIndex(index, packSum)], true, durable);
  } catch (e) {
    // Nothing names the pack yet: take back what this call wrote (not a .pack another writer published).
    if (created && !fs.existsSync(`${name}.idx`)) removeQuietly(`${name}.pack`);
    if (kept) removeQuietly(keep);
    throw e;
  }
  return { name, release: () => void (kept && removeQuietly(keep)) };
}

/** End a pack's parts (header, entries) with their SHA-1, which also names the pack: returns both. */
export function finishPack(packDir: string, parts: Buffer[]): { name: string; sum: Buffer } {
  const hash = createHash('sha1');
  for (const p of parts) hash.update(p);
  const sum = hash.digest();
  parts.push(sum);
  return { name: path.join(packDir, `pack-${sum.toString('hex')}`), sum };
}

/**
 * A .pack can be written in place: git finds packs through their .idx only, so until the .idx is
 * renamed into place a half-written .pack is invisible (and swept later if its writer died). That
 * saves a rename per append. It is fsynced before the caller publishes its .idx. A file already there
 * with the same name is trusted only when it checks (its trailer and its SHA-1, which name it): a
 * writer that died, or a disk that lost its tail, leaves one that does not, and it is replaced.
 * Returns whether this call created the file in place.
 */
function writePackFile(file: string, parts: Buffer[], sum: Buffer): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o444);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(e, 'create', file);
    if (packChecks(file, sum)) syncExisting(file);
    else writeAtomically(file, parts, true);
    return false;
  }
  try {
    writeAll(fd, parts, file);
    fsyncFd(fd, file);
  } catch (e) {
    fs.closeSync(fd);
    removeQuietly(file);
    throw e;
  }
  fs.closeSync(fd);
  return true;
}

/** Whether `file` is the whole pack whose SHA-1 is `sum`: its trailer and the hash of what precedes it. */
function packChecks(file: string, sum: Buffer): boolean {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return false;
  }
  if (buf.length < 32 || !buf.subarray(buf.length - 20).equals(sum)) return false;
  return createHash('sha1')
    .update(buf.subarray(0, buf.length - 20))
    .digest()
    .equals(sum);
}

/** fsync a file another writer made (it may not have flushed it yet) before we publish a ref into it. */
function syncExisting(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw ioError(e, 'open', file);
  }
  try {
    fsyncFd(fd, file);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Write `file` through a temporary file renamed into place (a name git's fsck and gc know as
 * temporary, with our pid so a sweep can tell a dead writer's): fsynced before the rename when
 * `sync`, and the folder fsynced after it when `syncDir`. On failure the temporary file is removed.
 */
export function writeAtomically(file: string, parts: Buffer[], sync: boolean, syncDir = false): void {
  const tmp = path.join(path.dirname(file), `tmp_pack_${process.pid}_${path.basename(file)}`);
  try {
    writeNewFile(tmp, parts, { sync });
  } catch (e) {
    removeQuietly(tmp);
    throw e;
  }
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    removeQuietly(tmp);
    throw ioError(e, 'rename into place', file);
  }
  if (syncDir) fsyncDir(path.dirname(file));
}

/**
 * zlib stream of `data`: level 1 from COMPRESS_FROM bytes on, a stored block below (no deflate state
 * to set up: for a small object that costs more than the deflate). Measured on 35 MB of real sessions
 * (issue 20): compressing from 1 KB makes the objects 16% smaller than from 16 KB (45.6 → 38.4 MB) at
 * no measurable CPU cost; from 256 bytes, 31% smaller but the import takes 30% more CPU.
 */
export function deflate(data: Uint8Array): Buffer {
  // An output buffer sized to the input: zlib's default (16 KiB) would be kept whole behind a small result.
  return data.length >= COMPRESS_FROM ? deflateSync(data, { level: 1, chunkSize: outputChunk(data.length) }) : zlibStored(data);
}

/**
 * deflate on libuv's thread pool: the same bytes as deflate, made on another core while the caller
 * goes on (a batch of an import deflates each object as it is staged, and parses the next file meanwhile).
 */
export function deflateAsync(data: Uint8Array): Promise<Buffer> {
  if (data.length < COMPRESS_FROM) return Promise.resolve(zlibStored(data));
  return new Promise((resolve, reject) => deflateCb(data, { level: 1, chunkSize: outputChunk(data.length) }, (e, out) => (e ? reject(e) : resolve(out))));
}

/** zlib's output chunk for `n` bytes of input: room for all of it at level 1 (a stored block at worst), at most zlib's default. */
function outputChunk(n: number): number {
  return Math.min(16 << 10, n + (n >> 8) + 64);
}
