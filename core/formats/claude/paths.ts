import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Where Claude Code keeps its sessions: `<config>/projects/<project name>/<session id>.jsonl`, the
 * subagents of a session (2.x) in `<session id>/subagents/agent-<id>.jsonl` beside it, the agents of
 * a Workflow run (2.1) one level deeper, `<session id>/subagents/workflows/<run id>/agent-<id>.jsonl`
 * (with the run's `journal.jsonl` and each agent's `agent-<id>.meta.json`). The config folder is
 * $CLAUDE_CONFIG_DIR, else ~/.claude.
 */
export function claudeProjectsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.CLAUDE_CONFIG_DIR || path.join(env.HOME || os.homedir(), '.claude'), 'projects');
}

/** Claude Code's folder name for a project: the absolute cwd with every non-alphanumeric as "-". */
export function claudeProjectName(cwd: string): string {
  return cwd.replace(/[^A-Za-z0-9]/g, '-');
}

/** The file Claude Code reads for session `sessionId` started in `cwd`. */
export function claudeSessionFile(sessionId: string, cwd: string, env: NodeJS.ProcessEnv): string {
  return path.join(claudeProjectsDir(env), claudeProjectName(cwd), `${sessionId}.jsonl`);
}

/** The folder of a main session file's subagent files. */
export function claudeSubagentsDir(mainFile: string): string {
  return path.join(path.dirname(mainFile), path.basename(mainFile).replace(/\.jsonl$/, ''), 'subagents');
}

/** A Workflow run's folder name as Claude Code makes them (`wf_…`), and nothing a path could abuse. */
export const isWorkflowRunName = (name: string): boolean => /^wf_[A-Za-z0-9_-]+$/.test(name);

/** A subagent's transcript by its file name (`agent-<id>.jsonl`; not the run's journal.jsonl). */
export const isAgentFileName = (name: string): boolean => name.startsWith('agent-') && name.endsWith('.jsonl');

/** The Workflow agents' files of a main session file: `[run id, file]`, sorted. */
export function claudeWorkflowAgentFiles(mainFile: string): [string, string][] {
  const root = path.join(claudeSubagentsDir(mainFile), 'workflows');
  const out: [string, string][] = [];
  for (const run of readdir(root).filter(isWorkflowRunName)) {
    for (const f of readdir(path.join(root, run)).filter(isAgentFileName)) out.push([run, path.join(root, run, f)]);
  }
  return out;
}

function readdir(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() || e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}
