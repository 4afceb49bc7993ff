/**
 * core/git/ is git itself, read and written without the git CLI, and nothing of agentlog (no
 * events, timelines or what a trailer means): git's object formats (object.ts: types, ids and the
 * corrupt-object error; commit.ts, tree.ts), the object database (this file: loose objects, packs
 * through pack/), packs (pack/: the format, the .idx, reading, writing, merging, indexing a received
 * pack, building one to send), refs (refs.ts, with git's ref-name rules in refName.ts), the config
 * file (config.ts, read through repo.ts) and git's lock protocol (lock.ts). Dependencies go one way:
 * object.ts is a leaf; the format parsers and pack/* import it, never this file; this file imports
 * pack/*. Every error raised here is an AgentlogError: E_OBJECT for bytes that break git's formats.
 * Two places still know agentlog and may move out one day: timelineRef (refs.ts: a timeline name is
 * a branch name with our rules on top) and buildPack.ts (it deltas trees along the events/ layout).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inflateSync } from 'node:zlib';
import { AgentlogError } from '../errors.js';
import { corrupt, objectId, type GitObject, type ObjectType, type PackObject } from './object.js';
import { PackSet } from './pack/packSet.js';
import { unwrapStored } from './pack/format.js';
import { compactPacks, planCompaction, sweepLeftovers, type CompactLimits } from './pack/compactPacks.js';
import { fsyncDir, ioError, removeQuietly, writeNewFile } from './fsio.js';
import { deflate, deflateAsync, writeDeflatedPack, writePack, type DeflatedObject } from './pack/writePack.js';

export type { GitObject, ObjectType, PackObject } from './object.js';

/**
 * The object database of one git repository, read and written without the git CLI.
 *
 * Writes are loose objects, made crash-safe the way git makes them: write a temporary file
 * `objects/xx/tmp_obj_*` (a name git's fsck and gc know as a temporary), then rename it to its name. A kill at any instant leaves either
 * no object or a whole one, never a truncated file under `objects/`. Objects are written before any
 * ref names them. In durable mode (`agentlog.fsync = true` in the store's git config, or
 * AGENTLOG_FSYNC=1) each object file is fsynced before its rename and its folder after it; by
 * default it is not, like git's own default for loose objects: a killed process loses nothing, a
 * power cut may. Packs (writeBatch) are fsynced in every mode, as git fsyncs its packs (I9). Every
 * write is checked and an errno is an E_IO error naming the file (fsio.ts).
 *
 * Reads look in packs first (see pack/packSet.ts), then in loose objects, with no git CLI needed.
 */
/** Staged objects of this many bytes and more are deflated on the thread pool (deflateAsync). */
const ASYNC_DEFLATE_FROM = 16 << 10;

/** An object staged by writeBatch while a batch is open: its content until deflated, then its zlib stream. */
interface StagedObject {
  oid: string;
  type: ObjectType;
  size: number;
  content?: Uint8Array;
  body?: Buffer;
}

export class ObjectStore {
  readonly objectsDir: string;
  private readonly knownDirs = new Set<string>();
  private tmpCounter = 0;
  private swept = false;
  private packs: PackSet;
  /** How many packs this object store has written (writeBatch): a command that wrote none has nothing to tidy. */
  packsWritten = 0;
  /** While staging (stage/unstage): the objects writeBatch was given, held here until one pack writes them all. */
  private staged?: Map<string, StagedObject>;
  private stagedBytes = 0;
  /** The deflations of staged objects still running on the thread pool. */
  private deflating: Array<Promise<void>> = [];

  constructor(
    readonly gitDir: string,
    readonly durable = false,
  ) {
    this.objectsDir = path.join(gitDir, 'objects');
    this.packs = new PackSet(path.join(this.objectsDir, 'pack'));
  }

  /** Write one loose object (its id given, or hashed here); returns its id (hex SHA-1). */
  write(type: ObjectType, content: Uint8Array, oid = ObjectStore.hash(type, content)): string {
    const header = Buffer.from(`${type} ${content.length}\0`, 'latin1');
    const dir = path.join(this.objectsDir, oid.slice(0, 2));
    const file = path.join(dir, oid.slice(2));
    if (!this.knownDirs.has(dir)) {
      try {
        fs.mkdirSync(dir, { recursive: true });
      } catch (e) {
        throw ioError(e, 'create', dir);
      }
      this.knownDirs.add(dir);
    }
    const raw = deflate(Buffer.concat([header, content]));
    const tmp = path.join(dir, `tmp_obj_${process.pid}_${++this.tmpCounter}`);
    try {
      writeNewFile(tmp, [raw], { exclusive: true, sync: this.durable });
      fs.renameSync(tmp, file);
    } catch (e) {
      removeQuietly(tmp);
      throw ioError(e, 'write', file);
    }
    if (this.durable) fsyncDir(dir);
    return oid;
  }

  /** The id an object would have (hex SHA-1 of its header and content). */
  static hash(type: ObjectType, content: Uint8Array): string {
    return objectId(type, content);
  }

  /**
   * Write several objects at once as one pack (pack/writePack.ts): two files instead of one per object,
   * which is what makes per-event commits fast. The pack is kept (a `.keep`) until the caller has
   * moved the ref that names it and calls the returned release(), so a concurrent `git repack -a -d`
   * cannot delete it first; release() never throws. Packs are merged by `compact`, never here: an
   * append's latency must not include a merge (store/gc.ts runs it after the command's work). Each
   * entry's `oid` must be ObjectStore.hash of its type and content.
   */
  writeBatch(entries: readonly PackObject[]): () => void {
    if (this.staged) {
      for (const e of entries) {
        if (this.staged.has(e.oid)) continue;
        // Deflated now: a large one on another core (deflateAsync), its content kept for reads until then;
        // a small one here (a call to the thread pool costs more than its deflate).
        const s: StagedObject = { oid: e.oid, type: e.type, size: e.content.length };
        this.staged.set(e.oid, s);
        this.stagedBytes += e.content.length;
        if (e.content.length < ASYNC_DEFLATE_FROM) s.body = deflate(e.content);
        else {
          s.content = e.content;
          this.deflating.push(
            deflateAsync(e.content).then((body) => {
              s.body = body;
              s.content = undefined;
            }),
          );
        }
      }
      return () => {};
    }
    const pack = writePack(this.packDirSwept(), entries, this.durable);
    this.packsWritten++;
    return () => pack.release();
  }

  /**
   * Start staging (store/batch.ts): from now on writeBatch only holds its objects in memory, where
   * read and has find them, until unstage hands them all back to be written as one pack. Nothing
   * staged is durable: no ref may name it on disk before that pack is written (I9).
   */
  stage(): void {
    if (this.staged) throw new AgentlogError('E_STORE', `objects of ${this.objectsDir} are already being staged (one batch at a time)`, {});
    this.staged = new Map();
    this.stagedBytes = 0;
  }

  /** The bytes (content) staged so far; 0 when not staging. */
  get stagedSize(): number {
    return this.staged ? this.stagedBytes : 0;
  }

  /**
   * Stop staging: the staged objects in the order they were given, deflated once `ready` resolves
   * (empty when not staging). Write them with writeDeflated.
   */
  unstage(): { objects: DeflatedObject[]; ready: Promise<void> } {
    const objects = this.staged ? ([...this.staged.values()] as DeflatedObject[]) : [];
    const ready = Promise.all(this.deflating).then(() => {});
    ready.catch(() => {}); // a caller that drops the batch does not wait for it
    this.staged = undefined;
    this.stagedBytes = 0;
    this.deflating = [];
    return { objects, ready };
  }

  /** writeBatch of objects already deflated (unstage): one pack, kept until the returned release. */
  writeDeflated(entries: readonly DeflatedObject[]): () => void {
    const pack = writeDeflatedPack(this.packDirSwept(), entries, this.durable);
    this.packsWritten++;
    return () => pack.release();
  }

  /** The pack folder, swept once a process of what writers killed earlier left (temporary files, dead writers' .keep). */
  private packDirSwept(): string {
    const packDir = path.join(this.objectsDir, 'pack');
    if (!this.swept) {
      this.swept = true;
      sweepLeftovers(packDir);
    }
    return packDir;
  }

  /** Whether a compaction within `limits` would merge packs now (a folder listing and a stat per pack). */
  compactionDue(limits: CompactLimits): boolean {
    return planCompaction(path.join(this.objectsDir, 'pack'), limits).length >= 2;
  }

  /** Merge packs within `limits` (pack/compactPacks.ts); returns how many packs were merged into one (0: none). */
  compact(limits: CompactLimits): number {
    const merged = compactPacks(path.join(this.objectsDir, 'pack'), limits, this.durable);
    if (merged) this.packs.refresh();
    return merged;
  }

  /** The packs (not kept) in the object database, and their bytes. */
  packStats(): { packs: number; bytes: number; kept: number } {
    const dir = path.join(this.objectsDir, 'pack');
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return { packs: 0, bytes: 0, kept: 0 };
    }
    const keeps = new Set(names.filter((n) => n.endsWith('.keep')).map((n) => n.slice(0, -5)));
    let packs = 0;
    let bytes = 0;
    for (const n of names) {
      if (!/^pack-[0-9a-f]{40}\.idx$/.test(n)) continue;
      packs++;
      try {
        bytes += fs.statSync(path.join(dir, `${n.slice(0, -4)}.pack`)).size;
      } catch {
        /* merged away meanwhile */
      }
    }
    return { packs, bytes, kept: [...keeps].filter((k) => names.includes(`${k}.idx`)).length };
  }

  /**
   * Where objects are looked up first while it is set (Store.readingThrough): a pack a fetch just
   * installed, read by what indexing learnt of it (pack/receivedPack.ts).
   */
  overlay: ((oid: string) => GitObject | undefined) | undefined;

  /** Read one object, loose or packed; a missing or corrupt object is an E_OBJECT error naming it. */
  read(oid: string): GitObject {
    const staged = this.staged?.get(oid);
    if (staged) {
      const c = staged.content ?? inflateSync(staged.body!);
      return { type: staged.type, content: Buffer.from(c.buffer, c.byteOffset, c.byteLength) };
    }
    const over = this.overlay?.(oid);
    if (over) return over;
    // Packs first: an index lookup in memory, where a loose miss costs a file system call.
    const packed = this.packs.read(oid) ?? this.readLoose(oid) ?? (this.packs.refresh() ? this.packs.read(oid) : undefined);
    if (packed) return packed;
    throw new AgentlogError('E_OBJECT', `git object ${oid} is missing from ${this.objectsDir}`, { oid });
  }

  /**
   * Whether the object is packed and its packed bytes are whole by the pack's .idx CRC-32s
   * (PackSet.sound), without inflating it: for a caller that knows the object's content from its id
   * alone (hex, or its 20 bytes). False (read it to check it) for anything else: staged, loose, missing, damaged.
   */
  packedWhole(oid: string | Buffer): boolean {
    if (typeof oid !== 'string') return this.staged?.size ? this.packedWhole(oid.toString('hex')) : this.packs.sound(oid);
    return !this.staged?.has(oid) && this.packs.sound(oid);
  }

  has(oid: string): boolean {
    if (this.staged?.has(oid)) return true;
    if (fs.existsSync(path.join(this.objectsDir, oid.slice(0, 2), oid.slice(2)))) return true;
    return this.packs.has(oid) || (this.packs.refresh() && this.packs.has(oid));
  }

  private readLoose(oid: string): GitObject | undefined {
    let raw: Buffer;
    try {
      raw = fs.readFileSync(path.join(this.objectsDir, oid.slice(0, 2), oid.slice(2)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    let data: Buffer;
    try {
      data = unwrapStored(raw) ?? inflateSync(raw);
    } catch (e) {
      throw corrupt(oid, `it does not inflate (${(e as Error).message})`);
    }
    const space = data.indexOf(0x20);
    const nul = data.indexOf(0, space);
    if (space < 0 || nul < 0) throw corrupt(oid, 'its header is malformed');
    const type = data.toString('latin1', 0, space) as ObjectType;
    const size = Number(data.toString('latin1', space + 1, nul));
    const content = data.subarray(nul + 1);
    if (content.length !== size) throw corrupt(oid, `it holds ${content.length} bytes where its header says ${size}`);
    const check = createHash('sha1').update(data).digest('hex');
    if (check !== oid) throw corrupt(oid, `its content hashes to ${check}`);
    return { type, content };
  }

  /** Forget what is known about packs (after `git gc` or a fetch wrote new ones). */
  refreshPacks(): void {
    this.packs.refresh();
  }
}
