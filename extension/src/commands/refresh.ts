import type * as vscode from 'vscode';
import { registerCommand, type CommandDeps } from './command.js';

/** agentlog.refresh: read the stores again and redraw the Sessions view. */
export function registerRefresh(deps: CommandDeps): vscode.Disposable {
  return registerCommand('agentlog.refresh', () => deps.view.refresh());
}
