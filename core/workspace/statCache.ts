import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { removeQuietly, writeNewFile } from '../git/fsio.js';

// The stat cache, as git's index is one: per workspace folder, each file's stat (mtime, ctime,
// size, inode, mode) beside the blob id it hashed to, so a snapshot re-reads only files whose stat
// changed. Derived, never authoritative: kept in `<git dir>/agentlog/workspace/<hash of the
// folder>.json`, written whole through a temporary file and a rename, ignored when unreadable or
// bigger than MAX_CACHE_BYTES. Racy entries (a file changed in the same clock tick as the cache was
// written, which a stat cannot tell apart) are never trusted: an entry counts only when its mtime is
// older than the cache file's own mtime, the test git makes of its index.

const MAX_CACHE_BYTES = 256 << 20;

/** mtimeMs, ctimeMs, size, ino, git mode, blob id. */
export type StatEntry = [number, number, number, number, string, string];

export interface StatCache {
  /** The entry for `rel` when its stat is still `st` (and it is not racy), else undefined. */
  lookup(rel: string, st: fs.Stats, mode: string): string | undefined;
  /** Record what `rel` hashed to. */
  set(rel: string, st: fs.Stats, mode: string, oid: string): void;
  /** Forget `rel` (its blob turned out to be missing from the store). */
  drop(rel: string): void;
  save(): void;
}

const OID = /^[0-9a-f]{40}$/;

function cacheFile(commonDir: string, root: string): string {
  return path.join(commonDir, 'agentlog', 'workspace', `${createHash('sha1').update(root).digest('hex')}.json`);
}

/** Whether this store has snapshotted the folder `root` (its real path) before: it keeps a stat cache for it. */
export function snapshottedBefore(commonDir: string, root: string): boolean {
  return fs.existsSync(cacheFile(commonDir, root));
}

export function openStatCache(commonDir: string, root: string): StatCache {
  const dir = path.join(commonDir, 'agentlog', 'workspace');
  const file = cacheFile(commonDir, root);
  let old: Record<string, unknown> = {};
  let cutoff = 0;
  try {
    const st = fs.statSync(file);
    if (st.size <= MAX_CACHE_BYTES) {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { root?: unknown; entries?: unknown };
      if (parsed.root === root && parsed.entries && typeof parsed.entries === 'object') {
        old = parsed.entries as Record<string, unknown>;
        cutoff = st.mtimeMs;
      }
    }
  } catch {
    // no cache, or a damaged one: every file is hashed again
  }
  const next: Record<string, StatEntry> = Object.create(null); // keys are file paths: `__proto__` is a name like any other
  let oldCount = 0;
  for (const _ in old) oldCount++;
  let nextCount = 0;
  /** Whether the cache to save differs from the one read: a file hashed, dropped, or no longer there. */
  let dirty = false;
  return {
    lookup(rel, st, mode) {
      const e = Object.hasOwn(old, rel) ? old[rel] : undefined;
      if (!Array.isArray(e) || e.length !== 6) return undefined;
      const [mtime, ctime, size, ino, m, oid] = e as unknown[];
      if (mtime !== st.mtimeMs || ctime !== st.ctimeMs || size !== st.size || ino !== st.ino || m !== mode) return undefined;
      if (typeof oid !== 'string' || !OID.test(oid) || st.mtimeMs >= cutoff) return undefined;
      if (!(rel in next)) nextCount++;
      next[rel] = e as StatEntry;
      return oid;
    },
    set(rel, st, mode, oid) {
      if (!(rel in next)) nextCount++;
      next[rel] = [st.mtimeMs, st.ctimeMs, st.size, st.ino, mode, oid];
      dirty = true;
    },
    drop(rel) {
      if (rel in next) nextCount--;
      delete next[rel];
      dirty = true;
    },
    save() {
      if (!dirty && nextCount === oldCount) return; // every entry was looked up and still holds
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        fs.mkdirSync(dir, { recursive: true });
        writeNewFile(tmp, [Buffer.from(JSON.stringify({ root, entries: next }))], { mode: 0o644 });
        fs.renameSync(tmp, file);
      } catch {
        removeQuietly(tmp); // a cache that cannot be written costs the next snapshot time, never data
      }
    },
  };
}
