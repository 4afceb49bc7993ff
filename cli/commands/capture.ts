import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AgentlogError,
  appendCaptureLog,
  applyEdit,
  captureLog,
  captureSetup,
  captureStatus,
  MAX_HOOK_INPUT,
  planInstall,
  planUninstall,
  runHook,
  runThen,
  safe,
  type CaptureAgent,
  type CaptureScope,
} from '../../core/index.js';
import { defineCommand, type Context } from '../command.js';

export const captureCommand = defineCommand({
  name: 'capture',
  summary: "capture every Claude Code or Codex session into the store as it is written (the agent's own hooks)",
  usage: 'agentlog capture install|uninstall|status|hook [claude|codex] [--user|--project] [--dry-run]',
  help: `Sets up the agent's own mechanism so that each session lands in the store as the agent writes
it, with no command to run: Claude Code runs "agentlog capture hook claude" after each answer,
subagent, compaction and at the end of a session (hooks in its settings); Codex runs "agentlog
capture hook codex" after each turn (notify in $CODEX_HOME/config.toml). The hook names this agentlog
by its absolute path and the store by --store (or the store found from the current folder). A hook
never fails the agent: what goes wrong is written to <store>/.git/agentlog/capture.log. Each hook
reads only what the session file gained since the last one.

  install claude|codex     add the hooks (shows the change); again: replaces them
  uninstall claude|codex   remove exactly what install added
  status [claude|codex]    what is installed, where
  hook claude|codex        what the agent runs (Claude: hook JSON on stdin; Codex: the JSON argument)

Claude Code: --user (default) edits ~/.claude/settings.json ($CLAUDE_CONFIG_DIR), --project the
project's .claude/settings.local.json (this machine's settings, not committed). Codex: --user only.
A Codex notify program you already have is kept: capture runs it after itself with the same
argument, and uninstall puts your line back.

options:
  --user        the agent's settings for every project (default)
  --project     Claude Code only: the settings of the project that holds the store
  --dry-run     show the change, write nothing

examples:
  agentlog capture install claude
  agentlog capture install codex --dry-run
  agentlog capture uninstall claude`,
  options: {
    user: { type: 'boolean' },
    project: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    chain: { type: 'string' },
  },
  async run(ctx, values, positionals) {
    const [action, which, ...rest] = positionals;
    if (action === 'hook') return hook(ctx, which, rest, values.chain);
    if (action !== 'install' && action !== 'uninstall' && action !== 'status') {
      throw new AgentlogError('E_INPUT', `say what to do: agentlog capture install|uninstall|status|hook (got "${action ?? ''}")`);
    }
    if (rest.length) throw new AgentlogError('E_INPUT', `unexpected argument "${rest[0]}"`);
    if (values.user && values.project) throw new AgentlogError('E_INPUT', 'say --user or --project, not both');
    const scope: CaptureScope = values.project ? 'project' : 'user';
    if (action === 'status') {
      const agents: CaptureAgent[] = which === undefined ? ['claude', 'codex'] : [agentOf(which)];
      const project = projectFolder(ctx);
      for (const agent of agents) {
        for (const s of agent === 'claude' ? (['user', 'project'] as const) : (['user'] as const)) {
          const setup = captureSetup(agent, s, ctx.env, project ?? ctx.cwd);
          if (s === 'project' && project === undefined) continue;
          const found = captureStatus(setup);
          ctx.stdout.write(`${agent}\t${s}\t${found.length ? 'installed' : 'not installed'}\t${setup.file}\n`);
          for (const f of found) ctx.stdout.write(`  ${safe(f)}\n`);
        }
      }
      return 0;
    }
    const agent = agentOf(which);
    const store = ctx.store();
    const setup = captureSetup(agent, scope, ctx.env, projectOf(store.dir));
    const edit = action === 'install' ? planInstall(setup, agentlogArgv(ctx), store.dir) : planUninstall(setup);
    const dry = !!values['dry-run'];
    if (edit.text === undefined) {
      ctx.stderr.write(
        `agentlog capture: ${setup.file}: ${action === 'install' ? 'already installed, nothing to change' : 'no capture hooks there, nothing to remove'}\n`,
      );
      return 0;
    }
    ctx.stderr.write(`${dry ? 'would change' : 'changed'} ${setup.file}:\n`);
    for (const c of edit.changes) ctx.stderr.write(`  ${safe(c)}\n`);
    if (!dry) applyEdit(setup, edit);
    if (!dry && action === 'install')
      ctx.stderr.write(
        `every ${agent === 'claude' ? 'Claude Code' : 'Codex'} session now lands in ${store.dir}; the hooks log to ${captureLog(store.gitDir)}\n`,
      );
    return 0;
  },
});

function agentOf(which: string | undefined): CaptureAgent {
  if (which === 'claude' || which === 'codex') return which;
  throw new AgentlogError('E_INPUT', `say which agent: claude or codex (got "${which ?? ''}")`);
}

/**
 * What the agent runs: never fails it (exit 0), whatever happens; errors go to the store's capture
 * log, or to stderr when there is no store to log in.
 */
async function hook(ctx: Context, which: string | undefined, rest: string[], chain: string | undefined): Promise<number> {
  const started = ctx.now();
  let log = (line: string) => ctx.stderr.write(`agentlog capture: ${safe(line)}\n`);
  // Codex passes its JSON as the last argument; Claude Code on stdin.
  const arg = rest[rest.length - 1];
  try {
    if (chain !== undefined && arg !== undefined) runThen(parseChain(chain), arg);
    const agent = agentOf(which);
    const store = ctx.store();
    const file = captureLog(store.gitDir);
    log = (line) => appendCaptureLog(file, ctx.now(), `${agent}: ${line}`);
    const input = agent === 'codex' ? (arg ?? '') : await readInput(ctx.stdin());
    // Codex does not wait for its notify program and writes the turn's last records after calling it.
    const settle = agent === 'codex' ? { quietMs: Number(ctx.env.AGENTLOG_CAPTURE_SETTLE_MS ?? 1500), maxMs: 30_000 } : undefined;
    const results = await runHook(store, agent, input, ctx.env, log, settle);
    const appended = results.reduce((n, r) => n + r.appended, 0);
    if (appended > 0) {
      log(`${appended} event(s) in ${ctx.now() - started} ms`);
      ctx.scanLater(); // secrets: scanned once the hook has returned, in the background (cli/autoScan.ts)
    }
  } catch (e) {
    log(`error: ${(e as Error).message}`);
  }
  return 0;
}

function parseChain(text: string): string[] {
  const v: unknown = JSON.parse(text);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new AgentlogError('E_INPUT', '--chain is not a JSON list of strings');
  return v as string[];
}

async function readInput(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
    size += b.length;
    if (size > MAX_HOOK_INPUT) throw new AgentlogError('E_INPUT', `the hook's input is over ${MAX_HOOK_INPUT} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** This agentlog as a command: node and the CLI's script (cli/bin/agentlog.js), absolute. */
function agentlogArgv(ctx: Context): string[] {
  if (ctx.env.AGENTLOG_CAPTURE_ARGV) return JSON.parse(ctx.env.AGENTLOG_CAPTURE_ARGV) as string[];
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const bin = path.join(dir, 'cli', 'bin', 'agentlog.js');
    if (fs.existsSync(bin)) return [process.execPath, bin];
    const up = path.dirname(dir);
    if (up === dir) throw new AgentlogError('E_INPUT', 'cannot find cli/bin/agentlog.js to name in the hooks');
    dir = up;
  }
}

/** The folder a store belongs to: the folder that holds `.agentlog/`, or the store's own folder. */
function projectOf(storeDir: string): string {
  return path.basename(storeDir) === '.agentlog' ? path.dirname(storeDir) : storeDir;
}

function projectFolder(ctx: Context): string | undefined {
  try {
    return projectOf(ctx.store().dir);
  } catch {
    return undefined;
  }
}
