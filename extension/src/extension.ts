/**
 * agentlog for VS Code: the Sessions view, session panels, time travel, fork and resume. A thin
 * adapter: reading and writing stores is core/, what the views draw is shared/.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Store } from '../../core/index.js';
import type { SessionNode } from '../shared/sessions.js';
import { SessionPanels, VIEW_TYPE } from './panel.js';
import { modelLabel, pickChat, SECRET_KEY } from './models.js';
import { SessionsView } from './sessionsView.js';
import { findStores, openStore, readStoreFacts } from './storeReader.js';
import { importSessions, syncStore, verifyStore } from './storeCommands.js';
import { StoreWatcher } from './storeWatcher.js';

const EXTENSION_ID = 'agentlog.agentlog-vscode';

type TimelineArg = SessionNode | { store?: string; dir?: string; timeline?: string; name?: string } | undefined;

export function activate(context: vscode.ExtensionContext) {
  const storeDirs = () => {
    const rel = vscode.workspace.getConfiguration('agentlog').get<string>('storePath', '.agentlog') || '.agentlog';
    return findStores((vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath), rel);
  };
  const view = new SessionsView(storeDirs);
  const linkFor = (store: string, timeline: string, cid: string) =>
    `${vscode.env.uriScheme}://${EXTENSION_ID}/open?${new URLSearchParams({ store, timeline, cid }).toString()}`;
  const panels = new SessionPanels({
    extensionUri: context.extensionUri,
    linkFor,
    chat: () => pickChat(context.secrets),
    modelLabel,
  });

  // Watch every store; rescan for stores that appear or vanish.
  const watchers = new Map<string, StoreWatcher>();
  const syncWatchers = () => {
    const dirs = new Set(storeDirs());
    for (const [d, w] of watchers) {
      if (dirs.has(d)) continue;
      w.dispose();
      watchers.delete(d);
    }
    let added = false;
    for (const d of dirs) {
      if (watchers.has(d)) continue;
      try {
        watchers.set(
          d,
          new StoreWatcher(openStore(d), () => {
            view.refresh();
            panels.refreshAll(d);
          }),
        );
        added = true;
      } catch {
        /* shown as unreadable by the view */
      }
    }
    return added;
  };
  syncWatchers();
  view.refresh();
  const rescan = setInterval(() => {
    if (syncWatchers()) view.refresh();
  }, 3000);

  const out = vscode.window.createOutputChannel('agentlog');
  /** The store a command works on: the tree item's, the only one, or picked. */
  const pickStore = async (arg?: { dir?: string; store?: string }): Promise<string | undefined> => {
    const given = arg?.dir ?? arg?.store;
    if (given) return given;
    const dirs = storeDirs();
    if (dirs.length <= 1) {
      if (!dirs.length) vscode.window.showInformationMessage('agentlog: no store in this workspace (run "agentlog: Init Store").');
      return dirs[0];
    }
    return (await vscode.window.showQuickPick(dirs, { title: 'agentlog: which store?' })) ?? undefined;
  };
  const tree = vscode.window.createTreeView('agentlog.sessions', { treeDataProvider: view, showCollapseAll: true });

  const resolve = async (arg: TimelineArg): Promise<{ store: string; timeline: string } | undefined> => {
    if (arg && 'kind' in arg && arg.kind === 'timeline') return { store: arg.dir, timeline: arg.name };
    if (arg && !('kind' in arg)) {
      const store = arg.store ?? arg.dir;
      const timeline = arg.timeline ?? arg.name;
      if (store && timeline) return { store, timeline };
    }
    const picks = view.facts.flatMap((s) =>
      s.timelines.map((t) => ({ label: t.title || t.name, description: `${t.name} · ${t.tipSeq + 1} events`, detail: s.dir, store: s.dir, timeline: t.name })),
    );
    if (!picks.length) {
      vscode.window.showInformationMessage('agentlog: no sessions in this workspace (run "agentlog: Init Store" to make a store).');
      return undefined;
    }
    const p = await vscode.window.showQuickPick(picks, { title: 'agentlog: Open Session', matchOnDescription: true });
    return p && { store: p.store, timeline: p.timeline };
  };

  const command = (id: string, fn: (...args: never[]) => unknown) =>
    vscode.commands.registerCommand(id, async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (e) {
        vscode.window.showErrorMessage(`agentlog: ${(e as Error).message}`);
        return undefined;
      }
    });

  /** vscode://agentlog.agentlog-vscode/open?store=…&timeline=…&cid=… (what "Copy link" copies). */
  const uriHandler: vscode.UriHandler = {
    handleUri(uri: vscode.Uri) {
      const q = new URLSearchParams(uri.query);
      const store = q.get('store');
      const timeline = q.get('timeline');
      if (uri.path !== '/open' || !store || !timeline) {
        vscode.window.showErrorMessage(`agentlog: cannot open ${uri.toString()}`);
        return;
      }
      // A link can come from anywhere (a web page): open only the stores of this workspace.
      if (!storeDirs().some((d) => path.resolve(d) === path.resolve(store))) {
        vscode.window.showErrorMessage(`agentlog: the link names a store that is not one of this workspace's (${store}); open its folder first`);
        return;
      }
      panels.show(store, timeline, { cid: q.get('cid') ?? undefined });
    },
  };

  context.subscriptions.push(
    out,
    view,
    tree,
    panels,
    { dispose: () => clearInterval(rescan) },
    { dispose: () => watchers.forEach((w) => w.dispose()) },
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, { deserializeWebviewPanel: (panel, state) => panels.revive(panel, state) }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => {
      syncWatchers();
      view.refresh();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('agentlog')) return;
      syncWatchers();
      view.refresh();
      panels.refreshAll();
    }),
    command('agentlog.refresh', () => view.refresh()),
    command('agentlog.openSession', async (arg: TimelineArg, at?: { seq?: number | null; cid?: string }) => {
      const t = await resolve(arg);
      if (t) panels.show(t.store, t.timeline, at);
      return t;
    }),
    command('agentlog.forkTimeline', async (arg: TimelineArg, wanted?: string) => {
      const t = await resolve(arg);
      if (!t) return undefined;
      const store = openStore(t.store);
      const tip = store.tipOf(t.timeline);
      if (!tip) throw new Error(`no timeline named ${t.timeline}`);
      const name =
        wanted ??
        (await vscode.window.showInputBox({ title: 'agentlog: Fork Timeline', prompt: `Fork ${t.timeline} at its newest event; name of the new timeline`, value: `${t.timeline}-fork` }));
      if (!name) return undefined;
      await store.branch(name, tip, t.timeline);
      view.refresh();
      return name;
    }),
    command('agentlog.copyTipCid', async (arg: TimelineArg) => {
      const t = await resolve(arg);
      const facts = t && readStoreFacts(t.store).timelines.find((x) => x.name === t.timeline);
      if (facts) await vscode.env.clipboard.writeText(facts.tipCid);
      return facts?.tipCid;
    }),
    command('agentlog.copySessionId', async (arg: TimelineArg) => {
      const t = await resolve(arg);
      const facts = t && readStoreFacts(t.store).timelines.find((x) => x.name === t.timeline);
      if (facts) await vscode.env.clipboard.writeText(facts.session);
      return facts?.session;
    }),
    command('agentlog.initStore', async (folderArg?: vscode.Uri) => {
      const folders = vscode.workspace.workspaceFolders ?? [];
      const folder =
        folderArg ??
        (folders.length === 1
          ? folders[0].uri
          : (await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder to hold the agentlog store' }))?.uri);
      if (!folder) {
        vscode.window.showInformationMessage('agentlog: open a folder first.');
        return undefined;
      }
      const rel = vscode.workspace.getConfiguration('agentlog').get<string>('storePath', '.agentlog') || '.agentlog';
      const dir = path.resolve(folder.fsPath, rel);
      const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `agentlog: init ${dir}` }, async () => Store.init(dir));
      syncWatchers();
      view.refresh();
      vscode.window.showInformationMessage(`agentlog: ${r.created ? 'created' : 'already a store:'} ${dir}${r.excludedIn ? ` (excluded from the git repository at ${r.excludedIn})` : ''}`);
      return dir;
    }),
    command('agentlog.verify', async (arg?: { dir?: string; store?: string }) => {
      const dir = await pickStore(arg);
      return dir && verifyStore(dir, out, context.extensionPath);
    }),
    ...(
      [
        ['agentlog.importClaude', 'claude'],
        ['agentlog.importCodex', 'codex'],
      ] as const
    ).map(([id, format]) =>
      command(id, async (arg?: { dir?: string; store?: string; files?: string[]; all?: boolean }) => {
        const dir = await pickStore(arg);
        return dir && importSessions(dir, format, arg?.all ? undefined : workspaceOf(dir), out, arg?.files).finally(() => view.refresh());
      }),
    ),
    command('agentlog.push', async (arg?: { dir?: string; store?: string; remote?: string }) => {
      const dir = await pickStore(arg);
      return dir && syncStore(dir, 'push', arg?.remote, out);
    }),
    command('agentlog.pull', async (arg?: { dir?: string; store?: string; remote?: string }) => {
      const dir = await pickStore(arg);
      return dir && syncStore(dir, 'pull', arg?.remote, out).finally(() => view.refresh());
    }),
    command('agentlog.setApiKey', async (given?: string) => {
      const key = typeof given === 'string' ? given : await vscode.window.showInputBox({ title: 'agentlog: API key for agentlog.model.endpoint', password: true, ignoreFocusOut: true });
      if (key === undefined) return;
      if (key) await context.secrets.store(SECRET_KEY, key);
      else await context.secrets.delete(SECRET_KEY);
      vscode.window.showInformationMessage(key ? 'agentlog: API key saved in VS Code’s secret storage.' : 'agentlog: API key removed.');
    }),
    command('agentlog.resume', async (arg: TimelineArg, text?: string, seq?: number | null) => {
      const t = await resolve(arg);
      if (!t) return undefined;
      const message = text ?? (await vscode.window.showInputBox({ title: `agentlog: Resume ${t.timeline}`, prompt: 'Your message to the model' }));
      if (!message) return undefined;
      const c = panels.show(t.store, t.timeline, seq === undefined ? undefined : { seq });
      await c.resume(message);
      return c.name;
    }),
    vscode.window.registerUriHandler(uriHandler),
  );

  /** For tests and other extensions: what the views show. */
  return {
    sessions: () => view.nodes(),
    refresh: () => view.refresh(),
    panels: () => panels.all().map((c) => ({ store: c.store.dir, timeline: c.name, state: c.state, rendered: c.rendered, streaming: c.streaming })),
    linkFor,
    /** What VS Code does with a link to this extension (the same handler). */
    openLink: (link: string) => uriHandler.handleUri(vscode.Uri.parse(link)),
  };
}

/** The workspace folder a store belongs to: imports take only that folder's sessions. */
function workspaceOf(dir: string): string | undefined {
  return vscode.workspace.getWorkspaceFolder(vscode.Uri.file(dir))?.uri.fsPath;
}

export function deactivate() {}
