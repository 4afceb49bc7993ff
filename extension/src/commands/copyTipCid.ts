import * as vscode from 'vscode';
import { readStoreFacts } from '../storeReader.js';
import { registerCommand, type CommandDeps, type TimelineArg } from './command.js';
import { pickTimeline } from './pick.js';

/** agentlog.copyTipCid: the CID of the timeline's newest event, to the clipboard. */
export function registerCopyTipCid(deps: CommandDeps): vscode.Disposable {
  return registerCommand('agentlog.copyTipCid', async (arg: TimelineArg) => {
    const t = await pickTimeline(deps, arg);
    const facts = t && readStoreFacts(t.store).timelines.find((x) => x.name === t.timeline);
    if (facts) await vscode.env.clipboard.writeText(facts.tipCid);
    return facts?.tipCid;
  });
}
