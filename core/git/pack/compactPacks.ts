import * as fs from 'node:fs';
import * as path from 'node:path';
import { OFS_DELTA, packHeader, readEntryHeader, REF_DELTA } from './format.js';
import { buildIndex, PACK_IDX_NAME, PackIndex } from './packIndex.js';
import { finishPack, writeAtomically } from './writePack.js';

interface RawEntry {
  oid: Buffer;
  crc: number;
  raw: Buffer;
}

/**
 * Keep the number of packs small when every append writes its own: when there are more than
 * `maxPacks`, merge the smallest ones geometrically (every pack left is at least twice the size of
 * all smaller packs together), so each object is copied O(log n) times in all. Entries are copied
 * as they are (no inflate, no deflate). Only packs without deltas are merged (ours never have any;
 * packs that `git gc` wrote are left alone). The merged pack is published before the old ones are
 * deleted (.idx first), so every object is always findable; readers that listed a deleted pack look
 * again (PackSet).
 */
export function compactPacks(packDir: string, maxPacks: number, durable = false): boolean {
  let all: string[];
  try {
    all = fs.readdirSync(packDir);
  } catch {
    return false;
  }
  sweepLeftovers(packDir, all);
  const names = all.filter((n) => PACK_IDX_NAME.test(n));
  if (names.length <= maxPacks) return false;
  const packs: Array<{ base: string; size: number }> = [];
  for (const n of names) {
    const base = path.join(packDir, n.slice(0, -4));
    try {
      packs.push({ base, size: fs.statSync(`${base}.pack`).size });
    } catch {
      /* deleted meanwhile by another compaction */
    }
  }
  packs.sort((a, b) => a.size - b.size);
  let split = 0;
  let sum = packs.reduce((s, p) => s + p.size, 0);
  for (let i = packs.length - 1; i >= 1; i--) {
    sum -= packs[i].size;
    if (packs[i].size < 2 * sum) {
      split = i + 1;
      break;
    }
  }
  if (split < 2) return false;
  const merged = new Map<string, RawEntry>();
  const used: string[] = [];
  for (const p of packs.slice(0, split)) {
    const entries = rawEntries(p.base);
    if (!entries) continue;
    used.push(p.base);
    for (const e of entries) merged.set(e.oid.toString('hex'), e);
  }
  if (used.length < 2) return false;
  const parts: Buffer[] = [packHeader(merged.size)];
  const index: Array<{ oid: Buffer; crc: number; offset: number }> = [];
  let offset = 12;
  for (const e of merged.values()) {
    index.push({ oid: e.oid, crc: e.crc, offset });
    parts.push(e.raw);
    offset += e.raw.length;
  }
  const { name, sum: sum1 } = finishPack(packDir, parts);
  writeAtomically(`${name}.pack`, parts, durable);
  writeAtomically(`${name}.idx`, [buildIndex(index, sum1)], durable);
  for (const base of used) {
    if (base === name) continue;
    fs.rmSync(`${base}.idx`, { force: true });
    fs.rmSync(`${base}.pack`, { force: true });
  }
  return true;
}

/**
 * Remove what killed writers left: temporary pack files, and a .pack whose .idx never came (git
 * ignores both, with a warning). Only files older than ten minutes: a live writer finishes in
 * milliseconds.
 */
function sweepLeftovers(packDir: string, names: string[]): void {
  const cutoff = Date.now() - 10 * 60_000;
  const idx = new Set(names.filter((n) => n.endsWith('.idx')).map((n) => n.slice(0, -4)));
  for (const n of names) {
    const orphan = /^pack-[0-9a-f]{40}\.pack$/.test(n) && !idx.has(n.slice(0, -5));
    if (!orphan && !n.startsWith('tmp_pack_')) continue;
    const file = path.join(packDir, n);
    try {
      if (fs.statSync(file).mtimeMs < cutoff) fs.rmSync(file, { force: true });
    } catch {
      /* gone already */
    }
  }
}

/**
 * The entries of a delta-free pack as raw bytes (header + zlib data), or undefined when it is not
 * ours to merge: it has deltas, lies past 2 GiB, has an index older than version 2, is gone (merged
 * by another process), or does not read as a pack (left as it is: reading its objects reports it).
 */
function rawEntries(base: string): RawEntry[] | undefined {
  let idx: PackIndex;
  let pack: Buffer;
  try {
    idx = new PackIndex(fs.readFileSync(`${base}.idx`), path.basename(base));
    pack = fs.readFileSync(`${base}.pack`);
  } catch {
    return undefined;
  }
  const rows: Array<{ oid: Buffer; crc: number; offset: number }> = [];
  for (let i = 0; i < idx.count; i++) {
    if (idx.isLarge(i)) return undefined; // a pack past 2 GiB is not ours to merge
    rows.push({ oid: Buffer.from(idx.oid(i)), crc: idx.crc(i), offset: idx.offset(i) });
  }
  rows.sort((a, b) => a.offset - b.offset);
  const out: RawEntry[] = [];
  for (let i = 0; i < rows.length; i++) {
    const start = rows[i].offset;
    const end = i + 1 < rows.length ? rows[i + 1].offset : pack.length - 20;
    const head = readEntryHeader(pack, start);
    if (!head || start < 12 || end > pack.length - 20 || end <= start) return undefined;
    if (head.type === OFS_DELTA || head.type === REF_DELTA) return undefined;
    out.push({ oid: rows[i].oid, crc: rows[i].crc, raw: pack.subarray(start, end) });
  }
  return out;
}
