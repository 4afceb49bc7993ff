/**
 * A crash-state explorer in the spirit of ALICE (Pillai et al., OSDI '14): record the file operations
 * an operation makes under a folder (by wrapping node:fs, as test/hostile/fault-injection.test.ts
 * does: core's own `import * as fs` sees the wrappers), then build every state of that folder a power
 * cut could leave, under a persistence model:
 *
 * - `posix`: what POSIX promises and no more. Data written to a file (write, truncate) is durable only
 *   once that file is fsynced; before, any prefix of its pending writes may have reached the disk, the
 *   last of them possibly torn. A directory entry operation (create, rename, link, unlink, mkdir,
 *   rmdir) is durable only once its folder is fsynced; before, the folder's pending operations may
 *   have reached the disk up to any point, each folder independently of the others.
 * - `ordered`: what the default mode relies on (layout.ts I9), as ext4 (data=ordered, auto_da_alloc),
 *   xfs and btrfs behave for rename-into-place: entry operations reach the disk in the order they were
 *   made (one prefix for the whole tree), and a file renamed or linked into place carries every byte
 *   written to it before the rename; other pending data is lost or kept as in `posix`.
 *
 * The recording starts from a state taken to be durable (the folder as it is before the operation).
 *
 * Bounds (so the count stays finite and small, stated in the test and the report): a crash after
 * each prefix of the recorded operations; per folder (or per file's pending data) the prefixes kept are
 * all of them when there are at most `fullUpTo` pending operations, else none, 1, 2, half, all but 2,
 * all but 1 and all; a pending write may also be torn (its first half written). When the product of
 * the choices at one crash point is at most `maxProduct`, it is enumerated whole; otherwise the
 * states with every unit at its least and its most, each unit varied alone against both, and
 * `samples` seeded random combinations. States that leave the same files are checked once.
 */
import { createHash } from 'node:crypto';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';

const fsCjs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');
const patchable = fsCjs as unknown as Record<string, unknown>;
const PATCHED = [
  'openSync',
  'closeSync',
  'writeSync',
  'writevSync',
  'fsyncSync',
  'fdatasyncSync',
  'ftruncateSync',
  'truncateSync',
  'renameSync',
  'linkSync',
  'unlinkSync',
  'rmSync',
  'rmdirSync',
  'mkdirSync',
  'writeFileSync',
  'appendFileSync',
  'copyFileSync',
  'symlinkSync',
] as const;
type Fn = (...args: unknown[]) => unknown;
const originals = new Map<string, Fn>(PATCHED.map((n) => [n, patchable[n] as Fn]));
const real = (name: string): Fn => originals.get(name)!;

/** One recorded file operation; paths are relative to the recorded folder, files are inodes. */
export type FileOp =
  | { t: 'create'; path: string; ino: number }
  | { t: 'write'; ino: number; off: number; data: Buffer; path: string }
  | { t: 'trunc'; ino: number; size: number; path: string }
  | { t: 'fsync'; ino: number; path: string }
  | { t: 'fsyncDir'; path: string }
  | { t: 'rename'; from: string; to: string }
  | { t: 'link'; to: string; ino: number }
  | { t: 'unlink'; path: string }
  | { t: 'mkdir'; path: string }
  | { t: 'rmdir'; path: string };

/** A folder's files (relative path → inode) and their contents, and its folders. */
export interface Image {
  files: Map<string, number>;
  data: Map<number, Buffer>;
  dirs: Set<string>;
}

export interface Recording {
  root: string;
  before: Image;
  ops: FileOp[];
}

function snapshot(root: string): Image {
  const img: Image = { files: new Map(), data: new Map(), dirs: new Set(['']) };
  let ino = 0;
  const walk = (rel: string): void => {
    for (const d of fsCjs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        img.dirs.add(r);
        walk(r);
      } else if (d.isFile()) {
        img.files.set(r, ++ino);
        img.data.set(ino, fsCjs.readFileSync(path.join(root, r)));
      }
    }
  };
  walk('');
  return img;
}

const parentOf = (rel: string): string => {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
};

/**
 * Run `op` with every file operation under `root` recorded (the folder as it is first is the state
 * before). Operations elsewhere pass through unrecorded; calls made inside a recorded call (Node's
 * writeFileSync opening through fs.openSync) are not recorded twice.
 */
export async function recordOps<T>(root: string, op: () => Promise<T>): Promise<{ recording: Recording; value: T }> {
  root = path.resolve(root);
  const before = snapshot(root);
  const ops: FileOp[] = [];
  const ns = new Map(before.files); // the real namespace as the operation changes it
  const sizes = new Map<number, number>([...before.data].map(([i, d]) => [i, d.length]));
  let nextIno = Math.max(0, ...before.files.values()) + 1;
  const fds = new Map<number, { path: string; ino?: number; dir: boolean; pos: number; append: boolean }>();
  let depth = 0;

  const rel = (p: unknown): string | undefined => {
    if (typeof p !== 'string' && !Buffer.isBuffer(p) && !(p instanceof URL)) return undefined;
    const abs = path.resolve(String(p instanceof URL ? p.pathname : p));
    if (abs === root) return '';
    return abs.startsWith(`${root}${path.sep}`)
      ? abs
          .slice(root.length + 1)
          .split(path.sep)
          .join('/')
      : undefined;
  };
  const inoOf = (r: string): number => {
    let i = ns.get(r);
    if (i === undefined) {
      i = nextIno++;
      ns.set(r, i);
    }
    return i;
  };
  const write = (ino: number, r: string, off: number, data: Buffer): void => {
    ops.push({ t: 'write', ino, off, data: Buffer.from(data), path: r });
    sizes.set(ino, Math.max(sizes.get(ino) ?? 0, off + data.length));
  };
  const create = (r: string): number => {
    const ino = nextIno++;
    ns.set(r, ino);
    sizes.set(ino, 0);
    ops.push({ t: 'create', path: r, ino });
    return ino;
  };
  const isDir = (abs: string): boolean => {
    try {
      return fsCjs.statSync(abs).isDirectory();
    } catch {
      return false;
    }
  };
  const exists = (abs: string): boolean => fsCjs.existsSync(abs);
  const flagsOf = (flags: unknown): { creat: boolean; trunc: boolean; append: boolean } => {
    if (typeof flags === 'number') {
      const c = fsCjs.constants;
      return { creat: !!(flags & c.O_CREAT), trunc: !!(flags & c.O_TRUNC), append: !!(flags & c.O_APPEND) };
    }
    const f = typeof flags === 'string' ? flags : 'r';
    return { creat: /[wa]/.test(f), trunc: f.includes('w'), append: f.includes('a') };
  };
  const fdWrite = (fd: number, data: Buffer, position: unknown): void => {
    const f = fds.get(fd);
    if (!f || f.dir || f.ino === undefined) return;
    let at: number;
    if (typeof position === 'number' && position >= 0) at = position;
    else {
      at = f.append ? (sizes.get(f.ino) ?? 0) : f.pos;
      f.pos = at + data.length;
    }
    write(f.ino, f.path, at, data);
  };

  const wrap: Record<string, (orig: Fn, args: unknown[]) => unknown> = {
    openSync(orig, args) {
      const r = rel(args[0]);
      const existed = r !== undefined && exists(String(args[0]));
      const fd = orig(...args) as number;
      if (r === undefined) return fd;
      if (fsCjs.fstatSync(fd).isDirectory()) {
        fds.set(fd, { path: r, dir: true, pos: 0, append: false });
        return fd;
      }
      const fl = flagsOf(args[1]);
      const ino = existed ? inoOf(r) : create(r);
      if (existed && fl.trunc) {
        ops.push({ t: 'trunc', ino, size: 0, path: r });
        sizes.set(ino, 0);
      }
      fds.set(fd, { path: r, ino, dir: false, pos: 0, append: fl.append });
      return fd;
    },
    closeSync(orig, args) {
      fds.delete(args[0] as number);
      return orig(...args);
    },
    writeSync(orig, args) {
      const n = orig(...args) as number;
      const [fd, buf, a2, a3, a4] = args as [number, unknown, unknown, unknown, unknown];
      if (!fds.has(fd)) return n;
      if (typeof buf === 'string') fdWrite(fd, Buffer.from(buf, (typeof a3 === 'string' ? a3 : 'utf8') as BufferEncoding).subarray(0, n), a2);
      else {
        const b = Buffer.from((buf as Uint8Array).buffer, (buf as Uint8Array).byteOffset, (buf as Uint8Array).byteLength);
        let off = 0;
        let position: unknown = a4;
        if (typeof a2 === 'object' && a2 !== null) {
          const o = a2 as { offset?: number; position?: number };
          off = o.offset ?? 0;
          position = o.position;
        } else off = (a2 as number | undefined) ?? 0;
        void a3;
        fdWrite(fd, b.subarray(off, off + n), position);
      }
      return n;
    },
    writevSync(orig, args) {
      const n = orig(...args) as number;
      const [fd, bufs, position] = args as [number, Uint8Array[], unknown];
      if (fds.has(fd)) fdWrite(fd, Buffer.concat(bufs).subarray(0, n), position);
      return n;
    },
    fsyncSync(orig, args) {
      const out = orig(...args);
      const f = fds.get(args[0] as number);
      if (f?.dir) ops.push({ t: 'fsyncDir', path: f.path });
      else if (f?.ino !== undefined) ops.push({ t: 'fsync', ino: f.ino, path: f.path });
      return out;
    },
    fdatasyncSync(orig, args) {
      return wrap.fsyncSync(orig, args);
    },
    ftruncateSync(orig, args) {
      const out = orig(...args);
      const f = fds.get(args[0] as number);
      if (f?.ino !== undefined) {
        const size = (args[1] as number | undefined) ?? 0;
        ops.push({ t: 'trunc', ino: f.ino, size, path: f.path });
        sizes.set(f.ino, size);
      }
      return out;
    },
    truncateSync(orig, args) {
      const out = orig(...args);
      const r = rel(args[0]);
      if (r !== undefined) {
        const size = (args[1] as number | undefined) ?? 0;
        ops.push({ t: 'trunc', ino: inoOf(r), size, path: r });
        sizes.set(inoOf(r), size);
      }
      return out;
    },
    renameSync(orig, args) {
      const from = rel(args[0]);
      const to = rel(args[1]);
      const dir = isDir(String(args[0]));
      const out = orig(...args);
      if (to === undefined) {
        if (from !== undefined) ops.push({ t: 'unlink', path: from });
        return out;
      }
      if (dir) throw new Error(`crash explorer: renaming a folder (${from} → ${to}) is not modelled`);
      if (from === undefined) {
        // A file from outside the folder: a new file here, its bytes not known to be durable.
        const ino = create(to);
        write(ino, to, 0, fsCjs.readFileSync(String(args[1])));
        return out;
      }
      ops.push({ t: 'rename', from, to });
      ns.set(to, inoOf(from));
      ns.delete(from);
      return out;
    },
    linkSync(orig, args) {
      const out = orig(...args);
      const from = rel(args[0]);
      const to = rel(args[1]);
      if (to !== undefined && from !== undefined) {
        ops.push({ t: 'link', to, ino: inoOf(from) });
        ns.set(to, inoOf(from));
      }
      return out;
    },
    unlinkSync(orig, args) {
      const out = orig(...args);
      const r = rel(args[0]);
      if (r !== undefined) {
        ops.push({ t: 'unlink', path: r });
        ns.delete(r);
      }
      return out;
    },
    rmSync(orig, args) {
      const r = rel(args[0]);
      const planned: FileOp[] = [];
      if (r !== undefined && exists(String(args[0]))) {
        const walk = (x: string): void => {
          if (isDir(path.join(root, x))) {
            for (const n of fsCjs.readdirSync(path.join(root, x))) walk(`${x}/${n}`);
            planned.push({ t: 'rmdir', path: x });
          } else planned.push({ t: 'unlink', path: x });
        };
        walk(r);
      }
      const out = orig(...args);
      for (const p of planned) {
        ops.push(p);
        if (p.t === 'unlink') ns.delete(p.path);
      }
      return out;
    },
    rmdirSync(orig, args) {
      const out = orig(...args);
      const r = rel(args[0]);
      if (r !== undefined) ops.push({ t: 'rmdir', path: r });
      return out;
    },
    mkdirSync(orig, args) {
      const r = rel(args[0]);
      const missing: string[] = [];
      if (r !== undefined) {
        for (let x = r; x !== '' && !exists(path.join(root, x)); x = parentOf(x)) missing.unshift(x);
      }
      const out = orig(...args);
      for (const m of missing) ops.push({ t: 'mkdir', path: m });
      return out;
    },
    writeFileSync(orig, args) {
      const r = typeof args[0] === 'number' ? undefined : rel(args[0]);
      const existed = r !== undefined && exists(String(args[0]));
      const out = orig(...args);
      const data = typeof args[1] === 'string' ? Buffer.from(args[1]) : Buffer.from(args[1] as Uint8Array);
      if (typeof args[0] === 'number') fdWrite(args[0], data, undefined);
      else if (r !== undefined) {
        const flag = (args[2] as { flag?: string } | undefined)?.flag ?? 'w';
        const ino = existed ? inoOf(r) : create(r);
        const at = flag.includes('a') ? (sizes.get(ino) ?? 0) : 0;
        if (existed && !flag.includes('a')) {
          ops.push({ t: 'trunc', ino, size: 0, path: r });
          sizes.set(ino, 0);
        }
        write(ino, r, at, data);
      }
      return out;
    },
    appendFileSync(orig, args) {
      const r = rel(args[0]);
      const existed = r !== undefined && exists(String(args[0]));
      const out = orig(...args);
      if (r !== undefined) {
        const ino = existed ? inoOf(r) : create(r);
        write(ino, r, sizes.get(ino) ?? 0, typeof args[1] === 'string' ? Buffer.from(args[1]) : Buffer.from(args[1] as Uint8Array));
      }
      return out;
    },
    copyFileSync(orig, args) {
      const out = orig(...args);
      const r = rel(args[1]);
      if (r !== undefined) {
        const ino = create(r);
        write(ino, r, 0, fsCjs.readFileSync(String(args[1])));
      }
      return out;
    },
    symlinkSync(orig, args) {
      if (rel(args[1]) !== undefined) throw new Error('crash explorer: symbolic links are not modelled');
      return orig(...args);
    },
  };

  for (const name of PATCHED) {
    const orig = real(name);
    patchable[name] = (...args: unknown[]) => {
      if (depth > 0) return orig(...args);
      depth++;
      try {
        return wrap[name](orig, args);
      } finally {
        depth--;
      }
    };
  }
  syncBuiltinESMExports();
  try {
    const value = await op();
    return { recording: { root, before, ops }, value };
  } finally {
    for (const name of PATCHED) patchable[name] = real(name);
    syncBuiltinESMExports();
  }
}

export type Model = 'posix' | 'ordered';

export interface ExploreOptions {
  model: Model;
  /** A folder's (or file's) pending operations up to this many: every prefix of them is tried. */
  fullUpTo?: number;
  /** At one crash point, the whole product of choices when it is at most this. */
  maxProduct?: number;
  /** Else this many seeded random combinations beside the one-at-a-time ones. */
  samples?: number;
  seed?: number;
}

/** A state a power cut could leave: after `prefix` of the operations, with what reached the disk. */
export interface CrashState {
  prefix: number;
  /** Which pending operations reached the disk, in words (for a failure message). */
  how: string;
  image: Image;
}

interface Unit {
  name: string;
  /** Indices (into ops) of its pending operations, in order. */
  pending: number[];
  /** Options: how many of `pending` reached the disk; `torn` = the last of them only half. */
  options: Array<{ keep: number; torn: boolean }>;
}

function prefixesToTry(m: number, fullUpTo: number): number[] {
  if (m <= fullUpTo) return Array.from({ length: m + 1 }, (_, i) => i);
  return [...new Set([0, 1, 2, Math.floor(m / 2), m - 2, m - 1, m])];
}

const isEntryOp = (op: FileOp): boolean =>
  op.t === 'create' || op.t === 'rename' || op.t === 'link' || op.t === 'unlink' || op.t === 'mkdir' || op.t === 'rmdir';
/** The folder an entry operation changes (a rename: the folder it renames into). */
const folderOf = (op: FileOp): string => parentOf(op.t === 'rename' || op.t === 'link' ? op.to : (op as { path: string }).path);

/** Every crash state of `rec` under `opts`, each distinct set of files once. Also returns how many combinations were built. */
export function crashStates(rec: Recording, opts: ExploreOptions): { states: CrashState[]; built: number } {
  const fullUpTo = opts.fullUpTo ?? 4;
  const maxProduct = opts.maxProduct ?? 64;
  const samples = opts.samples ?? 16;
  let seed = opts.seed ?? 1;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const seen = new Set<string>();
  const states: CrashState[] = [];
  let built = 0;
  const { ops } = rec;
  for (let prefix = 0; prefix <= ops.length; prefix++) {
    // What is durable at this point: data up to each file's last fsync, entries up to each folder's.
    const lastFsync = new Map<number, number>();
    const lastDirFsync = new Map<string, number>();
    for (let i = 0; i < prefix; i++) {
      const op = ops[i];
      if (op.t === 'fsync') lastFsync.set(op.ino, i);
      if (op.t === 'fsyncDir') lastDirFsync.set(op.path, i);
    }
    const forced = new Set<number>();
    const entryUnits = new Map<string, number[]>();
    const dataUnits = new Map<number, number[]>();
    for (let i = 0; i < prefix; i++) {
      const op = ops[i];
      if (op.t === 'write' || op.t === 'trunc') {
        if (i < (lastFsync.get(op.ino) ?? -1)) forced.add(i);
        else dataUnits.set(op.ino, [...(dataUnits.get(op.ino) ?? []), i]);
      } else if (isEntryOp(op)) {
        const dir = opts.model === 'ordered' ? '*' : folderOf(op);
        if (opts.model === 'posix' && i < (lastDirFsync.get(dir) ?? -1)) forced.add(i);
        else entryUnits.set(dir, [...(entryUnits.get(dir) ?? []), i]);
      }
    }
    if (opts.model === 'ordered') {
      // An fsync of any folder orders every entry operation before it (one journal).
      const lastAny = Math.max(-1, ...lastDirFsync.values());
      const list = entryUnits.get('*') ?? [];
      for (const i of list) if (i < lastAny) forced.add(i);
      entryUnits.set(
        '*',
        list.filter((i) => i > lastAny),
      );
    }
    const units: Unit[] = [];
    for (const [dir, pending] of entryUnits) {
      if (pending.length)
        units.push({ name: `entries of ${dir || '.'}`, pending, options: prefixesToTry(pending.length, fullUpTo).map((keep) => ({ keep, torn: false })) });
    }
    for (const pending of dataUnits.values()) {
      const options = prefixesToTry(pending.length, fullUpTo).map((keep) => ({ keep, torn: false }));
      const last = ops[pending[pending.length - 1]];
      if (last.t === 'write' && last.data.length >= 2) options.push({ keep: pending.length, torn: true });
      units.push({ name: `data of ${(ops[pending[0]] as { path: string }).path}`, pending, options });
    }
    const choices: number[][] = [];
    const product = units.reduce((p, u) => p * u.options.length, 1);
    if (product <= maxProduct) {
      const rec2 = (i: number, acc: number[]): void => {
        if (i === units.length) choices.push(acc);
        else for (let k = 0; k < units[i].options.length; k++) rec2(i + 1, [...acc, k]);
      };
      rec2(0, []);
    } else {
      const most = units.map((u) => u.options.length - 1);
      const least = units.map(() => 0);
      choices.push(most, least);
      units.forEach((u, i) => {
        for (let k = 0; k < u.options.length; k++) {
          choices.push(most.map((m, j) => (j === i ? k : m)));
          choices.push(least.map((m, j) => (j === i ? k : m)));
        }
      });
      for (let s = 0; s < samples; s++) choices.push(units.map((u) => random(u.options.length)));
    }
    for (const choice of choices) {
      built++;
      const include = new Set(forced);
      const torn = new Set<number>();
      const how: string[] = [];
      units.forEach((u, i) => {
        const o = u.options[choice[i]];
        for (let k = 0; k < o.keep; k++) include.add(u.pending[k]);
        if (o.torn) torn.add(u.pending[o.keep - 1]);
        if (o.keep < u.pending.length || o.torn) how.push(`${u.name}: ${o.keep} of ${u.pending.length}${o.torn ? ', the last torn' : ''}`);
      });
      if (opts.model === 'ordered') {
        // A file renamed or linked into place carries the data written to it before.
        const inoAt = new Map<string, number>(rec.before.files);
        for (let i = 0; i < prefix; i++) {
          const op = ops[i];
          if (op.t === 'create') inoAt.set(op.path, op.ino);
          if (op.t === 'link') inoAt.set(op.to, op.ino);
          if (op.t === 'unlink') inoAt.delete(op.path);
          if (op.t === 'rename') {
            const ino = inoAt.get(op.from);
            if (ino !== undefined) {
              inoAt.set(op.to, ino);
              if (include.has(i))
                for (let j = 0; j < i; j++)
                  if ((ops[j].t === 'write' || ops[j].t === 'trunc') && (ops[j] as { ino: number }).ino === ino) {
                    include.add(j);
                    torn.delete(j);
                  }
            }
          }
        }
      }
      const image = apply(rec, prefix, include, torn);
      const key = imageKey(image);
      if (seen.has(key)) continue;
      seen.add(key);
      states.push({ prefix, how: how.join('; ') || 'everything', image });
    }
  }
  return { states, built };
}

/** The files the disk holds when exactly the operations in `include` (of the first `prefix`) reached it. */
function apply(rec: Recording, prefix: number, include: Set<number>, torn: Set<number>): Image {
  const files = new Map(rec.before.files);
  const dirs = new Set(rec.before.dirs);
  const data = new Map<number, Buffer>(rec.before.data);
  // Which inode a path names as the operation ran (an excluded create still made its inode).
  const realNs = new Map(rec.before.files);
  for (let i = 0; i < prefix; i++) {
    const op = rec.ops[i];
    const on = include.has(i);
    switch (op.t) {
      case 'create':
        realNs.set(op.path, op.ino);
        if (!data.has(op.ino)) data.set(op.ino, Buffer.alloc(0));
        if (on && dirs.has(parentOf(op.path))) files.set(op.path, op.ino);
        break;
      case 'write': {
        if (!on) break;
        const cur = data.get(op.ino) ?? Buffer.alloc(0);
        const bytes = torn.has(i) ? op.data.subarray(0, op.data.length >> 1) : op.data;
        const out = Buffer.alloc(Math.max(cur.length, op.off + bytes.length));
        cur.copy(out);
        bytes.copy(out, op.off);
        data.set(op.ino, out);
        break;
      }
      case 'trunc': {
        if (!on) break;
        const cur = data.get(op.ino) ?? Buffer.alloc(0);
        const out = Buffer.alloc(op.size);
        cur.copy(out, 0, 0, Math.min(op.size, cur.length));
        data.set(op.ino, out);
        break;
      }
      case 'rename': {
        const ino = realNs.get(op.from);
        realNs.delete(op.from);
        if (ino !== undefined) realNs.set(op.to, ino);
        if (!on || ino === undefined || !dirs.has(parentOf(op.to))) break;
        files.delete(op.from);
        files.set(op.to, ino);
        break;
      }
      case 'link':
        realNs.set(op.to, op.ino);
        if (on && dirs.has(parentOf(op.to))) files.set(op.to, op.ino);
        break;
      case 'unlink':
        realNs.delete(op.path);
        if (on) files.delete(op.path);
        break;
      case 'mkdir':
        if (on && dirs.has(parentOf(op.path))) dirs.add(op.path);
        break;
      case 'rmdir':
        if (!on) break;
        for (const d of [...dirs]) if (d === op.path || d.startsWith(`${op.path}/`)) dirs.delete(d);
        for (const f of [...files.keys()]) if (f.startsWith(`${op.path}/`)) files.delete(f);
        break;
    }
  }
  // A file whose folder never reached the disk is not there either.
  for (const f of [...files.keys()]) if (!dirs.has(parentOf(f))) files.delete(f);
  const used = new Map<number, Buffer>();
  for (const ino of files.values()) used.set(ino, data.get(ino) ?? Buffer.alloc(0));
  return { files, data: used, dirs };
}

function imageKey(img: Image): string {
  const h = createHash('sha256');
  for (const d of [...img.dirs].sort()) h.update(`d ${d}\n`);
  for (const f of [...img.files.keys()].sort()) {
    h.update(`f ${f} `);
    h.update(
      createHash('sha256')
        .update(img.data.get(img.files.get(f)!)!)
        .digest(),
    );
  }
  return h.digest('hex');
}

/** Lay `img` out as folder `dir` (which must not exist yet). */
export function materialize(img: Image, dir: string): void {
  for (const d of [...img.dirs].sort()) real('mkdirSync')(path.join(dir, d), { recursive: true });
  for (const [f, ino] of img.files) real('writeFileSync')(path.join(dir, f), img.data.get(ino)!);
}

/** A count of the recorded operations by kind, for the report. */
export function opCounts(ops: FileOp[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const op of ops) out[op.t] = (out[op.t] ?? 0) + 1;
  return out;
}
