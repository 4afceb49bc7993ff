/** What every command file builds on: the services they share, their argument shapes, and registration. */
import * as vscode from 'vscode';
import type { SessionNode } from '../../shared/sessions.js';
import type { SessionPanels } from '../panel.js';
import type { SessionsView } from '../sessionsView.js';
import type { WorkspaceStores } from '../workspaceStores.js';
import type { JobRunner } from '../workerClient.js';

/** The extension's parts a command may use (made once in activate()). */
export interface CommandDeps {
  context: vscode.ExtensionContext;
  /** The "agentlog" output channel: what verify, import, push and pull did. */
  out: vscode.OutputChannel;
  view: SessionsView;
  panels: SessionPanels;
  stores: WorkspaceStores;
  /** Long work (scan, stats, search, push, redact) off the host's thread: the worker's jobs (coreJobs.ts). */
  run: JobRunner;
}

/** A timeline, as a command gets it: a tree item, `{store, timeline}` from a test or a link, or nothing (pick one). */
export type TimelineArg = SessionNode | { store?: string; dir?: string; timeline?: string; name?: string } | string | undefined;

/** A store, as a command gets it: a tree item (`dir`), `{store}`, or nothing (the only one, or pick one). */
export type StoreArg = { dir?: string; store?: string } | undefined;

/** Register a command whose failure is shown as an error message (and resolves to undefined). */
export function registerCommand(id: string, fn: (...args: never[]) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: never[]) => {
    try {
      return await fn(...args);
    } catch (e) {
      vscode.window.showErrorMessage(`agentlog: ${(e as Error).message}`);
      return undefined;
    }
  });
}
