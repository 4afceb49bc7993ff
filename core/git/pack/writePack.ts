import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { PackObject } from '../object.js';
import { objectHeader, packHeader, TYPE_CODE, zlibStored } from './format.js';
import { buildIndex } from './packIndex.js';

const madeDirs = new Set<string>();

/**
 * Write objects as one git pack (version 2, no deltas) with its version-2 index, crash-safe: the
 * .pack first (in place, see writePackFile), then the .idx through a temporary file and a rename
 * (git only looks at packs through their .idx, so a kill before that leaves a .pack nobody reads,
 * never a broken one).
 * Returns the pack's base path (without extension).
 */
export function writePack(packDir: string, entries: readonly PackObject[], durable = false): string {
  const parts: Buffer[] = [packHeader(entries.length)];
  let offset = 12;
  const index: Array<{ oid: Buffer; crc: number; offset: number }> = [];
  for (const e of entries) {
    const head = objectHeader(TYPE_CODE[e.type], e.content.length);
    const body = deflate(e.content);
    const crc = crc32(body, crc32(head));
    index.push({ oid: Buffer.from(e.oid, 'hex'), crc, offset });
    parts.push(head, body);
    offset += head.length + body.length;
  }
  const { name, sum: packSum } = finishPack(packDir, parts);
  if (!madeDirs.has(packDir)) {
    fs.mkdirSync(packDir, { recursive: true });
    madeDirs.add(packDir);
  }
  writePackFile(`${name}.pack`, parts, offset + 20, durable);
  writeAtomically(`${name}.idx`, [buildIndex(index, packSum)], durable);
  return name;
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
 * saves a rename per append. A file already there with the same name holds the same content,
 * unless a writer died while writing it: then it is short and is replaced.
 */
function writePackFile(file: string, parts: Buffer[], size: number, durable: boolean): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o444);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    if (fs.statSync(file).size !== size) writeAtomically(file, parts, durable);
    return;
  }
  try {
    fs.writevSync(fd, parts);
    if (durable) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Write `file` through a temporary file renamed into place (a name git's fsck and gc know as temporary). */
export function writeAtomically(file: string, parts: Buffer[], durable: boolean): void {
  const tmp = path.join(path.dirname(file), `tmp_pack_${process.pid}_${path.basename(file)}`);
  const fd = fs.openSync(tmp, 'w', 0o444);
  try {
    fs.writevSync(fd, parts);
    if (durable) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** zlib stream of `data`: stored blocks for small inputs (no deflate state to set up), level 1 else. */
export function deflate(data: Uint8Array): Buffer {
  return data.length > 16_384 ? deflateSync(data, { level: 1 }) : zlibStored(data);
}
