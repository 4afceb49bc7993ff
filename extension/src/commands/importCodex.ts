import type * as vscode from 'vscode';
import type { CommandDeps } from './command.js';
import { registerImport } from './importSessions.js';

/** agentlog.importCodex: Codex CLI sessions (~/.codex/sessions/) into a store. */
export function registerImportCodex(deps: CommandDeps): vscode.Disposable {
  return registerImport(deps, 'agentlog.importCodex', 'codex');
}
