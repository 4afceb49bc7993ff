import * as fs from 'node:fs';
import * as path from 'node:path';
import { corrupt } from '../object.js';
import { DELTA_DEFAULTS, deltaPack, type DeltaOptions } from './deltaPack.js';
import { buildIndex, PACK_IDX_NAME, PackIndex } from './packIndex.js';
import { PackSet } from './packSet.js';
import { finishPack, writeAtomically } from './writePack.js';
import { parseKeepNote, removeQuietly, staleTemp, TEMP_MAX_AGE_MS } from '../fsio.js';

/** How much one compaction may merge: a pack count to stay under, and a cap on the bytes it copies. */
export interface CompactLimits {
  /** Merge only when more than this many packs (not kept) are there. */
  maxPacks: number;
  /** Merge at most this many bytes of packs in one run (bounded work and memory: the packs are read whole). */
  maxBytes?: number;
  /** How deltas are found (deltaPack.ts; default: git's window 10, depth 50). */
  delta?: DeltaOptions;
  /** Counts added to by each merge: what a gc reports, and what tests check (deltas reused, not searched again). */
  stats?: CompactStats;
}

/** What merges did: entries written as deltas, of which reused as an input pack stored them, and objects searched for a delta. */
export interface CompactStats {
  deltas: number;
  reused: number;
  searched: number;
}

/**
 * The packs a compaction would merge now (their base paths, smallest first), or an empty list when
 * there are at most `maxPacks` packs that are not kept, or no two of them to merge within the
 * budget. Cheap (a folder listing and a stat per pack): `Store.gcDue` asks it after every write
 * command. The rule is geometric (see compactPacks), cut to the smallest packs that fit `maxBytes`.
 */
export function planCompaction(packDir: string, limits: CompactLimits): string[] {
  let all: string[];
  try {
    all = fs.readdirSync(packDir);
  } catch {
    return [];
  }
  return planFrom(packDir, all, limits);
}

function planFrom(packDir: string, all: string[], limits: CompactLimits): string[] {
  const kept = new Set(all.filter((n) => n.endsWith('.keep')).map((n) => n.slice(0, -5)));
  const names = all.filter((n) => PACK_IDX_NAME.test(n) && !kept.has(n.slice(0, -4)));
  if (names.length <= limits.maxPacks) return [];
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
  // Within the budget: the smallest packs whose sizes add up to at most maxBytes.
  const budget = limits.maxBytes ?? Number.POSITIVE_INFINITY;
  let bytes = 0;
  let fit = 0;
  while (fit < split && bytes + packs[fit].size <= budget) bytes += packs[fit++].size;
  return fit < 2 ? [] : packs.slice(0, fit).map((p) => p.base);
}

/**
 * Keep the number of packs small when every append writes its own: when there are more than
 * `maxPacks`, merge the smallest ones geometrically (every pack left is at least twice the size of
 * all smaller packs together), so each object is copied O(log n) times in all; at most `maxBytes` of
 * packs in one run, so that a run's time and memory are bounded whatever the store's size. It runs
 * from `agentlog gc` (core/store/gc.ts), never inside an append. The merged pack is written with
 * deltas as git writes them (deltaPack.ts: the deltas the packs already hold reused as they are
 * stored, a sliding window over the other objects sorted as git sorts them, chains at most
 * `delta.depth` long, zlib at git's level), every object read whole and checked against its id on
 * the way (a corrupt one is an E_OBJECT error and nothing is deleted). Any packs
 * may be merged, with or without deltas (ours, git's), but never a kept pack (a `.keep` beside it: a user's,
 * git's, or a writer's whose ref has not moved yet), as git never touches one. The merged pack is
 * published, and durable (its files and the folder fsynced), before the old ones are deleted, so
 * every object is always findable, even after a power cut; readers that listed a deleted pack look
 * again (PackSet). That is so in every mode, not only the durable one (`_durable`): a compaction
 * deletes what it merged, so its own order must survive a power cut. Returns the number of packs
 * merged into one (0: nothing was done).
 */
export function compactPacks(packDir: string, limits: CompactLimits | number, _durable = false): number {
  const lim = typeof limits === 'number' ? { maxPacks: limits } : limits;
  let all: string[];
  try {
    all = fs.readdirSync(packDir);
  } catch {
    return 0;
  }
  sweepLeftovers(packDir, all);
  const chosen = planFrom(packDir, all, lim);
  if (chosen.length < 2) return 0;
  const oids: Buffer[] = [];
  const packOf: number[] = [];
  const seen = new Set<string>();
  const used: string[] = [];
  for (const base of chosen) {
    const listed = packOids(base);
    if (!listed) continue;
    used.push(base);
    for (const oid of listed) {
      const key = oid.toString('hex');
      if (seen.has(key)) continue;
      seen.add(key);
      oids.push(oid);
      packOf.push(used.length - 1);
    }
  }
  if (used.length < 2) return 0;
  const reader = new PackSet(packDir);
  let packed: ReturnType<typeof deltaPack>;
  try {
    packed = deltaPack(
      oids,
      (oid) => {
        const obj = reader.read(oid);
        if (!obj) throw corrupt(oid, `it is listed in a pack of ${packDir} that no longer holds it`);
        return obj;
      },
      lim.delta ?? DELTA_DEFAULTS,
      (oid) => reader.storedDelta(oid),
      packOf,
    );
  } finally {
    reader.close();
  }
  const { parts, index } = packed;
  if (lim.stats) {
    lim.stats.deltas += packed.deltas;
    lim.stats.reused += packed.reused;
    lim.stats.searched += packed.searched;
  }
  const { name, sum: sum1 } = finishPack(packDir, parts);
  writeAtomically(`${name}.pack`, parts, true);
  writeAtomically(`${name}.idx`, [buildIndex(index, sum1)], true, true);
  for (const base of used) {
    // Kept since we listed it (a user or git ran meanwhile): leave it, its objects are in both.
    if (base === name || fs.existsSync(`${base}.keep`)) continue;
    // Tidying only: every object is in the merged pack by now. The .idx goes first (readers find a
    // pack through it), the .pack only after it: a removal that fails leaves a whole duplicate pack
    // (merged again next time) or a .pack without .idx (sweepLeftovers removes it), never an .idx
    // without its .pack.
    try {
      fs.rmSync(`${base}.idx`, { force: true });
    } catch {
      continue;
    }
    removeQuietly(`${base}.pack`);
  }
  return used.length;
}

/**
 * Remove what killed writers left in the pack folder (git ignores all of it, with a warning):
 * temporary files (`tmp_pack_<pid>_*`), a `.keep` agentlog wrote for a pack whose ref never moved,
 * and a .pack whose .idx never came. A file is stale when its writer is provably gone (the pid in its
 * name or note, on this host, is not alive) or when it is older than ten minutes whoever wrote it
 * (a live writer finishes in milliseconds); a .keep someone else wrote is never touched, nor the
 * pack it keeps.
 */
export function sweepLeftovers(packDir: string, names?: string[]): void {
  let all = names;
  if (!all) {
    try {
      all = fs.readdirSync(packDir);
    } catch {
      return;
    }
  }
  const keeps = new Set<string>();
  for (const n of all) {
    if (!/^pack-[0-9a-f]{40}\.keep$/.test(n)) continue;
    const file = path.join(packDir, n);
    let note: { pid: number; host: string } | undefined;
    try {
      note = parseKeepNote(fs.readFileSync(file, 'latin1').slice(0, 300));
    } catch {
      continue;
    }
    if (note && staleTemp(file, note.pid, TEMP_MAX_AGE_MS, note.host)) removeQuietly(file);
    else keeps.add(n.slice(0, -5));
  }
  const idx = new Set(all.filter((n) => n.endsWith('.idx')).map((n) => n.slice(0, -4)));
  for (const n of all) {
    const file = path.join(packDir, n);
    const tmp = /^tmp_pack_(\d+)_/.exec(n);
    if (tmp) {
      if (staleTemp(file, Number(tmp[1]), TEMP_MAX_AGE_MS)) removeQuietly(file);
      continue;
    }
    const base = n.slice(0, -5);
    const orphan = /^pack-[0-9a-f]{40}\.pack$/.test(n) && !idx.has(base) && !keeps.has(base);
    if (orphan && staleTemp(file, undefined, TEMP_MAX_AGE_MS)) removeQuietly(file);
  }
}

/**
 * The object ids of a pack in the order of its entries (a timeline's appends wrote them together),
 * or undefined when it is not ours to merge: it is gone (merged by another process) or its .idx does
 * not read (left as it is: reading its objects reports it).
 */
function packOids(base: string): Buffer[] | undefined {
  let idx: PackIndex;
  try {
    idx = new PackIndex(fs.readFileSync(`${base}.idx`), path.basename(base));
    if (!fs.statSync(`${base}.pack`).isFile()) return undefined;
  } catch {
    return undefined;
  }
  const rows: Array<{ oid: Buffer; offset: number }> = [];
  for (let i = 0; i < idx.count; i++) rows.push({ oid: Buffer.from(idx.oid(i)), offset: idx.offset(i) });
  rows.sort((a, b) => a.offset - b.offset);
  return rows.map((r) => r.oid);
}
