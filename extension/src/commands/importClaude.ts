import type * as vscode from 'vscode';
import type { CommandDeps } from './command.js';
import { registerImport } from './importSessions.js';

/** agentlog.importClaude: Claude Code sessions (~/.claude/projects/) into a store. */
export function registerImportClaude(deps: CommandDeps): vscode.Disposable {
  return registerImport(deps, 'agentlog.importClaude', 'claude');
}
