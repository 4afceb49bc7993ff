import { flagNew, safe, type Store } from '../core/index.js';
import { afterCommandMode, startDetached } from './autoGc.js';
import type { Output } from './command.js';

/**
 * The secrets scan of what a capture hook or an import brought in (issue 13): never inside the
 * command (a hook blocks its agent; loading the rule set alone costs ~0.3 s), but once its work is
 * acknowledged, as the automatic gc runs (autoGc.ts):
 * - `detach` (the default): a detached `agentlog scan --new`;
 * - `wait`: the same scan in this process before it exits;
 * - `off`: none (`agentlog scan` by hand; push and export scan what they send in any case).
 * Chosen by AGENTLOG_AUTO_SCAN (`detach`, `wait`, `0`/`off`). What it finds waits in `agentlog status`.
 */
export type AutoScanMode = 'detach' | 'wait' | 'off';

export function autoScanMode(env: NodeJS.ProcessEnv): AutoScanMode {
  return afterCommandMode(env.AGENTLOG_AUTO_SCAN);
}

/** Run or start the scan of what is new; never throws (a scan must not fail a command that succeeded). */
export async function autoScan(store: Store, mode: AutoScanMode, env: NodeJS.ProcessEnv, stderr: Output): Promise<void> {
  if (mode === 'off') return;
  try {
    if (mode === 'wait') await flagNew(store);
    else startDetached(['scan', '--new', '--store', store.dir], { ...env, AGENTLOG_AUTO_SCAN: 'off', AGENTLOG_AUTO_GC: 'off' });
  } catch (e) {
    stderr.write(`agentlog: warning: the scan of what came in failed: ${safe((e as Error).message)}\n`);
  }
}
