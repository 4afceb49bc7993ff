import * as vscode from 'vscode';
import { allowFindings } from '../secretsActions.js';
import { registerCommand, type CommandDeps, type StoreArg } from './command.js';
import { pickStore } from './pick.js';

/**
 * agentlog.allowFinding(store, fingerprints): the findings are not secrets: they go on the store's
 * allow list (`agentlog allow finding:FP`: a commit on refs/agentlog/allow, so it travels with the
 * store), and scan, push and export let them through. The panels scan again. Returns the list's findings.
 */
export function registerAllowFinding(deps: CommandDeps): vscode.Disposable {
  return registerCommand('agentlog.allowFinding', async (arg: StoreArg, fingerprints?: string | string[]) => {
    const dir = await pickStore(deps, arg);
    if (!dir) return undefined;
    const given = typeof fingerprints === 'string' ? [fingerprints] : (fingerprints ?? []);
    const fps = given.length
      ? given
      : ((
          await vscode.window.showInputBox({
            title: 'agentlog: Allow a Finding',
            prompt: 'The finding’s fingerprint (16 hex digits, as agentlog scan prints it)',
          })
        )
          ?.split(/[\s,]+/)
          .filter(Boolean) ?? []);
    if (!fps.length) return undefined;
    const list = await allowFindings(dir, fps, Date.now());
    deps.panels.rescanAll(dir);
    vscode.window.showInformationMessage(
      `agentlog: allowed ${fps.length === 1 ? `finding ${fps[0]}` : `${fps.length} findings`}: scan and push let ${fps.length === 1 ? 'it' : 'them'} through`,
    );
    return list;
  });
}
