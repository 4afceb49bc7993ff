import * as vscode from 'vscode';
import { openStore } from '../storeReader.js';
import { registerCommand, type CommandDeps, type TimelineArg } from './command.js';
import { pickTimeline } from './pick.js';

/** agentlog.forkTimeline: a new timeline at the newest event of one (named by the caller, or asked for). */
export function registerForkTimeline(deps: CommandDeps): vscode.Disposable {
  return registerCommand('agentlog.forkTimeline', async (arg: TimelineArg, wanted?: string) => {
    const t = await pickTimeline(deps, arg);
    if (!t) return undefined;
    const store = openStore(t.store);
    const tip = store.tipOf(t.timeline);
    if (!tip) throw new Error(`no timeline named ${t.timeline}`);
    const name =
      wanted ??
      (await vscode.window.showInputBox({
        title: 'agentlog: Fork Timeline',
        prompt: `Fork ${t.timeline} at its newest event; name of the new timeline`,
        value: `${t.timeline}-fork`,
      }));
    if (!name) return undefined;
    await store.branch(name, tip, t.timeline);
    deps.view.refresh();
    return name;
  });
}
