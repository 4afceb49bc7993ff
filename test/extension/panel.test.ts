import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Approve, Store } from '../../core/index.js';
import { type DocRef, documentText } from '../../extension/shared/documents.js';
import type { HostMessage } from '../../extension/shared/protocol.js';
import { PAGE, PanelController, type PanelHost } from '../../extension/src/panelController.js';
import { StoreWatcher } from '../../extension/src/storeWatcher.js';
import { demoStore, eventFor } from '../helpers/extension-fixtures.js';
import { modelServers } from '../helpers/run-agent.js';
import { clock, git, tmpdir } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';

/** A panel host that records what the page would get; the model is a real HTTP endpoint (the scripted model server). */
function recorder(opts: { endpoint?: string; forkName?: string; folder?: string; approve?: Approve } = {}) {
  const posts: HostMessage[] = [];
  const opened: [string, string][] = [];
  const copied: string[] = [];
  const warned: string[] = [];
  const docs: { ref: DocRef; text: string | undefined }[] = [];
  const diffs: { before: DocRef; after: DocRef; title: string }[] = [];
  const files: string[] = [];
  const host: PanelHost = {
    post: (m) => posts.push(m),
    copy: async (t) => void copied.push(t),
    linkFor: (s, t, c) => `vscode://agentlog.agentlog-vscode/open?${new URLSearchParams({ store: s, timeline: t, cid: c })}`,
    askForkName: async (s) => opts.forkName ?? s,
    openTimeline: (s, t) => void opened.push([s, t]),
    model: async () =>
      opts.endpoint ? { api: 'openai', model: 'scripted-1', endpoint: opts.endpoint, env: { AGENTLOG_API_KEY: 'sk-panel' } } : { error: 'no model configured' },
    modelLabel: () => 'scripted-1',
    approvePolicy: () => opts.approve ?? 'writes',
    workspaceFolder: () => opts.folder,
    retryDelayMs: () => 1,
    setTitle: () => {},
    info: () => {},
    warn: (m) => void warned.push(m),
    openDocument: async (ref) =>
      void docs.push({ ref, text: documentText(Store.open(ref.store).readEvents(Store.open(ref.store).tipOf(ref.timeline)!)[ref.seq].event, ref) }),
    openDiff: async (before, after, title) => void diffs.push({ before, after, title }),
    openFile: async (file) => void files.push(file),
  };
  const last = <T extends HostMessage['type']>(type: T) => posts.filter((p) => p.type === type).at(-1) as Extract<HostMessage, { type: T }>;
  return { host, posts, opened, copied, last, warned, docs, diffs, files };
}

const servers = modelServers();

/** A panel on the store's "demo" timeline with a recording host, after the page said it is ready. */
async function openPanel(store: Store, hostOptions: Parameters<typeof recorder>[0] = {}) {
  const r = recorder(hostOptions);
  const c = new PanelController(store, 'demo', r.host);
  await c.onMessage({ type: 'ready' });
  return { r, c };
}

/** The last user message of a chat-completions request, as text. */
const lastUserText = (body: { messages: { role: string; content: unknown }[] }) => {
  const m = body.messages.filter((x) => x.role === 'user').at(-1)!;
  return typeof m.content === 'string' ? m.content : (m.content as { text?: string }[]).map((b) => b.text ?? '').join('');
};

describe('session panel', () => {
  it('opens at the newest events without reading the whole session, older pages on demand', async () => {
    const { store } = await demoStore(PAGE + 30);
    const { r, c } = await openPanel(Store.open(store.dir));
    const reset = r.last('reset');
    // Whole turns (a prompt every third event): events 31..130, not the whole session.
    expect(reset.turns.map((t) => t.first)).toEqual(Array.from({ length: 34 }, (_, i) => 31 + 3 * i));
    expect([reset.firstSeq, reset.lastSeq]).toEqual([31, PAGE + 30]);
    expect(reset).toMatchObject({ hasOlder: true, header: { title: 'Fix the parser', tipSeq: PAGE + 30, viewSeq: PAGE + 30, past: false } });
    await c.onMessage({ type: 'loadOlder', beforeSeq: 31 });
    const older = r.last('older');
    expect(older.turns.map((t) => t.first)).toEqual(Array.from({ length: 10 }, (_, i) => 1 + 3 * i));
    expect(older.firstSeq).toBe(0);
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
    // The last turn comes again, grown: its call now has its result.
    expect([append.from, append.lastSeq, append.turns.length]).toEqual([1, 3, 1]);
    expect(append.turns[0].steps.find((st) => st.t === 'tool')).toMatchObject({ name: 'read_file', result: { seq: 3, output: { text: 'contents of p2' } } });
    expect(append.header.tipSeq).toBe(3);
  });

  it('travels in time, marks the past, and keeps the past still while the tip moves', async () => {
    const { store } = await demoStore(5);
    const { r, c } = await openPanel(store);
    await c.onMessage({ type: 'travel', seq: 2 });
    const reset = r.last('reset');
    expect([reset.firstSeq, reset.lastSeq, reset.turns.map((t) => [t.first, t.last])]).toEqual([0, 2, [[1, 2]]]);
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

  it('resumes as the agent: a write asks in the panel, Allow runs it, every step is appended and shown', async () => {
    const { store, workspace } = await demoStore(3);
    const m = await servers([[{ text: 'Writing it.' }, { tool: 'write_file', input: { path: 'notes/plan.md', content: 'step 1\n' } }], [{ text: 'Done.' }]]);
    const { r, c } = await openPanel(store, { endpoint: m.url, folder: workspace });
    const sending = c.onMessage({ type: 'send', text: 'Write the plan.' });
    await until(() => r.posts.some((p) => p.type === 'approve'), 30_000, 5);
    const ask = r.last('approve');
    expect(ask).toEqual({ type: 'approve', id: 1, name: 'write_file', detail: 'write notes/plan.md:\nstep 1\n' });
    expect(fs.existsSync(path.join(workspace, 'notes/plan.md'))).toBe(false);
    await c.onMessage({ type: 'approval', id: ask.id, allow: true });
    await sending;
    expect(r.last('streamEnd')).toEqual({ type: 'streamEnd', outcome: 'done' });
    expect(fs.readFileSync(path.join(workspace, 'notes/plan.md'), 'utf8')).toBe('step 1\n');
    // The session's cwd (/src/app) is not on this machine: the VS Code folder, said in the panel.
    expect(r.posts.find((p) => p.type === 'streamStart')).toEqual({
      type: 'streamStart',
      model: 'scripted-1',
      workspace: `working in ${workspace} (the VS Code workspace folder: the session's folder /src/app is not on this machine)`,
    });
    const events = store.readEvents(store.tipOf('demo')!).map((e) => e.event);
    expect(events.slice(4).map((e) => [e.kind, e.role ?? null])).toEqual([
      ['model', null],
      ['message', 'user'],
      ['message', 'assistant'],
      ['message', 'user'],
      ['checkpoint', null],
      ['message', 'assistant'],
    ]);
    expect(events[5].content).toEqual([{ type: 'text', text: 'Write the plan.' }]);
    // The step wrote a file: a checkpoint of the folder follows its result (core/workspace/).
    expect(events[8]).toMatchObject({ kind: 'checkpoint', files: 1 });
    expect(git(store.dir, ['show', `demo:workspace/notes/plan.md`])).toBe('step 1\n');
    const call = (events[6].content as { type: string; id?: string }[]).find((b) => b.type === 'tool_use')!;
    expect(events[7].content).toEqual([{ type: 'tool_result', tool_use_id: call.id, content: expect.stringContaining('notes/plan.md'), is_error: false }]);
    expect(events[9].content).toEqual([{ type: 'text', text: 'Done.' }]);
    // The model got the session so far with its tools, and the key.
    expect(m.mainRequests()[0].body.tools.map((t: { function: { name: string } }) => t.function.name)).toContain('write_file');
    expect(lastUserText(m.mainRequests()[0].body)).toContain('Write the plan.');
    // Each step streamed, then showed as events: the text, the tool's name, a step per append, an approval card answered.
    const kinds = r.posts.map((p) => p.type).filter((t) => t !== 'append' && t !== 'header' && t !== 'reset' && t !== 'fileMarks');
    expect(kinds).toEqual([
      'streamStart',
      'streamStep',
      'streamStep',
      ...kinds.slice(3, kinds.indexOf('approve')),
      'approve',
      'approvalEnd',
      'streamStep',
      ...kinds.slice(kinds.indexOf('approvalEnd') + 2, -2),
      'streamStep',
      'streamEnd',
    ]);
    expect(kinds.slice(3, kinds.indexOf('approve'))).toEqual(expect.arrayContaining(['streamDelta', 'streamTool', 'streamStep']));
    expect(r.posts.filter((p) => p.type === 'append').map((p) => (p as Extract<HostMessage, { type: 'append' }>).lastSeq)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(git(store.dir, ['log', '--format=%s', '-6', 'demo']).trim().split('\n').length).toBe(6);
    expect(git(store.dir, ['fsck', '--strict']).trim()).toBe('');
  });

  it('Deny is the tool’s result: refused, nothing written, the model reads it', async () => {
    const { store, workspace } = await demoStore(3);
    const m = await servers([[{ tool: 'shell', input: { command: 'touch denied.txt' } }], [{ text: 'Understood.' }]]);
    const { r, c } = await openPanel(store, { endpoint: m.url, folder: workspace });
    const sending = c.onMessage({ type: 'send', text: 'Touch it.' });
    await until(() => r.posts.some((p) => p.type === 'approve'), 30_000, 5);
    expect(r.last('approve').detail).toBe('$ touch denied.txt');
    await c.onMessage({ type: 'approval', id: r.last('approve').id, allow: false });
    await sending;
    expect(r.last('streamEnd').outcome).toBe('done');
    expect(fs.existsSync(path.join(workspace, 'denied.txt'))).toBe(false);
    const result = store.readEvents(store.tipOf('demo')!).at(-2)!.event.content as { content: string; is_error: boolean }[];
    expect(result[0]).toMatchObject({ content: 'refused: the user did not approve this shell call', is_error: true });
    expect(JSON.stringify(m.mainRequests()[1].body.messages)).toContain('refused: the user did not approve this shell call');
  });

  it('with approve never, runs writes without asking; the session’s cwd is the workspace when it exists', async () => {
    const dir = tmpdir('agentlog-cwd-');
    const { store } = Store.init(path.join(dir, '.agentlog'), { now: clock() });
    await store.create('demo', { kind: 'session', title: 'here', cwd: dir });
    const m = await servers([[{ tool: 'write_file', input: { path: 'a.txt', content: 'A' } }], [{ text: 'ok' }]]);
    const { r, c } = await openPanel(store, { endpoint: m.url, folder: '/elsewhere', approve: 'never' });
    await c.onMessage({ type: 'send', text: 'go' });
    expect(r.posts.some((p) => p.type === 'approve')).toBe(false);
    expect(r.last('streamStart').workspace).toBe(`working in ${dir} (the session's folder)`);
    expect(fs.readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('A');
  });

  it("the extension host's Store merges the small packs its appends leave (a long-lived writer's automatic gc)", async () => {
    const { store, workspace } = await demoStore(3);
    const packs = () => fs.readdirSync(path.join(store.dir, '.git', 'objects', 'pack')).filter((n) => n.endsWith('.pack')).length;
    const m = await servers([[{ text: 'ok' }]]);
    const { r, c } = await openPanel(store, { endpoint: m.url, folder: workspace });
    // Forty appends through the store API and a run: a small pack each, more than the automatic gc's 32.
    const counts: number[] = [];
    for (let i = 0; i < 40; i++) {
      await store.append('demo', { kind: 'note', text: `n${i}` });
      counts.push(packs());
    }
    await c.onMessage({ type: 'send', text: 'tidy?' });
    expect(r.last('streamEnd').outcome).toBe('done');
    expect(Math.max(...counts, packs())).toBeLessThanOrEqual(40);
    expect(store.gcDue()).toBe(false);
    expect(git(store.dir, ['fsck', '--strict']).trim()).toBe('');
    expect(store.readEvents(store.tipOf('demo')!).at(-1)!.event.content).toEqual([{ type: 'text', text: 'ok' }]);
  });

  it('resuming from the past forks first and leaves the original alone', async () => {
    const { store, workspace } = await demoStore(4);
    const tipBefore = store.tipOf('demo');
    const m = await servers([[{ text: 'ok' }]]);
    const { c } = await openPanel(store, { endpoint: m.url, folder: workspace });
    await c.onMessage({ type: 'travel', seq: 1 });
    await c.onMessage({ type: 'send', text: 'again' });
    expect(store.tipOf('demo')).toBe(tipBefore);
    expect(c.name).toBe('demo-fork-1');
    const fork = store.readEvents(store.tipOf('demo-fork-1')!).map((e) => e.event);
    expect(fork.map((e) => e.kind)).toEqual(['session', 'message', 'model', 'message', 'message']);
    expect(fork[3].content).toEqual([{ type: 'text', text: 'again' }]);
    expect(store.forkRecords()['demo-fork-1']).toBe('demo');
    // The model saw the session as of event 1, then the new message (the events after 1 are not the fork's).
    expect(m.mainRequests()[0].body.messages.filter((x: { role: string }) => x.role !== 'system')).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Question 1: why does **parse** fail?' },
          { type: 'text', text: 'again' },
        ],
      },
    ]);
  });

  it('rejects a model error: shown, the log consistent (the user message, no answer)', async () => {
    const { store, workspace } = await demoStore(3);
    const m = await servers([{ status: 401 }]);
    const { r, c } = await openPanel(store, { endpoint: m.url, folder: workspace });
    await c.onMessage({ type: 'send', text: 'hi' });
    expect(r.last('streamEnd')).toMatchObject({ outcome: 'failed', error: expect.stringContaining('answered 401') });
    const last = store.readEvents(store.tipOf('demo')!).at(-1)!.event;
    expect([last.role, last.content]).toEqual(['user', [{ type: 'text', text: 'hi' }]]);
    expect(c.streaming).toBe(false);
  });

  it('Stop ends the run after the current step; a call waiting for approval is denied', async () => {
    const { store, workspace } = await demoStore(3);
    const m = await servers([[{ tool: 'write_file', input: { path: 'x.txt', content: 'x' } }], [{ text: 'never asked' }]]);
    const { r, c } = await openPanel(store, { endpoint: m.url, folder: workspace });
    const sending = c.onMessage({ type: 'send', text: 'write x' });
    await until(() => r.posts.some((p) => p.type === 'approve'), 30_000, 5);
    await c.onMessage({ type: 'stop' });
    await sending;
    expect(r.last('streamEnd').outcome).toBe('stopped');
    expect(r.last('approvalEnd')).toEqual({ type: 'approvalEnd', id: 1, allow: false });
    expect(fs.existsSync(path.join(workspace, 'x.txt'))).toBe(false);
    expect(m.mainRequests().length).toBe(1);
    const tail = store
      .readEvents(store.tipOf('demo')!)
      .slice(-2)
      .map((e) => e.event);
    expect(tail[0].content).toEqual([expect.objectContaining({ type: 'tool_result', is_error: true })]);
    expect(tail[1].kind).toBe('interrupt');
  });

  it('closing the panel while a call waits for approval ends the run even when the page is gone (posts throw)', async () => {
    const { store, workspace } = await demoStore(3);
    const m = await servers([[{ tool: 'write_file', input: { path: 'closed.txt', content: 'x' } }], [{ text: 'never asked' }]]);
    const { r, c } = await openPanel(store, { endpoint: m.url, folder: workspace });
    let closed = false;
    const post = r.host.post;
    r.host.post = (msg) => {
      if (closed) throw new Error('Webview is disposed');
      post(msg);
    };
    const sending = c.onMessage({ type: 'send', text: 'write it' });
    await until(() => r.posts.some((p) => p.type === 'approve'), 30_000, 5);
    closed = true;
    c.dispose();
    expect(await sending).toBeUndefined();
    expect(c.streaming).toBe(false);
    expect(fs.existsSync(path.join(workspace, 'closed.txt'))).toBe(false);
    expect(store.readEvents(store.tipOf('demo')!).at(-1)!.event.kind).toBe('interrupt');
  });

  it('Stop while the model streams: its answer is appended whole, its tool call answered "not run", then the interrupt', async () => {
    const { store, workspace } = await demoStore(3);
    const m = await servers(
      [[{ text: 'I will write it now.' }, { tool: 'write_file', input: { path: 'late.txt', content: 'x' } }], [{ text: 'never asked' }]],
      {
        delayMs: 30,
      },
    );
    const { r, c } = await openPanel(store, { endpoint: m.url, folder: workspace, approve: 'never' });
    const sending = c.onMessage({ type: 'send', text: 'write late.txt' });
    await until(() => r.posts.some((p) => p.type === 'streamDelta'), 30_000, 5);
    await c.onMessage({ type: 'stop' });
    expect(r.last('streamStatus').text).toBe('stopping after the current step…');
    await sending;
    expect(r.last('streamEnd').outcome).toBe('stopped');
    expect(m.mainRequests().length).toBe(1);
    expect(fs.existsSync(path.join(workspace, 'late.txt'))).toBe(false);
    const tail = store
      .readEvents(store.tipOf('demo')!)
      .slice(-3)
      .map((e) => e.event);
    expect(tail[0]).toMatchObject({
      role: 'assistant',
      content: [
        { type: 'text', text: 'I will write it now.' },
        { type: 'tool_use', name: 'write_file' },
      ],
    });
    expect(tail[1].content).toEqual([expect.objectContaining({ content: 'not run: the run was stopped before this tool ran', is_error: true })]);
    expect(tail[2].kind).toBe('interrupt');
  });

  it('an `interrupt` event appended by another writer (the CLI) stops the run after its step', async () => {
    const { store, workspace } = await demoStore(3);
    const m = await servers([[{ tool: 'read_file', input: { path: 'missing.txt' } }], [{ text: 'never asked' }]], { delayMs: 30 });
    const { r, c } = await openPanel(store, { endpoint: m.url, folder: workspace });
    const sending = c.onMessage({ type: 'send', text: 'look' });
    await until(() => r.posts.some((p) => p.type === 'streamDelta' || p.type === 'streamTool'), 30_000, 5);
    await Store.open(store.dir).append('demo', { kind: 'interrupt', reason: 'agentlog interrupt' });
    await sending;
    expect(r.last('streamEnd').outcome).toBe('stopped');
    expect(m.mainRequests().length).toBe(1);
  });

  it('a resume started as the panel opens waits for the page, so nothing it posts is lost', async () => {
    const { store, workspace } = await demoStore(1);
    const m = await servers([[{ text: 'late' }]]);
    const r = recorder({ endpoint: m.url, folder: workspace });
    const c = new PanelController(store, 'demo', r.host);
    const sending = c.resume('hello');
    await new Promise((res) => setTimeout(res, 50));
    expect(r.posts).toEqual([]);
    await c.onMessage({ type: 'ready' });
    await sending;
    expect(r.posts.map((p) => p.type)).toEqual(expect.arrayContaining(['reset', 'streamStart', 'streamDelta', 'streamEnd']));
    expect(r.posts[0].type).toBe('reset');
  });

  it('says why when no model is configured', async () => {
    const { store } = await demoStore(1);
    const { r, c } = await openPanel(store);
    await c.onMessage({ type: 'send', text: 'hi' });
    expect(r.last('streamEnd')).toEqual({ type: 'streamEnd', outcome: 'failed', error: 'no model configured' });
  });

  it('says why when there is no folder to work in', async () => {
    const { store } = await demoStore(1);
    const m = await servers([]);
    const { r, c } = await openPanel(store, { endpoint: m.url });
    await c.onMessage({ type: 'send', text: 'hi' });
    expect(r.last('streamEnd').error).toBe(
      "the session's folder /src/app is not on this machine and no folder is open in VS Code: open the folder the agent should work in",
    );
    expect(m.requests).toEqual([]);
  });
});
