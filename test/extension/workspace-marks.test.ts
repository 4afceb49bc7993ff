import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpoint, readTurns, Store } from '../../core/index.js';
import { type HeaderVM, type HostMessage, isWebviewMessage, type RenderedState } from '../../extension/shared/protocol.js';
import { turnsVM } from '../../extension/shared/turnView.js';
import { fileMarks } from '../../extension/shared/workspaceMarks.js';
import { PanelController, type PanelHost } from '../../extension/src/panelController.js';
import { panelPage } from '../helpers/extension-page.js';
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
    warn: () => {},
    openDocument: async () => {},
    openDiff: async () => {},
    openFile: async () => {},
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

describe('panel page: file marks on the turn cards, the workspace buttons beside the slider (headless chromium)', () => {
  let pp: Awaited<ReturnType<typeof panelPage>>;
  beforeAll(async () => {
    pp = await panelPage();
  }, 60_000);
  afterAll(() => pp?.close());

  it('marks the turn card holding each checkpoint with its files, keeps the marks over a new page, and each button sends its action at the viewed event', async () => {
    const { store } = await session();
    const events = store.readEvents(store.tipOf('demo')!).map((e) => e.event);
    const turns = turnsVM(readTurns(events), (seq) => events[seq]);
    const marks = fileMarks(store, store.tipOf('demo')!);
    const header: HeaderVM = { store: store.dir, timeline: 'demo', title: 'marks', tipSeq: 3, viewSeq: 3, past: false, followsHead: false, model: 'none' };
    const cardOf = (seq: number) => turns.find((t) => t.first <= seq && seq <= t.last)!;
    const page = await pp.open();
    await pp.post(page, { type: 'reset', header, turns, firstSeq: turns[0].first, lastSeq: 3, hasOlder: false });
    await pp.post(page, { type: 'fileMarks', marks });
    const rendered = async () => ((await pp.sent(page)).filter((m) => m.type === 'rendered').at(-1) as { state: RenderedState }).state;
    expect((await rendered()).fileMarks).toBe(2);
    const second = page.locator(`article.turn[data-first="${cardOf(3).first}"] details.files-mark[data-mark-seq="3"]`);
    expect(await second.locator('summary').textContent()).toBe('✎ #3: 2 file(s) changed');
    expect(await second.locator('li').allTextContents()).toEqual(['M a.txt', 'A b.txt']);
    expect(await page.locator(`article.turn[data-first="${cardOf(1).first}"] details.files-mark[data-mark-seq="1"] summary`).textContent()).toBe(
      '✎ #1: 1 file(s) changed · first',
    );
    // A new page (travel to event 1): the cards are drawn again, the marks on those shown.
    await pp.post(page, {
      type: 'reset',
      header: { ...header, viewSeq: 1, past: true },
      turns: [cardOf(1)],
      firstSeq: cardOf(1).first,
      lastSeq: 1,
      hasOlder: false,
    });
    expect(cardOf(1)).not.toBe(cardOf(3));
    expect((await rendered()).fileMarks).toBe(1);
    expect(await page.locator('details.files-mark').count()).toBe(1);
    for (const [cls, action] of [
      ['ws-diff', 'diff'],
      ['ws-restore', 'restore'],
      ['ws-compare', 'compare'],
    ] as const) {
      await page.locator(`.travel button.${cls}`).click();
      expect((await pp.sent(page)).at(-1)).toEqual({ type: 'workspace', action, seq: 1 });
    }
    await page.close();
  });
});
