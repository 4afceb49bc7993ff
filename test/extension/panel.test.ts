import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../core/index.js';
import type { HostMessage } from '../../extension/shared/protocol.js';
import { streamChat } from '../../extension/src/chat.js';
import { PAGE, PanelController, type PanelHost } from '../../extension/src/panelController.js';
import { StoreWatcher } from '../../extension/src/storeWatcher.js';
import { demoStore, eventFor, scriptedModel } from '../helpers/extension-fixtures.js';
import { git } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';

/** A panel host that records what the page would get; the model is a real HTTP endpoint. */
function recorder(opts: { endpoint?: string; forkName?: string } = {}) {
  const posts: HostMessage[] = [];
  const opened: [string, string][] = [];
  const copied: string[] = [];
  const host: PanelHost = {
    post: (m) => posts.push(m),
    copy: async (t) => void copied.push(t),
    linkFor: (s, t, c) => `vscode://agentlog.agentlog-vscode/open?${new URLSearchParams({ store: s, timeline: t, cid: c })}`,
    askForkName: async (s) => opts.forkName ?? s,
    openTimeline: (s, t) => void opened.push([s, t]),
    chat: async () =>
      opts.endpoint
        ? { model: 'scripted-1', chat: (req) => streamChat({ ...req, api: 'openai', endpoint: opts.endpoint! }) }
        : { error: 'no model configured' },
    modelLabel: () => 'scripted-1',
    setTitle: () => {},
    info: () => {},
  };
  const last = <T extends HostMessage['type']>(type: T) => posts.filter((p) => p.type === type).at(-1) as Extract<HostMessage, { type: T }>;
  return { host, posts, opened, copied, last };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** A panel on the store's "demo" timeline with a recording host, after the page said it is ready. */
async function openPanel(store: Store, hostOptions: Parameters<typeof recorder>[0] = {}) {
  const r = recorder(hostOptions);
  const c = new PanelController(store, 'demo', r.host);
  await c.onMessage({ type: 'ready' });
  return { r, c };
}

/** A scripted model (test/helpers/extension-fixtures.ts), closed after the test. */
async function model(script: Parameters<typeof scriptedModel>[0]) {
  const m = await scriptedModel(script);
  closers.push(m.close);
  return m;
}

describe('session panel', () => {
  it('opens at the newest events without reading the whole session, older pages on demand', async () => {
    const { store } = await demoStore(PAGE + 30);
    const { r, c } = await openPanel(Store.open(store.dir));
    const reset = r.last('reset');
    expect(reset.items.map((i) => i.seq)).toEqual(Array.from({ length: PAGE }, (_, i) => 31 + i));
    expect(reset).toMatchObject({ hasOlder: true, header: { title: 'Fix the parser', tipSeq: PAGE + 30, viewSeq: PAGE + 30, past: false } });
    await c.onMessage({ type: 'loadOlder', beforeSeq: 31 });
    const older = r.last('older');
    expect(older.items.map((i) => i.seq)).toEqual(Array.from({ length: 31 }, (_, i) => i));
    expect(older.hasOlder).toBe(false);
  });

  it('shows an event appended by another writer (live)', async () => {
    const { store } = await demoStore(2);
    const mine = Store.open(store.dir);
    const { r, c } = await openPanel(mine);
    const changed = new Promise<void>((resolve) => {
      const w = new StoreWatcher(
        mine,
        () => {
          c.refresh();
          w.dispose();
          resolve();
        },
        { pollMs: 200 },
      );
    });
    const t0 = Date.now();
    await Store.open(store.dir).append('demo', eventFor(3));
    await changed;
    expect(Date.now() - t0).toBeLessThan(1000);
    const append = r.last('append');
    expect(append.items.map((i) => i.seq)).toEqual([3]);
    expect(append.header.tipSeq).toBe(3);
  });

  it('travels in time, marks the past, and keeps the past still while the tip moves', async () => {
    const { store } = await demoStore(5);
    const { r, c } = await openPanel(store);
    await c.onMessage({ type: 'travel', seq: 2 });
    const reset = r.last('reset');
    expect(reset.items.map((i) => i.seq)).toEqual([0, 1, 2]);
    expect(reset.header).toMatchObject({ viewSeq: 2, tipSeq: 5, past: true });
    await store.append('demo', eventFor(6));
    c.refresh();
    expect(r.posts.at(-1)).toMatchObject({ type: 'header', header: { viewSeq: 2, tipSeq: 6, past: true } });
    await c.onMessage({ type: 'travel', seq: null });
    expect(r.last('reset').header).toMatchObject({ viewSeq: 6, past: false });
  });

  it('follows `git checkout <commit>` in the store', async () => {
    const { dir, store } = await demoStore(4);
    const { r, c } = await openPanel(store);
    const at2 = [...store.history(store.tipOf('demo')!)].find((h) => h.seq === 2)!.oid;
    git(dir, ['checkout', '-q', at2]);
    c.refresh();
    expect(r.last('reset').header).toMatchObject({ viewSeq: 2, past: true, followsHead: true });
    git(dir, ['checkout', '-q', 'demo']);
    c.refresh();
    expect(r.last('reset').header).toMatchObject({ viewSeq: 4, past: false, followsHead: true });
  });

  it('forks at an event: a new timeline ending there, the original untouched', async () => {
    const { store } = await demoStore(4);
    const tipBefore = store.tipOf('demo');
    const { r, c } = await openPanel(store, { forkName: 'alt' });
    await c.onMessage({ type: 'fork', seq: 2 });
    expect(store.tipOf('demo')).toBe(tipBefore);
    expect(store.commitInfo(store.tipOf('alt')!).seq).toBe(2);
    expect(store.forkRecords().alt).toBe('demo');
    expect(r.opened).toEqual([[store.dir, 'alt']]);
  });

  it('copies an event’s CID and a link to it', async () => {
    const { store } = await demoStore(2);
    const { r, c } = await openPanel(store);
    await c.onMessage({ type: 'copyCid', seq: 1 });
    await c.onMessage({ type: 'copyLink', seq: 1 });
    const cid = store.readEvents(store.tipOf('demo')!)[1].cid.toString();
    expect(r.copied[0]).toBe(cid);
    expect(new URL(r.copied[1]).searchParams.get('cid')).toBe(cid);
    expect(c.reveal(cid)).toBe(true);
    expect(r.last('reset')).toMatchObject({ reveal: 1, header: { viewSeq: 1 } });
  });

  it('resumes: streams the answer, then appends the user message and the answer', async () => {
    const { store } = await demoStore(3);
    const m = await model((body) => ({ chunks: ['You asked: ', body.messages.at(-1)!.content.split('\n\n').at(-1)!] }));
    const { r, c } = await openPanel(store, { endpoint: m.url });
    await c.onMessage({ type: 'send', text: 'What next?' });
    expect(r.posts.filter((p) => p.type.startsWith('stream')).map((p) => p.type)).toEqual(['streamStart', 'streamDelta', 'streamDelta', 'streamEnd']);
    expect(r.last('streamEnd').outcome).toBe('appended');
    const events = store.readEvents(store.tipOf('demo')!).map((e) => e.event);
    expect(events.slice(-2).map((e) => [e.role, e.content])).toEqual([
      ['user', [{ type: 'text', text: 'What next?' }]],
      ['assistant', [{ type: 'text', text: 'You asked: What next?' }]],
    ]);
    expect(events.at(-1)!.model).toBe('scripted-1');
    // The model saw the conversation so far; the new message joins the preceding user turn.
    expect(m.requests[0].messages.map((x) => x.role)).toEqual(['user', 'assistant', 'user']);
    expect(m.requests[0].messages[2].content).toBe('[tool result: contents of p2]\n\nWhat next?');
    expect(r.last('append').items.map((i) => i.seq)).toEqual([4, 5]);
  });

  it("the extension host's Store merges the small packs its appends leave (a long-lived writer's automatic gc)", async () => {
    const { store } = await demoStore(3);
    const packs = () => fs.readdirSync(path.join(store.dir, '.git', 'objects', 'pack')).filter((n) => n.endsWith('.pack')).length;
    const m = await model(() => ({ chunks: ['ok'] }));
    const { r, c } = await openPanel(store, { endpoint: m.url });
    // Forty appends through the store API and a send: a small pack each, more than the automatic gc's 32.
    const counts: number[] = [];
    for (let i = 0; i < 40; i++) {
      await store.append('demo', { kind: 'note', text: `n${i}` });
      counts.push(packs());
    }
    await c.onMessage({ type: 'send', text: 'tidy?' });
    expect(r.last('streamEnd').outcome).toBe('appended');
    expect(Math.max(...counts, packs())).toBeLessThanOrEqual(40);
    expect(store.gcDue()).toBe(false);
    expect(git(store.dir, ['fsck', '--strict']).trim()).toBe('');
    expect(store.readEvents(store.tipOf('demo')!).at(-1)!.event.content).toEqual([{ type: 'text', text: 'ok' }]);
  });

  it('resuming from the past forks first and leaves the original alone', async () => {
    const { store } = await demoStore(4);
    const tipBefore = store.tipOf('demo');
    const m = await model(() => ({ chunks: ['ok'] }));
    const { c } = await openPanel(store, { endpoint: m.url });
    await c.onMessage({ type: 'travel', seq: 1 });
    await c.onMessage({ type: 'send', text: 'again' });
    expect(store.tipOf('demo')).toBe(tipBefore);
    expect(c.name).toBe('demo-fork-1');
    const fork = store.readEvents(store.tipOf('demo-fork-1')!).map((e) => e.event);
    expect(fork.map((e) => e.seq)).toEqual([0, 1, 2, 3]);
    expect(fork[2].content).toEqual([{ type: 'text', text: 'again' }]);
    expect(m.requests[0].messages).toEqual([{ role: 'user', content: 'Question 1: why does **parse** fail?\n\nagain' }]);
  });

  it('rejects a model error: shown, nothing appended', async () => {
    const { store } = await demoStore(2);
    const tip = store.tipOf('demo');
    const m = await model(() => ({ chunks: [], status: 500 }));
    const { r, c } = await openPanel(store, { endpoint: m.url });
    await c.onMessage({ type: 'send', text: 'hi' });
    expect(r.last('streamEnd')).toMatchObject({ outcome: 'failed', error: expect.stringContaining('scripted failure') });
    expect(store.tipOf('demo')).toBe(tip);
  });

  it('when another writer moves the timeline during the answer, the answer goes to a fork at what the model saw', async () => {
    const { store } = await demoStore(3);
    const tipBefore = store.tipOf('demo')!;
    const m = await model(() => ({ chunks: Array.from({ length: 10 }, () => 'word '), delayMs: 20 }));
    const { r, c } = await openPanel(store, { endpoint: m.url });
    const sending = c.onMessage({ type: 'send', text: 'Go on.' });
    await until(() => r.posts.some((p) => p.type === 'streamDelta'), 10_000, 5);
    const other = await Store.open(store.dir).append('demo', { kind: 'note', text: 'written meanwhile' });
    await sending;
    expect(r.last('streamEnd').outcome).toBe('appended');
    // The original keeps the other writer's event as its tip; nothing of ours landed after it.
    expect(store.tipOf('demo')).toBe(other.commit);
    // The fork starts at the commit the model's context ended at, then our two events.
    expect(c.name).toBe('demo-fork-3');
    const fork = store.readEvents(store.tipOf('demo-fork-3')!);
    const original = store.readEvents(tipBefore);
    expect(fork.slice(0, original.length).map((e) => e.cid.toString())).toEqual(original.map((e) => e.cid.toString()));
    expect(fork.slice(original.length).map((e) => e.event.role)).toEqual(['user', 'assistant']);
    expect(store.forkRecords()['demo-fork-3']).toBe('demo');
  });

  it('stops a streaming answer: nothing appended', async () => {
    const { store } = await demoStore(2);
    const tip = store.tipOf('demo');
    const m = await model(() => ({ chunks: Array.from({ length: 40 }, () => 'word '), delayMs: 25 }));
    const { r, c } = await openPanel(store, { endpoint: m.url });
    const sending = c.onMessage({ type: 'send', text: 'long answer please' });
    await until(() => r.posts.some((p) => p.type === 'streamDelta'), 10_000, 5);
    await c.onMessage({ type: 'stop' });
    await sending;
    expect(r.last('streamEnd').outcome).toBe('stopped');
    expect(store.tipOf('demo')).toBe(tip);
  });

  it('a resume started as the panel opens waits for the page, so nothing it posts is lost', async () => {
    const { store } = await demoStore(1);
    const m = await model(() => ({ chunks: ['late'] }));
    const r = recorder({ endpoint: m.url });
    const c = new PanelController(store, 'demo', r.host);
    const sending = c.resume('hello');
    await new Promise((res) => setTimeout(res, 50));
    expect(r.posts).toEqual([]);
    await c.onMessage({ type: 'ready' });
    await sending;
    expect(r.posts.map((p) => p.type)).toEqual(['reset', 'streamStart', 'streamDelta', 'streamEnd', 'append']);
  });

  it('says why when no model is configured', async () => {
    const { store } = await demoStore(1);
    const { r, c } = await openPanel(store);
    await c.onMessage({ type: 'send', text: 'hi' });
    expect(r.last('streamEnd')).toEqual({ type: 'streamEnd', outcome: 'failed', error: 'no model configured' });
  });
});
