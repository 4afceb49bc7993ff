import type * as vscode from 'vscode';
import { registerCommand, type CommandDeps, type TimelineArg } from './command.js';
import { pickTimeline } from './pick.js';

/**
 * agentlog.openSession: the timeline's panel, optionally at an event (seq, or null for the newest; or
 * a CID). `how.preview`: a single click in the Sessions view (a preview panel, the focus kept there).
 */
export function registerOpenSession(deps: CommandDeps): vscode.Disposable {
  return registerCommand('agentlog.openSession', async (arg: TimelineArg, at?: { seq?: number | null; cid?: string }, how?: { preview?: boolean }) => {
    const t = await pickTimeline(deps, arg);
    if (t) deps.panels.show(t.store, t.timeline, at ?? (t.seq !== undefined ? { seq: t.seq } : undefined), { preview: how?.preview === true });
    return t;
  });
}
