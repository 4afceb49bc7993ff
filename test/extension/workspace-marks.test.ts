import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpoint, Store } from '../../core/index.js';
import { type HostMessage, isWebviewMessage } from '../../extension/shared/protocol.js';
import { fileMarks } from '../../extension/shared/workspaceMarks.js';
import { PanelController, type PanelHost } from '../../extension/src/panelController.js';
import { clock, tmpdir } from '../helpers/tmp.js';

/** A session whose folder was checkpointed twice (a.txt then a change to it and b.txt), with a message between. */
async function session() {
  const ws = tmpdir('marks-ws-');
  const { store } = Store.init(path.join(tmpdir(), 'store'), { now: clock() });
  await store.create('demo', { kind: 'session', title: 'marks', cwd: ws });
  fs.writeFileSync(path.join(ws, 'a.txt'), 'one\n');
  await checkpoint(store, 'demo', ws, { label: 'first' });
  await store.append('demo', { kind: 'message', role: 'user', content: [{ type: 'text', text: 'change it' }] });
  fs.writeFileSync(path.join(ws, 'a.txt'), 'two\n');
  fs.writeFileSync(path.join(ws, 'b.txt'), 'bee\n');
  await checkpoint(store, 'demo', ws);
  return { store, ws };
}

function host(posts: HostMessage[], actions: unknown[][]): PanelHost {
  return {
    post: (m) => posts.push(m),
    copy: async () => {},
    linkFor: () => '',
    askForkName: async (s) => s,
    openTimeline: () => {},
    model: async () => ({ error: 'none' }),
    modelLabel: () => 'none',
    approvePolicy: () => 'writes',
    workspaceFolder: () => undefined,
    setTitle: () => {},
    info: () => {},
    workspaceAction: async (...args) => void actions.push(args),
  };
}

describe('panel: which events changed files', () => {
  it('marks each checkpoint with the files it changed since the one before', async () => {
    const { store } = await session();
    expect(fileMarks(store, store.tipOf('demo')!)).toEqual([
      { seq: 1, label: 'first', files: ['A a.txt'], more: 0 },
      { seq: 3, label: '', files: ['M a.txt', 'A b.txt'], more: 0 },
    ]);
  });

  it('a partial checkpoint (Claude Code file history) names only the files it holds and its absent ones, not the rest as deleted', async () => {
    const { store } = await session();
    const tree = store.readEvents(store.tipOf('demo')!)[1].event.tree as string; // a.txt only
    await store.append('demo', { kind: 'checkpoint', tree, partial: true, absent: ['b.txt'], label: 'Claude Code file history' });
    expect(fileMarks(store, store.tipOf('demo')!).at(-1)).toEqual({ seq: 4, label: 'Claude Code file history', files: ['M a.txt', 'D b.txt'], more: 0 });
  });

  it('the panel sends the marks with each page and again when a new checkpoint changes them; its buttons reach the host', async () => {
    const { store, ws } = await session();
    const posts: HostMessage[] = [];
    const actions: unknown[][] = [];
    const c = new PanelController(store, 'demo', host(posts, actions));
    await c.onMessage({ type: 'ready' });
    const marks = () => posts.filter((p): p is Extract<HostMessage, { type: 'fileMarks' }> => p.type === 'fileMarks');
    expect(
      marks()
        .at(-1)!
        .marks.map((m) => m.seq),
    ).toEqual([1, 3]);
    // A message: the marks are as they were, nothing sent again.
    await store.append('demo', { kind: 'message', role: 'assistant', content: [{ type: 'text', text: 'ok' }] });
    c.refresh();
    expect(marks()).toHaveLength(1);
    // A new checkpoint: sent again.
    fs.rmSync(path.join(ws, 'b.txt'));
    await checkpoint(store, 'demo', ws);
    c.refresh();
    expect(marks().at(-1)!.marks.at(-1)).toMatchObject({ seq: 5, files: ['D b.txt'] });

    const msg = { type: 'workspace', action: 'restore', seq: 3 };
    expect(isWebviewMessage(msg)).toBe(true);
    expect(isWebviewMessage({ type: 'workspace', action: 'rm -rf', seq: 3 })).toBe(false);
    expect(isWebviewMessage({ type: 'workspace', action: 'diff', seq: '3' })).toBe(false);
    await c.onMessage({ type: 'workspace', action: 'restore', seq: 3 });
    expect(actions).toEqual([[store.dir, 'demo', 'restore', 3]]);
  });
});
