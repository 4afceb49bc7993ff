/**
 * Fault injection at the file layer, for the suites of test/hostile/ (issue 17, test (b)): the calls a
 * write makes are patched on node:fs itself (and the ES module views synced, so core's own
 * `import * as fs` sees them), counted, and the n-th made one fail: with an errno (EIO, ENOSPC) or as a
 * short write (half the bytes written, half reported). Only calls on files under `root` count (an fd
 * counts when it was opened there), so what the HTTP server or the test runner does at the same time
 * changes no count.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';

const fsCjs = createRequire(import.meta.url)('node:fs') as Record<string, unknown>;
/** The calls a write makes that can fail on a real disk. */
const CALLS = [
  'openSync',
  'closeSync',
  'writeSync',
  'writevSync',
  'fsyncSync',
  'renameSync',
  'linkSync',
  'rmSync',
  'unlinkSync',
  'mkdirSync',
  'ftruncateSync',
  'writeFileSync',
] as const;
type Fn = (...args: unknown[]) => unknown;
const originals = new Map<string, Fn>(CALLS.map((name) => [name, fsCjs[name] as Fn]));

/** How a call fails: an errno, or `short` (a write that writes and reports half its bytes). */
export type Fault = 'EIO' | 'ENOSPC' | 'short';

function failure(code: string, name: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: injected fault, ${name}`) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

/** Patch the calls under `root`; `fault(n, name)` says whether call n (1-based) fails. Returns the count so far. */
function patch(root: string, faultAt: (n: number, name: string) => Fault | undefined): () => number {
  root = path.resolve(root);
  let n = 0;
  let depth = 0;
  const fds = new Set<number>();
  const under = (p: unknown): boolean => typeof p === 'string' && (path.resolve(p) === root || path.resolve(p).startsWith(`${root}${path.sep}`));
  for (const name of CALLS) {
    const original = originals.get(name)!;
    fsCjs[name] = (...args: unknown[]) => {
      if (depth > 0) return original(...args);
      const byFd = name === 'writeSync' || name === 'writevSync' || name === 'fsyncSync' || name === 'ftruncateSync' || name === 'closeSync';
      const ours = byFd ? fds.has(args[0] as number) : under(args[0]) || (name === 'renameSync' || name === 'linkSync' ? under(args[1]) : false);
      if (!ours) return original(...args);
      depth++;
      try {
        const fault = name === 'closeSync' ? undefined : faultAt(++n, name);
        if (fault === 'short' && (name === 'writeSync' || name === 'writevSync')) return shortWrite(name, original, args);
        if (fault && fault !== 'short') throw failure(fault, name);
        const out = original(...args);
        if (name === 'openSync') fds.add(out as number);
        if (name === 'closeSync') fds.delete(args[0] as number);
        return out;
      } finally {
        depth--;
      }
    };
  }
  syncBuiltinESMExports();
  return () => n;
}

/** Write only the first half of what was asked, and say so (as a full disk or a file-size limit does). */
function shortWrite(name: string, _original: Fn, args: unknown[]): number {
  const [fd] = args as [number];
  let bytes: Buffer;
  let position: unknown;
  if (name === 'writevSync') {
    bytes = Buffer.concat(args[1] as Uint8Array[]);
    position = args[2];
  } else if (typeof args[1] === 'string') {
    bytes = Buffer.from(args[1] as string);
    position = args[2];
  } else {
    const b = args[1] as Uint8Array;
    const off = typeof args[2] === 'number' ? args[2] : 0;
    const len = typeof args[3] === 'number' ? args[3] : b.byteLength - off;
    bytes = Buffer.from(b.buffer, b.byteOffset + off, len);
    position = args[4];
  }
  const half = bytes.subarray(0, bytes.length >> 1);
  if (!half.length) return 0;
  return originals.get('writeSync')!(fd, half, 0, half.length, typeof position === 'number' ? position : null) as number;
}

function restore(): void {
  for (const name of CALLS) fsCjs[name] = originals.get(name);
  syncBuiltinESMExports();
}

/** How many counted calls `op` makes on files under `root`; `names`, when given, gets each call's name in order. */
export async function countCalls(root: string, op: () => Promise<unknown>, names?: string[]): Promise<number> {
  const count = patch(root, (_n, name) => {
    names?.push(name);
    return undefined;
  });
  try {
    await op();
  } finally {
    restore();
  }
  return count();
}

/** Run `op` with counted call `at` under `root` failing as `fault`; what it returned, or the error it threw. */
export async function withFault<T>(
  root: string,
  fault: Fault,
  at: number,
  op: () => Promise<T>,
): Promise<{ value?: T; error?: unknown; hit: string | undefined }> {
  let hit: string | undefined;
  patch(root, (n, name) => {
    if (n !== at) return undefined;
    if (fault === 'short' && name !== 'writeSync' && name !== 'writevSync') return undefined;
    hit = name;
    return fault;
  });
  try {
    return { value: await op(), hit };
  } catch (error) {
    return { error, hit };
  } finally {
    restore();
  }
}
