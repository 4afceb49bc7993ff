/** The Sessions view: a TreeDataProvider over shared/sessions.ts. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { sessionTree, type SessionNode, type StoreFacts } from '../shared/sessions.js';
import { readStoreFacts } from './storeReader.js';

export class SessionsView implements vscode.TreeDataProvider<SessionNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: SessionNode[] = [];
  facts: StoreFacts[] = [];

  constructor(private readonly storeDirs: () => string[]) {}

  refresh(): void {
    this.facts = this.storeDirs().map((d) => readStoreFacts(d, storeLabel(d)));
    this.roots = sessionTree(this.facts, Date.now());
    this.changed.fire();
  }

  nodes(): SessionNode[] {
    return this.roots;
  }

  getTreeItem(n: SessionNode): vscode.TreeItem {
    const item = new vscode.TreeItem(
      n.label,
      n.children.length
        ? n.kind === 'store'
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.None,
    );
    item.id = n.id;
    item.description = n.description;
    item.tooltip = n.tooltip;
    item.contextValue = n.contextValue;
    if (n.kind === 'store') item.iconPath = new vscode.ThemeIcon('database');
    if (n.kind === 'timeline') {
      item.iconPath = new vscode.ThemeIcon(n.contextValue === 'fork' ? 'git-branch' : 'comment-discussion');
      item.command = { command: 'agentlog.openSession', title: 'Open Session', arguments: [n] };
    }
    if (n.kind === 'message') item.iconPath = new vscode.ThemeIcon('warning');
    return item;
  }

  getChildren(n?: SessionNode): SessionNode[] {
    return n ? n.children : this.roots;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function storeLabel(dir: string): string {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(dir));
  return folder ? `${folder.name}/${path.relative(folder.uri.fsPath, dir)}` : dir;
}

/** The Sessions view in the agentlog activity bar, drawn by `view`. */
export function registerSessionsView(view: SessionsView): vscode.Disposable {
  return vscode.window.createTreeView('agentlog.sessions', { treeDataProvider: view, showCollapseAll: true });
}
