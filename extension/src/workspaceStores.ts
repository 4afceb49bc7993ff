/**
 * The stores of the workspace, watched: the store above each workspace folder (storeDirs). Each store gets a StoreWatcher; a rescan every few seconds, and one on a change of folders
 * or settings, catches stores that appear or vanish.
 */
import * as vscode from 'vscode';
import { findStores, openStore } from './storeReader.js';
import { StoreWatcher } from './storeWatcher.js';

const RESCAN_MS = 3000;

/** Where the store lies in a workspace folder (agentlog.storePath, relative to the folder or absolute). */
export function storePath(): string {
  return vscode.workspace.getConfiguration('agentlog').get<string>('storePath', '.agentlog') || '.agentlog';
}

/**
 * The stores of the workspace folders, now, by the CLI's rule: the store above each folder, then
 * AGENTLOG_STORE, then agentlog.storePath (storeReader.ts findStores).
 */
export function storeDirs(): string[] {
  return findStores(
    (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
    storePath(),
    process.env.AGENTLOG_STORE || undefined,
  );
}

export interface StoreEvents {
  /** A store's refs or HEAD moved (an append, the CLI, a checkout, a pull). */
  changed(dir: string): void;
  /** The list of stores was looked at again (it may have changed). */
  rescanned(): void;
  /** An agentlog setting changed (after the rescan it causes). */
  settingsChanged(): void;
}

export class WorkspaceStores implements vscode.Disposable {
  private readonly watchers = new Map<string, StoreWatcher>();
  private readonly timer: NodeJS.Timeout;
  private readonly listeners: vscode.Disposable[];

  constructor(
    readonly dirs: () => string[],
    private readonly events: StoreEvents,
  ) {
    this.sync();
    this.timer = setInterval(() => {
      if (this.sync()) events.rescanned();
    }, RESCAN_MS);
    this.listeners = [
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.rescan()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('agentlog')) return;
        this.rescan();
        events.settingsChanged();
      }),
    ];
  }

  /** Watch the stores there are now (say so through `rescanned`): after init, other folders or settings. */
  rescan(): void {
    this.sync();
    this.events.rescanned();
  }

  /** Start watching new stores, stop watching vanished ones; true when a store was added. */
  private sync(): boolean {
    const dirs = new Set(this.dirs());
    for (const [d, w] of this.watchers) {
      if (dirs.has(d)) continue;
      w.dispose();
      this.watchers.delete(d);
    }
    let added = false;
    for (const d of dirs) {
      if (this.watchers.has(d)) continue;
      try {
        this.watchers.set(d, new StoreWatcher(openStore(d), () => this.events.changed(d)));
        added = true;
      } catch {
        /* shown as unreadable by the view */
      }
    }
    return added;
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const w of this.watchers.values()) w.dispose();
    for (const l of this.listeners) l.dispose();
  }
}
