import type * as vscode from 'vscode';
import { registerCommand, type CommandDeps, type TimelineArg } from './command.js';
import { pickTimeline } from './pick.js';

/** agentlog.openSession: the timeline's panel, optionally at an event (seq, or null for the newest; or a CID). */
export function registerOpenSession(deps: CommandDeps): vscode.Disposable {
  return registerCommand('agentlog.openSession', async (arg: TimelineArg, at?: { seq?: number | null; cid?: string }) => {
    const t = await pickTimeline(deps, arg);
    if (t) deps.panels.show(t.store, t.timeline, at);
    return t;
  });
}
