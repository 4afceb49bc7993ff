import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Where Claude Code keeps its sessions: `<config>/projects/<project name>/<session id>.jsonl`, the
 * subagents of a session (2.x) in `<session id>/subagents/agent-<id>.jsonl` beside it. The config
 * folder is $CLAUDE_CONFIG_DIR, else ~/.claude.
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
