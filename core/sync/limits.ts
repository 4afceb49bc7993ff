/**
 * How much a remote may make this process hold. Everything a remote sends is untrusted (issue 17,
 * points 12–13): every answer is read under a cap, so an endless or inflated answer ends in a clear
 * error instead of exhausting memory. The pack is streamed into a file in the fetch's quarantine as
 * it arrives and indexed from there (indexPackFile: objects inflated one at a time, each capped at its
 * declared size), so memory is bounded by the largest objects, not the pack; the pack's cap bounds the
 * disk a remote may fill: raise it with AGENTLOG_MAX_PACK_BYTES for a very large store.
 */
export interface SyncLimits {
  /** The ref advertisement (GET /info/refs): 16 MiB holds some 250,000 refs. */
  advertisement: number;
  /** The answer to a push (receive-pack's report): a few lines per ref. */
  pushAnswer: number;
  /** The fetch answer: the pack, written to disk as it comes (AGENTLOG_MAX_PACK_BYTES, default 1 GiB). */
  pack: number;
  /** One object's inflated size, as its pack entry or its delta declares it (AGENTLOG_MAX_OBJECT_BYTES, default 128 MiB). */
  object: number;
}

const MiB = 1 << 20;

/** The limits in force, from the environment where it sets them (a positive whole number of bytes), else the defaults. */
export function syncLimits(env: NodeJS.ProcessEnv = process.env): SyncLimits {
  return {
    advertisement: 16 * MiB,
    pushAnswer: 4 * MiB,
    pack: bytesFrom(env.AGENTLOG_MAX_PACK_BYTES, 1024 * MiB),
    object: bytesFrom(env.AGENTLOG_MAX_OBJECT_BYTES, 128 * MiB),
  };
}

function bytesFrom(value: string | undefined, fallback: number): number {
  if (!value || !/^[0-9]{1,15}$/.test(value)) return fallback;
  const n = Number(value);
  return n > 0 ? n : fallback;
}

/** A byte count as a person reads it. */
export function sizeText(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  return `${n} bytes`;
}

/**
 * How long one HTTP request may take (issue 20). No idle time-out: a git server is silent while it
 * works (indexing a pushed pack, counting objects for a clone: minutes on a large store), so only the
 * whole request is bounded, by AGENTLOG_HTTP_TIMEOUT seconds (default 4 hours, decimals allowed).
 * After `noticeMs` of silence, the progress callback hears `waiting` (seconds quiet) every second.
 */
export interface HttpTimings {
  totalMs: number;
  noticeMs: number;
}

export function syncTimings(env: NodeJS.ProcessEnv = process.env): HttpTimings {
  const raw = env.AGENTLOG_HTTP_TIMEOUT;
  const seconds = raw && /^[0-9]{1,7}(\.[0-9]{1,3})?$/.test(raw) ? Number(raw) : 0;
  return { totalMs: seconds > 0 ? Math.round(seconds * 1000) : 4 * 3600_000, noticeMs: 5000 };
}

/** A duration as a person reads it. */
export function durationText(ms: number): string {
  if (ms >= 3600_000 && ms % 3600_000 === 0) return `${ms / 3600_000} h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}
