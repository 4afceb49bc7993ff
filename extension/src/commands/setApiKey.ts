import * as vscode from 'vscode';
import { SECRET_KEY } from '../models.js';
import { registerCommand, type CommandDeps } from './command.js';

/** agentlog.setApiKey: the endpoint's key, kept in VS Code's secret storage (an empty key removes it). */
export function registerSetApiKey(deps: CommandDeps): vscode.Disposable {
  return registerCommand('agentlog.setApiKey', async (given?: string) => {
    const key =
      typeof given === 'string'
        ? given
        : await vscode.window.showInputBox({ title: 'agentlog: API key for agentlog.model.endpoint', password: true, ignoreFocusOut: true });
    if (key === undefined) return;
    if (key) await deps.context.secrets.store(SECRET_KEY, key);
    else await deps.context.secrets.delete(SECRET_KEY);
    vscode.window.showInformationMessage(key ? 'agentlog: API key saved in VS Code’s secret storage.' : 'agentlog: API key removed.');
  });
}
