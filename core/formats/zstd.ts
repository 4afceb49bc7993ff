import * as fs from 'node:fs';
import { Decompress } from 'fzstd';

/**
 * Reading a zstd-compressed session file (Codex 0.137+ compresses rollouts older than seven days to
 * `rollout-*.jsonl.zst`; Node 20 has no zstd, fzstd is a pure-JS decoder). The file is hostile input:
 * a few kilobytes can claim gigabytes (a zstd bomb), so it is decompressed as a stream, 64 KiB of
 * input at a time, and stopped as soon as the output passes `maxBytes`; memory stays within that cap.
 */

/** A compressed session file, by its name. */
export const isZstd = (file: string): boolean => file.endsWith('.zst');

/** The file name of a session file as if it were not compressed (`x.jsonl.zst` → `x.jsonl`). */
export const plainName = (file: string): string => file.replace(/\.zst$/, '');

/** Decompressed files larger than this are refused (1 GiB). */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 1024 * 1024 * 1024;

export type ZstdRead = { ok: true; bytes: Buffer } | { ok: false; why: string };

class OverCap extends Error {}

/**
 * The decompressed bytes of `file`, or why not: over `maxBytes`, or not valid zstd. With `prefix`,
 * only the first `maxBytes` are wanted: a longer file gives those.
 */
export function readZstd(file: string, maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES, prefix = false): ZstdRead {
  const chunks: Buffer[] = [];
  let total = 0;
  const d = new Decompress((data) => {
    const room = maxBytes - total;
    total += data.length;
    if (total > maxBytes) {
      if (prefix) chunks.push(Buffer.from(data.subarray(0, room)));
      throw new OverCap();
    }
    chunks.push(Buffer.from(data)); // the decoder reuses its window: copy
  });
  const fd = fs.openSync(file, 'r');
  const input = Buffer.alloc(64 * 1024);
  try {
    for (;;) {
      const n = fs.readSync(fd, input, 0, input.length, null);
      if (n === 0) {
        d.push(new Uint8Array(0), true);
        break;
      }
      d.push(input.subarray(0, n));
    }
  } catch (e) {
    if (e instanceof OverCap && prefix) return { ok: true, bytes: Buffer.concat(chunks) };
    if (e instanceof OverCap) return { ok: false, why: `decompresses to more than ${maxBytes} bytes (the limit); skipped` };
    if ((e as NodeJS.ErrnoException).syscall) throw e;
    return { ok: false, why: `not a valid zstd file (${(e as Error).message}); skipped` };
  } finally {
    fs.closeSync(fd);
  }
  return { ok: true, bytes: Buffer.concat(chunks, total) };
}
