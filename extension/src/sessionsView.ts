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
  /** What the filter box holds ('' = every session). */
  filter = '';
  /** Set by registerSessionsView: the view, for its description (the filter). */
  tree: vscode.TreeView<SessionNode> | undefined;

  constructor(private readonly storeDirs: () => string[]) {}

  refresh(): void {
    this.facts = this.storeDirs().map((d) => readStoreFacts(d, storeLabel(d)));
    this.roots = sessionTree(this.facts, Date.now(), this.filter);
    if (this.tree) this.tree.description = this.filter ? `filter: ${this.filter}` : undefined;
    void vscode.commands.executeCommand('setContext', 'agentlog.filtered', this.filter !== '');
    this.changed.fire();
  }

  setFilter(text: string): void {
    this.filter = text.trim();
    this.refresh();
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
    if (n.kind === 'group') {
      item.iconPath = new vscode.ThemeIcon('calendar');
      item.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
    }
    if (n.kind === 'timeline') {
      item.iconPath = new vscode.ThemeIcon(n.contextValue === 'fork' ? 'git-branch' : agentIcon(n.agent));
      // A single click previews (the focus stays here), a second click keeps the panel.
      item.command = { command: 'agentlog.openSession', title: 'Open Session', arguments: [n, undefined, { preview: true }] };
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

/** The icon of a session by the agent that wrote it. */
export function agentIcon(agent: string): string {
  if (/claude/i.test(agent)) return 'sparkle';
  if (/codex/i.test(agent)) return 'terminal';
  if (/agentlog/i.test(agent)) return 'hubot';
  return 'comment-discussion';
}

function storeLabel(dir: string): string {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(dir));
  return folder ? `${folder.name}/${path.relative(folder.uri.fsPath, dir)}` : dir;
}

/** The Sessions view in the agentlog activity bar, drawn by `view`. */
export function registerSessionsView(view: SessionsView): vscode.Disposable {
  const tree = vscode.window.createTreeView('agentlog.sessions', { treeDataProvider: view, showCollapseAll: true });
  view.tree = tree;
  return vscode.Disposable.from(
    tree,
    vscode.commands.registerCommand('agentlog.filterSessions', async (text?: string) => {
      const value =
        typeof text === 'string'
          ? text
          : await vscode.window.showInputBox({
              title: 'agentlog: Filter Sessions',
              prompt: 'Show the sessions whose title, timeline, agent or model holds this',
              value: view.filter,
            });
      if (value !== undefined) view.setFilter(value);
      return view.filter;
    }),
    vscode.commands.registerCommand('agentlog.clearFilter', () => view.setFilter('')),
  );
}
