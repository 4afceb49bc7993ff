import * as vscode from 'vscode';
import { readStoreFacts } from '../storeReader.js';
import { registerCommand, type CommandDeps, type TimelineArg } from './command.js';
import { pickTimeline } from './pick.js';

/** agentlog.copySessionId: the timeline's session id (the CID of its genesis event), to the clipboard. */
export function registerCopySessionId(deps: CommandDeps): vscode.Disposable {
  return registerCommand('agentlog.copySessionId', async (arg: TimelineArg) => {
    const t = await pickTimeline(deps, arg);
    const facts = t && readStoreFacts(t.store).timelines.find((x) => x.name === t.timeline);
    if (facts) await vscode.env.clipboard.writeText(facts.session);
    return facts?.session;
  });
}
