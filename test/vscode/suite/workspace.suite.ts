/**
 * The workspace in a real VS Code (extension/src/workspaceActions.ts), after agentlog.suite.ts, on a
 * session of its own in the same store: two checkpoints of a folder and a fork with one of its own.
 * Files on disk are checked after a restore; the diff editors are checked by their tabs and the text
 * of their read-only side.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until } from './until.js';
import { checkpoint, Store } from '../../../core/index.js';
import type { RenderedState } from '../../../extension/shared/protocol.js';

interface Api {
  panels(): { store: string; timeline: string; rendered?: RenderedState }[];
  refresh(): void;
}

const storeDir = process.env.AGENTLOG_TEST_STORE!;

/** The active tab's diff editor: its two sides. */
function activeDiff(): vscode.TabInputTextDiff | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputTextDiff ? input : undefined;
}

describe('the workspace in a real VS Code', () => {
  let api: Api;
  let ws: string;
  const session = { store: storeDir, timeline: 'ws-demo' };
  const read = (f: string) => fs.readFileSync(path.join(ws, f), 'utf8');

  before(async () => {
    api = (await vscode.extensions.getExtension('agentlog.agentlog-vscode')!.activate()) as Api;
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlog-vscode-ws-'));
    const alt = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlog-vscode-alt-'));
    const store = Store.open(storeDir);
    await store.create('ws-demo', { kind: 'session', title: 'Workspace demo', cwd: ws });
    fs.writeFileSync(path.join(ws, 'a.txt'), 'one\n');
    const first = await checkpoint(store, 'ws-demo', ws, { label: 'first' }); // seq 1
    await store.append('ws-demo', { kind: 'message', role: 'user', content: [{ type: 'text', text: 'Change a.txt and add b.txt.' }] });
    fs.writeFileSync(path.join(ws, 'a.txt'), 'two\n');
    fs.writeFileSync(path.join(ws, 'b.txt'), 'bee\n');
    await checkpoint(store, 'ws-demo', ws); // seq 3
    // A fork from the first checkpoint that went another way, in its own folder.
    await store.branch('ws-demo-alt', first.appended!.commit, 'ws-demo');
    fs.writeFileSync(path.join(alt, 'a.txt'), 'alt\n');
    await checkpoint(store, 'ws-demo-alt', alt);
    api.refresh();
  });

  it('the panel marks the events that changed files', async () => {
    await vscode.commands.executeCommand('agentlog.openSession', session);
    await until('two file marks in the ws-demo panel', () => api.panels().find((p) => p.timeline === 'ws-demo')?.rendered?.fileMarks === 2);
  });

  it('Files here: the files as they were at an event beside the folder’s, in a read-only diff editor', async () => {
    const changed = (await vscode.commands.executeCommand('agentlog.showFilesAt', session, 1, 'a.txt')) as string[];
    assert.deepEqual(changed, ['a.txt', 'b.txt']);
    const diff = await until('a diff editor', activeDiff);
    assert.equal(diff.original.scheme, 'agentlog-snapshot');
    assert.equal(diff.modified.fsPath, path.join(ws, 'a.txt'));
    assert.equal((await vscode.workspace.openTextDocument(diff.original)).getText(), 'one\n');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('Restore workspace here: a change the log never saw needs the second confirmation; then the files are as they were', async () => {
    fs.writeFileSync(path.join(ws, 'a.txt'), 'typed by a person\n');
    const declined = await vscode.commands.executeCommand('agentlog.restoreWorkspaceHere', session, 1, ['Restore']);
    assert.equal(declined, undefined);
    assert.equal(read('a.txt'), 'typed by a person\n', 'nothing touched without the second confirmation');
    assert.equal(read('b.txt'), 'bee\n');
    const done = await vscode.commands.executeCommand('agentlog.restoreWorkspaceHere', session, 1, ['Restore', 'Overwrite']);
    assert.deepEqual(done, { added: 0, modified: 1, deleted: 1 });
    assert.equal(read('a.txt'), 'one\n');
    assert.equal(fs.existsSync(path.join(ws, 'b.txt')), false);
  });

  it('Compare with parent fork: the fork’s files against the timeline it left, in a diff editor', async () => {
    const changed = (await vscode.commands.executeCommand('agentlog.compareWithParentFork', { store: storeDir, timeline: 'ws-demo-alt' }, 'a.txt')) as string[];
    assert.deepEqual(changed, ['a.txt', 'b.txt']);
    const diff = await until('a diff editor', activeDiff);
    assert.equal(diff.original.scheme, 'agentlog-snapshot');
    assert.equal(diff.modified.scheme, 'agentlog-snapshot');
    assert.equal((await vscode.workspace.openTextDocument(diff.original)).getText(), 'two\n');
    assert.equal((await vscode.workspace.openTextDocument(diff.modified)).getText(), 'alt\n');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
