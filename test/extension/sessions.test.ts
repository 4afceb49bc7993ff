import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../core/index.js';
import { ago, dateGroup, parentsOf, sessionTree, type SessionNode } from '../../extension/shared/sessions.js';
import { findStores, readStoreFacts } from '../../extension/src/storeReader.js';
import { demoStore } from '../helpers/extension-fixtures.js';
import { git, tmpdir } from '../helpers/tmp.js';

/** A store's timelines, out of their date groups. */
const ungroup = (nodes: SessionNode[]): SessionNode[] => nodes.flatMap((n) => (n.kind === 'group' ? n.children : [n]));
const labels = (nodes: SessionNode[]): unknown => nodes.map((n) => (n.children.length ? { [n.label]: labels(n.children) } : n.label));

describe('sessions view model', () => {
  it('lists stores, their sessions with title, agent, model, length and last activity', async () => {
    const { workspace, dir, store } = await demoStore(4);
    await store.create('other', { kind: 'session', title: 'Write docs', agent: { name: 'codex' }, model: 'gpt-5' });
    expect(findStores([workspace, tmpdir()], '.agentlog')).toEqual([dir]);
    const facts = readStoreFacts(dir, 'ws/.agentlog');
    const demo = facts.timelines.find((t) => t.name === 'demo')!;
    expect(demo).toMatchObject({ title: 'Fix the parser', agent: 'claude-code', model: 'claude-sonnet-4-5', tipSeq: 4 });
    expect(demo.session).toMatch(/^bafyrei/);
    expect(demo.tipCid).toBe(store.commitInfo(store.tipOf('demo')!).cid!.toString());
    const [root] = sessionTree([facts], demo.lastTs + 5 * 60_000);
    expect(root).toMatchObject({ kind: 'store', label: 'ws/.agentlog', description: '2 timelines', contextValue: 'store' });
    expect(root.children.map((g) => [g.kind, g.label])).toEqual([['group', 'Today']]);
    const node = ungroup(root.children).find((c) => c.kind === 'timeline' && c.name === 'demo')!;
    expect(node).toMatchObject({
      label: 'Fix the parser',
      contextValue: 'timeline',
      description: '5 events · 5m ago · claude-code · claude-sonnet-4-5 · demo',
    });
    expect(node.tooltip).toContain(`session: ${demo.session}`);
  });

  it('a timeline whose newest ts lies beyond what a Date holds still gets its tooltip', async () => {
    const { dir, store } = await demoStore(1);
    await store.append('demo', { kind: 'note', text: 'far', ts: Number.MAX_SAFE_INTEGER });
    const [root] = sessionTree([readStoreFacts(dir, 'ws/.agentlog')], Date.now());
    const node = ungroup(root.children).find((c) => c.kind === 'timeline' && c.name === 'demo')!;
    expect(node.tooltip).toContain('last activity: +275760-09-13T00:00:00.000Z');
  });

  it('nests forks under the timeline they left, recorded or found by core in the commit graph', async () => {
    const { dir, store } = await demoStore(3);
    const tip = store.tipOf('demo')!;
    const parent = store.commitInfo(tip).commit.parents[0];
    await store.branch('try-a', parent, 'demo');
    await store.append('try-a', { kind: 'note', text: 'another way' });
    await store.branch('try-a-deeper', store.tipOf('try-a')!, 'try-a');
    await store.append('try-a-deeper', { kind: 'note', text: 'deeper' });
    // A fork made with plain git: no record; core finds it from the commit graph.
    git(dir, ['branch', 'plain-git-fork', parent]);
    await Store.open(dir).append('plain-git-fork', { kind: 'note', text: 'made with git', ts: Date.now() + 60_000 });
    await store.create('unrelated', { kind: 'session', title: 'Another session' });
    const [root] = sessionTree([readStoreFacts(dir, 's')], Date.now());
    expect(
      ungroup(root.children)
        .map((n) => n.kind === 'timeline' && n.name)
        .sort(),
    ).toEqual(['demo', 'unrelated']);
    const demo = ungroup(root.children).find((n) => n.kind === 'timeline' && n.name === 'demo')!;
    expect(demo.label).toBe('Fix the parser');
    expect(labels(demo.children)).toEqual(expect.arrayContaining([{ 'try-a': ['try-a-deeper'] }, 'plain-git-fork']));
    expect(demo.children).toHaveLength(2);
    expect(demo.children.every((c) => c.contextValue === 'fork')).toBe(true);
    expect(demo.description).toMatch(/ · demo$/);
  });

  it('breaks a cycle in fork records instead of losing timelines', () => {
    const t = (name: string, forkedFrom?: string) => ({
      name,
      tip: name,
      tipSeq: 0,
      tipCid: '',
      session: 's',
      title: '',
      agent: '',
      model: '',
      lastTs: 0,
      forkedFrom,
    });
    const parents = parentsOf([t('a', 'b'), t('b', 'a'), t('c', 'a'), t('d', 'gone')]);
    expect([...parents.values()].filter((p) => p === undefined).length).toBeGreaterThan(1);
    expect(parents.get('c')).toBe('a');
    expect(parents.get('d')).toBeUndefined();
    const tree = sessionTree([{ dir: '/s', label: 's', timelines: [t('a', 'b'), t('b', 'a')] }], 0);
    const count = (ns: SessionNode[]): number => ns.reduce((n, x) => n + 1 + count(x.children), 0);
    expect(count(ungroup(tree[0].children))).toBe(2);
  });

  it('lists a timeline whose commit is missing as unreadable, with the reason', async () => {
    const { dir } = await demoStore(1);
    fs.writeFileSync(path.join(dir, '.git', 'refs', 'heads', 'broken'), `${'ab'.repeat(20)}\n`);
    const facts = readStoreFacts(dir, 's');
    const broken = facts.timelines.find((t) => t.name === 'broken')!;
    expect(broken.title).toMatch(/^broken \(unreadable: .+\)$/);
    expect(facts.timelines.find((t) => t.name === 'demo')!.tipSeq).toBe(1);
    const [root] = sessionTree([facts], 0);
    expect(
      ungroup(root.children)
        .map((c) => c.kind === 'timeline' && c.name)
        .sort(),
    ).toEqual(['broken', 'demo']);
  });

  it('shows an unreadable store as a message, not an exception', () => {
    const [root] = sessionTree([{ dir: '/x', label: 'x', timelines: [], error: 'not a git repository' }], 0);
    expect(root.description).toBe('unreadable');
    expect(root.children[0]).toMatchObject({ kind: 'message', label: 'not a git repository', contextValue: 'message' });
  });

  it('picks up a new event on the next read (facts cached by tip)', async () => {
    const { dir, store } = await demoStore(1);
    expect(readStoreFacts(dir).timelines[0].tipSeq).toBe(1);
    const other = Store.open(dir);
    await other.append('demo', { kind: 'note', text: 'from the CLI' });
    expect(readStoreFacts(dir).timelines[0].tipSeq).toBe(2);
    expect(store.tipOf('demo')).toBe(other.tipOf('demo'));
  });

  it('says how long ago', () => {
    expect([ago(1000), ago(10 * 60_000), ago(3 * 3_600_000), ago(5 * 86_400_000)]).toEqual(['just now', '10m ago', '3h ago', '5d ago']);
  });
});

describe('sessions started by a timeline', () => {
  it('nest an imported subagent session under the timeline that started it, with its own title', () => {
    const base = { tip: 't', tipSeq: 2, tipCid: 'c', agent: 'claude-code', model: '', lastTs: 0 };
    const [store] = sessionTree(
      [
        {
          dir: '/s',
          label: 's',
          timelines: [
            { ...base, name: 'claude/main', session: 'a', title: 'Main task' },
            { ...base, name: 'claude/main.agent-x', session: 'b', title: 'Search the docs', startedBy: 'claude/main' },
          ],
        },
      ],
      0,
    );
    const main = ungroup(store.children)[0] as Extract<SessionNode, { kind: 'timeline' }>;
    expect(main.label).toBe('Main task');
    expect(main.children).toHaveLength(1);
    expect(main.children[0]).toMatchObject({ label: 'Search the docs', contextValue: 'timeline', name: 'claude/main.agent-x' });
  });
});

describe('the Sessions view tells sessions apart', () => {
  const day = 86_400_000;
  const now = new Date(2026, 11, 3, 15, 0).getTime();
  const t = (name: string, title: string, startTs: number, extra: Record<string, unknown> = {}) => ({
    name,
    tip: name,
    tipSeq: 3,
    tipCid: '',
    session: name,
    title,
    agent: 'claude-code',
    model: 'm',
    lastTs: startTs + 1000,
    startTs,
    ...extra,
  });

  it('groups by the day a session started, newest first; the order stays put when a session is appended to', () => {
    const timelines = [
      t('a', 'Today one', now - 3_600_000),
      t('b', 'Yesterday one', now - day),
      t('c', 'This week one', now - 3 * day),
      t('d', 'Long ago', now - 400 * day, { agent: 'codex' }),
      t('e', 'Today two', now - 2 * 3_600_000),
    ];
    const tree = (ts: typeof timelines) => sessionTree([{ dir: '/s', label: 's', timelines: ts }], now)[0].children;
    const shape = (ns: SessionNode[]) => ns.map((g) => ({ [g.label]: g.children.map((c) => (c.kind === 'timeline' ? c.name : '?')) }));
    expect(shape(tree(timelines))).toEqual([{ Today: ['a', 'e'] }, { Yesterday: ['b'] }, { 'This week': ['c'] }, { Older: ['d'] }]);
    // e gets a new event: its last activity is the newest, its place is the same.
    const appended = timelines.map((x) => (x.name === 'e' ? { ...x, lastTs: now, tipSeq: 9 } : x));
    expect(shape(tree(appended))).toEqual(shape(tree(timelines)));
    expect(dateGroup(now - 20 * day, now)).toBe(new Date(now - 20 * day).getMonth() === new Date(now).getMonth() ? 'This month' : 'Older');
    expect((ungroup(tree(timelines)).find((n) => n.kind === 'timeline' && n.name === 'd') as { agent: string }).agent).toBe('codex');
  });

  it("numbers sessions that share a title, as ls does (core's numberedTitles), and filters by title, name, agent or model", async () => {
    const { dir, store } = await demoStore(1);
    let ts = Date.now() - 10_000;
    for (const name of ['again-1', 'again-2']) await store.create(name, { kind: 'session', title: 'Fix the parser', agent: { name: 'codex' }, ts: ++ts });
    const facts = readStoreFacts(dir, 's');
    const titles = facts.timelines.map((x) => x.numberedTitle).sort();
    expect(titles).toEqual(['Fix the parser #1', 'Fix the parser #2', 'Fix the parser #3']);
    const all = ungroup(sessionTree([facts], Date.now())[0].children);
    expect(all.map((n) => n.label).sort()).toEqual(titles);
    const codex = ungroup(sessionTree([facts], Date.now(), ' CODEX ')[0].children);
    expect(codex.map((n) => (n.kind === 'timeline' ? n.name : '')).sort()).toEqual(['again-1', 'again-2']);
    expect(ungroup(sessionTree([facts], Date.now(), 'nothing like it')[0].children)).toEqual([]);
  });
});
