/**
 * agentlog for VS Code: the Sessions view, session panels, time travel, fork and resume. A thin
 * adapter: reading and writing stores is core/, what the views draw is shared/. activate() only wires
 * the parts together; each command is a file in commands/, and everything registered is disposed
 * with the extension (context.subscriptions).
 */
import * as vscode from 'vscode';
import type { CommandDeps } from './commands/command.js';
import { registerCaptureSessions } from './commands/captureSessions.js';
import { registerCopySessionId } from './commands/copySessionId.js';
import { registerCopyTipCid } from './commands/copyTipCid.js';
import { registerForkTimeline } from './commands/forkTimeline.js';
import { registerImportClaude } from './commands/importClaude.js';
import { registerImportCodex } from './commands/importCodex.js';
import { registerInitStore } from './commands/initStore.js';
import { registerOpenSession } from './commands/openSession.js';
import { registerPull } from './commands/pull.js';
import { registerPush } from './commands/push.js';
import { registerRefresh } from './commands/refresh.js';
import { registerResume } from './commands/resume.js';
import { registerSetApiKey } from './commands/setApiKey.js';
import { registerVerify } from './commands/verify.js';
import { registerAllowFinding } from './commands/allowFinding.js';
import { registerRedact } from './commands/redact.js';
import { registerSearch } from './commands/search.js';
import { CoreWorker } from './workerClient.js';
import { asked, preanswer } from './ask.js';
import { registerEventDocuments } from './documents.js';
import { linkFor, linkHandler } from './links.js';
import { approvePolicy, modelLabel, pickModel } from './models.js';
import { registerPanelSerializer, SessionPanels } from './panel.js';
import { registerSessionsView, SessionsView } from './sessionsView.js';
import { offerScmIgnore, scmOffers } from './scmIgnore.js';
import { storeDirs, WorkspaceStores } from './workspaceStores.js';
import { registerWorkspaceActions } from './workspaceActions.js';

export function activate(context: vscode.ExtensionContext) {
  const out = vscode.window.createOutputChannel('agentlog');
  const view = new SessionsView(storeDirs);
  const worker = new CoreWorker(vscode.Uri.joinPath(context.extensionUri, 'dist', 'coreWorker.js').fsPath);
  const panels = new SessionPanels({
    extensionUri: context.extensionUri,
    linkFor,
    model: () => pickModel(context.secrets),
    modelLabel,
    approvePolicy,
    run: worker.run,
  });
  const stores = new WorkspaceStores(storeDirs, {
    changed: (dir) => {
      view.refresh();
      panels.refreshAll(dir);
    },
    rescanned: () => {
      view.refresh();
      void offerScmIgnore(context.workspaceState, storeDirs());
    },
    settingsChanged: () => panels.refreshAll(),
  });
  view.refresh();
  void offerScmIgnore(context.workspaceState, storeDirs());
  const links = linkHandler(storeDirs, (store, timeline, cid) => panels.show(store, timeline, { cid }));
  const deps: CommandDeps = { context, out, view, panels, stores, run: worker.run };

  context.subscriptions.push(
    out,
    view,
    registerSessionsView(view),
    panels,
    worker,
    registerPanelSerializer(panels),
    registerEventDocuments(),
    stores,
    vscode.window.registerUriHandler(links),
    registerRefresh(deps),
    registerOpenSession(deps),
    registerForkTimeline(deps),
    registerCopyTipCid(deps),
    registerCopySessionId(deps),
    registerInitStore(deps),
    registerVerify(deps),
    registerImportClaude(deps),
    registerImportCodex(deps),
    registerCaptureSessions(deps),
    registerPush(deps),
    registerPull(deps),
    registerSetApiKey(deps),
    registerResume(deps),
    registerWorkspaceActions(deps),
    registerRedact(deps),
    registerAllowFinding(deps),
    registerSearch(deps),
  );

  /** For tests and other extensions: what the views show. */
  return {
    sessions: () => view.nodes(),
    refresh: () => view.refresh(),
    panels: () => panels.all().map((c) => ({ store: c.store.dir, timeline: c.name, state: c.state, rendered: c.rendered, streaming: c.streaming })),
    /** The timeline of the preview panel (a single click in the Sessions view), if one is open. */
    previewPanel: () => panels.previewOf(),
    linkFor,
    /** What VS Code does with a link to this extension (the same handler). */
    openLink: (link: string) => links.handleUri(vscode.Uri.parse(link)),
    /** The modal questions of Redact… and Push (ask.ts): answers for the next ones, and those asked so far. */
    preanswer,
    asked,
    /** Source Control's question about the workspace's stores (scmIgnore.ts): checks made, questions asked. */
    scmOffers,
  };
}

export function deactivate() {}
