import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentlogError } from '../errors.js';
import { claudeSubagentsDir } from '../formats/claude/paths.js';
import { findCodexRollout } from '../formats/codex/paths.js';
import type { ImportWarning } from '../formats/jsonl.js';
import type { Store } from '../store/store.js';
import { captureFile, type CaptureResult } from './captureFile.js';
import type { CaptureAgent } from './install.js';

/** The most a hook reads as its input (the agents send a few hundred bytes). */
export const MAX_HOOK_INPUT = 1024 * 1024;

/**
 * The session files a hook's input names. Claude Code: `transcript_path` (a `.jsonl` file) and the
 * files of its `subagents/` folder. Codex: the rollout of the thread id its notify argument names
 * (`thread-id`; `thread_id` and `session_id` taken too), found in `$CODEX_HOME/sessions`.
 */
export function hookFiles(agent: CaptureAgent, input: string, env: NodeJS.ProcessEnv): string[] {
  let v: unknown;
  try {
    v = JSON.parse(input);
  } catch (e) {
    throw new AgentlogError('E_INPUT', `the hook's input is not JSON (${(e as Error).message})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new AgentlogError('E_INPUT', "the hook's input is not a JSON object");
  const o = v as Record<string, unknown>;
  if (agent === 'claude') {
    const t = o.transcript_path;
    if (typeof t !== 'string' || !path.isAbsolute(t) || !t.endsWith('.jsonl') || t.includes('\0')) {
      throw new AgentlogError('E_INPUT', `the hook's transcript_path is not an absolute .jsonl path: ${JSON.stringify(t)?.slice(0, 200)}`);
    }
    if (!fs.existsSync(t)) return [];
    const dir = claudeSubagentsDir(t);
    let subs: string[] = [];
    try {
      subs = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.jsonl'))
        .sort()
        .map((f) => path.join(dir, f));
    } catch {
      // no subagents
    }
    return [t, ...subs];
  }
  const id = o['thread-id'] ?? o.thread_id ?? o.session_id;
  if (typeof id !== 'string' || !/^[A-Za-z0-9-]{1,100}$/.test(id)) {
    throw new AgentlogError('E_INPUT', `the notify argument names no thread id: ${JSON.stringify(id)?.slice(0, 200)}`);
  }
  const file = findCodexRollout(id, env);
  if (!file) throw new AgentlogError('E_INPUT', `no rollout of Codex thread ${id} in ${env.CODEX_HOME || '~/.codex'}/sessions`);
  return [file];
}

/**
 * Capture what a hook's input names; each file on its own (one that fails does not stop the others).
 * With `settle` (Codex: its notify runs when a turn completes, while Codex still writes the turn's last
 * records, and does not wait for the program), the files are captured again as long as they keep
 * changing: until they have been still for `settle.quietMs`, at most `settle.maxMs`.
 */
export async function runHook(
  store: Store,
  agent: CaptureAgent,
  input: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  settle?: { quietMs: number; maxMs: number },
): Promise<CaptureResult[]> {
  const out: CaptureResult[] = [];
  const warn = (w: ImportWarning) => log(`warning: ${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}`);
  const files = hookFiles(agent, input, env);
  const pass = async () => {
    for (const file of files) {
      try {
        const r = await captureFile(store, agent, file, warn, { env });
        out.push(r);
        if (r.mode !== 'unchanged') log(`${r.mode}: +${r.appended} event(s) from ${file}`);
      } catch (e) {
        log(`error: ${file}: ${(e as Error).message}`);
      }
    }
  };
  await pass();
  if (!settle) return out;
  const started = Date.now();
  let seen = sizes(files);
  let still = Date.now();
  while (Date.now() - still < settle.quietMs && Date.now() - started < settle.maxMs) {
    await new Promise((r) => setTimeout(r, Math.min(200, settle.quietMs)));
    const now = sizes(files);
    if (now !== seen) {
      seen = now;
      still = Date.now();
      await pass();
    }
  }
  return out;
}

/** Size and mtime of each file, as one string (a change in any shows). */
function sizes(files: string[]): string {
  return files
    .map((f) => {
      try {
        const st = fs.statSync(f);
        return `${st.size}:${st.mtimeMs}`;
      } catch {
        return '-';
      }
    })
    .join('|');
}

/** The log of the hooks, `<git dir>/agentlog/capture.log`, kept under 1 MiB (the older half moved to capture.log.1). */
export function captureLog(gitDir: string): string {
  return path.join(gitDir, 'agentlog', 'capture.log');
}

export function appendCaptureLog(file: string, now: number, line: string): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      if (fs.statSync(file).size > 1024 * 1024) fs.renameSync(file, `${file}.1`);
    } catch {
      // no log yet
    }
    fs.appendFileSync(file, `${new Date(now).toISOString()} ${line.replace(/[\r\n]+/g, ' ')}\n`);
  } catch {
    // a hook never fails the agent, not even for its log
  }
}

/** Run the user's own notify program (kept by install) with the same argument, not waiting for it. */
export function runThen(argv: string[], arg: string): void {
  if (argv.length === 0) return;
  const child = spawn(argv[0], [...argv.slice(1), arg], { detached: true, stdio: 'ignore' });
  child.on('error', () => {});
  child.unref();
}
