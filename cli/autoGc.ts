import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { safe, type Store } from '../core/index.js';
import type { Output } from './command.js';

/**
 * How a command's automatic gc runs, once its own work is acknowledged and its output flushed:
 * - `detach` (the default): a detached `agentlog gc --auto` child, as git's auto-gc detaches. The
 *   command exits at once: a capture hook (which the agent waits for) or a script's `agentlog append`
 *   never waits for a merge; the child merges at most AUTO_GC.maxBytes and exits.
 * - `wait`: the same bounded round in this process before it exits (tests; a caller that wants the
 *   store tidy when the command returns).
 * - `off`: none (`agentlog gc` by hand).
 * Chosen by AGENTLOG_AUTO_GC (`detach`, `wait`, `0`/`off`).
 */
export type AutoGcMode = 'detach' | 'wait' | 'off';

export function autoGcMode(env: NodeJS.ProcessEnv): AutoGcMode {
  return afterCommandMode(env.AGENTLOG_AUTO_GC);
}

/** What an AGENTLOG_AUTO_* variable asks of work after a command: `0`/`off`/`false`, `wait`, else detach. */
export function afterCommandMode(v: string | undefined): 'detach' | 'wait' | 'off' {
  if (v === '0' || v === 'off' || v === 'false') return 'off';
  return v === 'wait' ? 'wait' : 'detach';
}

/** Run or start the automatic gc when `store` wrote packs and a gc has work; never throws (tidying must not fail a command that succeeded). */
export async function autoGc(store: Store, mode: AutoGcMode, env: NodeJS.ProcessEnv, stderr: Output): Promise<void> {
  if (mode === 'off') return;
  try {
    if (!store.gcDue()) return;
    if (mode === 'wait') {
      await store.gc({ auto: true });
      return;
    }
    startDetached(['gc', '--auto', '--store', store.dir], { ...env, AGENTLOG_AUTO_GC: 'off' });
  } catch (e) {
    stderr.write(`agentlog: warning: the automatic gc failed: ${safe((e as Error).message)}\n`);
  }
}

/** Start `agentlog ARGS` detached from this process (it outlives the command; its output goes nowhere). */
export function startDetached(args: string[], env: NodeJS.ProcessEnv): void {
  const bin = agentlogBin();
  if (!bin) return;
  const child = spawn(process.execPath, [bin, ...args], { detached: true, stdio: 'ignore', env });
  child.on('error', () => {});
  child.unref();
}

/** This CLI's bin script: beside this file in the sources (cli/bin/), or two folders up from dist/cli/. */
function agentlogBin(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return [path.join(here, 'bin', 'agentlog.js'), path.join(here, '..', '..', 'cli', 'bin', 'agentlog.js')].find((f) => fs.existsSync(f));
}
