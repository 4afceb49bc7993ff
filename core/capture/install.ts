import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AgentlogError } from '../errors.js';
import { shellQuote } from '../export/resume.js';
import { claudeStatus, installClaude, uninstallClaude, type Edit } from './claudeSettings.js';
import { codexStatus, installCodex, uninstallCodex } from './codexConfig.js';

export type CaptureAgent = 'claude' | 'codex';
export type CaptureScope = 'user' | 'project';

export interface CaptureSetup {
  agent: CaptureAgent;
  /** The settings file capture edits. */
  file: string;
}

/**
 * Which file holds the agent's hooks: Claude Code's user settings (`$CLAUDE_CONFIG_DIR` or
 * `~/.claude/settings.json`), or a project's `.claude/settings.local.json` (the machine's own
 * settings, not committed: the hook names this machine's agentlog and store); Codex's
 * `$CODEX_HOME/config.toml` (Codex reads `notify` from there only).
 */
export function captureSetup(agent: CaptureAgent, scope: CaptureScope, env: NodeJS.ProcessEnv, project: string): CaptureSetup {
  const home = env.HOME || os.homedir();
  if (agent === 'claude') {
    const file =
      scope === 'project'
        ? path.join(project, '.claude', 'settings.local.json')
        : path.join(env.CLAUDE_CONFIG_DIR || path.join(home, '.claude'), 'settings.json');
    return { agent, file };
  }
  if (scope === 'project') {
    throw new AgentlogError('E_INPUT', 'Codex runs its notify program from $CODEX_HOME/config.toml only: capture install codex --user');
  }
  return { agent, file: path.join(env.CODEX_HOME || path.join(home, '.codex'), 'config.toml') };
}

/**
 * The program an agent runs: `agentlog capture hook AGENT --store STORE` with this agentlog's absolute
 * path (`agentlog` = the node binary and the CLI's script), so it works whatever the agent's PATH.
 */
export function hookArgv(agentlog: string[], agent: CaptureAgent, store: string, then?: string[]): string[] {
  return [...agentlog, 'capture', 'hook', agent, '--store', path.resolve(store), ...(then ? ['--chain', JSON.stringify(then)] : [])];
}

/** The change install would make (nothing written). */
export function planInstall(setup: CaptureSetup, agentlog: string[], store: string): Edit {
  const text = readText(setup.file);
  if (setup.agent === 'claude') return installClaude(text, setup.file, shellQuote(hookArgv(agentlog, 'claude', store)));
  return installCodex(text, setup.file, (then) => hookArgv(agentlog, 'codex', store, then));
}

/** The change uninstall would make (nothing written). */
export function planUninstall(setup: CaptureSetup): Edit {
  const text = readText(setup.file);
  return setup.agent === 'claude' ? uninstallClaude(text, setup.file) : uninstallCodex(text, setup.file);
}

/** What capture has installed in the file: one line per hook. */
export function captureStatus(setup: CaptureSetup): string[] {
  const text = readText(setup.file);
  return setup.agent === 'claude' ? claudeStatus(text, setup.file) : codexStatus(text, setup.file);
}

/** Write an edit: a temporary file beside it renamed over it, the file's mode kept. */
export function applyEdit(setup: CaptureSetup, edit: Edit): void {
  if (edit.text === undefined) return;
  fs.mkdirSync(path.dirname(setup.file), { recursive: true });
  let mode = 0o644;
  try {
    mode = fs.statSync(setup.file).mode & 0o777;
  } catch {
    // a new file
  }
  const tmp = `${setup.file}.agentlog-${process.pid}.tmp`;
  fs.writeFileSync(tmp, edit.text, { mode });
  fs.renameSync(tmp, setup.file);
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AgentlogError('E_IO', `cannot read ${file}: ${(e as Error).message}`);
  }
}
