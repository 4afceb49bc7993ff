import type { Progress } from './http.js';
import type { AllowResult } from './allow.js';
import type { HttpTimings } from './limits.js';

/**
 * What happened to one timeline in a push, pull or clone:
 * - `up-to-date`: both sides held the same tip;
 * - `new`: a timeline the remote had and the store did not, now in the store;
 * - `fast-forwarded`: the store's timeline caught up with the remote's longer one;
 * - `ahead`: the store's timeline is longer than the remote's (push to publish it);
 * - `pushed`: the remote now holds the store's version (created or extended);
 * - `forked`: both sides extended the timeline: the remote's version keeps the name, the store's
 *   diverged version was kept as the timeline `fork` (see forkName);
 * - `rejected`: the remote refused the update (`reason`) and retrying did not help.
 */
export interface TimelineResult {
  name: string;
  status: 'up-to-date' | 'new' | 'fast-forwarded' | 'ahead' | 'pushed' | 'forked' | 'rejected';
  fork?: string;
  /** The tip before and after, where it moved. */
  old?: string;
  new?: string;
  reason?: string;
}

export interface SyncReport {
  remote: string;
  url: string;
  timelines: TimelineResult[];
  /**
   * The remote's branches not taken (an invalid timeline name, a timeline that fails verification),
   * each with why; the rest synced. Each was also passed to `warn`.
   */
  skipped?: Array<{ name: string; reason: string }>;
  /** How many refs the remote advertised to this pull (http; with protocol v2, only refs/heads/). */
  advertised?: number;
  /** Objects and bytes sent (push over http; 0 when the git CLI did the push). */
  sent?: { objects: number; bytes: number };
  /** What happened to the allow list (core/sync/allow.ts), when either side has one. */
  allow?: AllowResult;
}

export interface SyncOptions {
  env?: NodeJS.ProcessEnv;
  progress?: Progress;
  /** Where a warning goes (a remote branch skipped, and why); standard error when not given. */
  warn?: (message: string) => void;
  /** HTTP time limits, over those of the environment (limits.ts syncTimings; tests shorten them). */
  timings?: Partial<HttpTimings>;
  /** Push: send timelines even when they hold what looks like secrets (core/secrets/guard.ts); default false. */
  allowSecrets?: boolean;
  /** The clock of a merge commit of two allow lists (core/sync/allow.ts); default Date.now. */
  now?: () => number;
}
