import * as vscode from 'vscode';
import { registerCommand, type CommandDeps, type TimelineArg } from './command.js';
import { pickTimeline } from './pick.js';

/** agentlog.resume: send a message to the model from the timeline's panel (at `seq`, or its newest event); returns the timeline. */
export function registerResume(deps: CommandDeps): vscode.Disposable {
  return registerCommand('agentlog.resume', async (arg: TimelineArg, text?: string, seq?: number | null) => {
    const t = await pickTimeline(deps, arg);
    if (!t) return undefined;
    const message = text ?? (await vscode.window.showInputBox({ title: `agentlog: Resume ${t.timeline}`, prompt: 'Your message to the model' }));
    if (!message) return undefined;
    const c = deps.panels.show(t.store, t.timeline, seq === undefined ? undefined : { seq });
    await c.resume(message);
    return c.name;
  });
}
