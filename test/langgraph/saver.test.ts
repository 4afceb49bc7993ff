/**
 * AgentlogSaver's own rules, beyond LangGraph's suite (checkpoint-validation.test.ts): how threads name
 * timelines, what a checkpoint event holds (only the channels that changed), where a fork starts, what
 * deleteThread removes, two savers on one store, and a hostile event refused with the place it is at.
 */
import * as path from 'node:path';
import { type Checkpoint, emptyCheckpoint, uuid6 } from '@langchain/langgraph-checkpoint';
import { cliOk } from '../helpers/cli.js';
import { describe, expect, it } from 'vitest';
import { Store } from '../../core/store/store.js';
import { AgentlogSaver, segment, threadPrefix } from '../../packages/langgraph/src/index.js';
import { git, tmpdir } from '../helpers/tmp.js';

const meta = { source: 'loop' as const, step: 0, parents: {} };

function storeDir(): string {
  return path.join(tmpdir('agentlog-langgraph-'), 'store');
}

function checkpoint(values: Record<string, unknown>, versions: Record<string, number>): Checkpoint {
  return { ...emptyCheckpoint(), id: uuid6(-3), channel_values: values, channel_versions: versions };
}

function refs(dir: string): string[] {
  return git(dir, ['for-each-ref', '--format=%(refname:short)', 'refs/heads/'])
    .trim()
    .split('\n')
    .filter((r) => r && r !== 'agentlog@store'); // not the store's own branch
}

describe('AgentlogSaver', () => {
  it('names a thread and namespace as timelines: other bytes percent-encoded, long ids hashed; list() gives back the ids', async () => {
    expect(segment('a b/c:d|é')).toBe('a%20b%2Fc%3Ad%7C%C3%A9');
    expect(segment('x'.repeat(81))).toMatch(/^=[0-9a-f]{40}$/);
    expect(threadPrefix('t-1')).toBe('langgraph/t-1/');
    const dir = storeDir();
    const saver = new AgentlogSaver({ store: dir });
    const odd = 'user@example.com: chat #1';
    const long = 'y'.repeat(300);
    await saver.put({ configurable: { thread_id: odd, checkpoint_ns: '' } }, checkpoint({}, {}), meta, {});
    await saver.put({ configurable: { thread_id: odd, checkpoint_ns: 'tools:call|1' } }, checkpoint({}, {}), meta, {});
    await saver.put({ configurable: { thread_id: long } }, checkpoint({}, {}), meta, {});
    expect(refs(dir)).toEqual([
      `langgraph/=${segment(long).slice(1)}/main`,
      'langgraph/user%40example%2Ecom%3A%20chat%20%231/main',
      'langgraph/user%40example%2Ecom%3A%20chat%20%231/ns-tools%3Acall%7C1/main',
    ]);
    const listed = [];
    for await (const t of saver.list({})) listed.push([t.config.configurable?.thread_id, t.config.configurable?.checkpoint_ns]);
    expect(listed.sort()).toEqual([
      [odd, ''],
      [odd, 'tools:call|1'],
      [long, ''],
    ]);
  });

  it('stores only the channels a checkpoint changed and rebuilds the others from earlier events', async () => {
    const dir = storeDir();
    const saver = new AgentlogSaver({ store: dir });
    const thread = { configurable: { thread_id: 't' } };
    const c1 = await saver.put(thread, checkpoint({ a: 'A1', b: 'B1' }, { a: 1, b: 1 }), meta, { a: 1, b: 1 });
    const c2 = await saver.put(c1, checkpoint({ a: 'A2', b: 'B1' }, { a: 2, b: 1 }), meta, { a: 2 });
    const c3 = await saver.put(c2, checkpoint({ a: 'A2', b: 'B3' }, { a: 2, b: 3 }), meta, { b: 3 });
    const events = Store.open(dir)
      .readEvents(Store.open(dir).tipOf('langgraph/t/main')!)
      .map((s) => s.event);
    expect(events.map((e) => e.kind)).toEqual(['session', 'langgraph.checkpoint', 'langgraph.checkpoint', 'langgraph.checkpoint']);
    expect(events.slice(1).map((e) => (e.channels as Array<{ name: string; version: number }>).map((c) => `${c.name}@${c.version}`))).toEqual([
      ['a@1', 'b@1'],
      ['a@2'],
      ['b@3'],
    ]);
    // Read by a second saver (nothing cached): each checkpoint whole again.
    const again = new AgentlogSaver({ store: dir });
    expect((await again.getTuple(c2))?.checkpoint.channel_values).toEqual({ a: 'A2', b: 'B1' });
    expect((await again.getTuple(c3))?.checkpoint.channel_values).toEqual({ a: 'A2', b: 'B3' });
    expect((await again.getTuple(thread))?.config.configurable?.checkpoint_id).toBe(c3.configurable?.checkpoint_id);
  });

  it('forks at the commit before the checkpoint that followed the parent: the parent and its writes are shared, the fork rebuilds from them', async () => {
    const dir = storeDir();
    const saver = new AgentlogSaver({ store: dir });
    const c1 = await saver.put({ configurable: { thread_id: 't' } }, checkpoint({ a: 'A1' }, { a: 1 }), meta, { a: 1 });
    await saver.putWrites(c1, [['a', 'from task']], 'task-1');
    const c2 = await saver.put(c1, checkpoint({ a: 'A2' }, { a: 2 }), meta, { a: 2 });
    // Time travel: a new checkpoint after c1, which is no longer the newest on main.
    const f2 = await saver.put(c1, checkpoint({ a: 'F2' }, { a: 2 }), { ...meta, source: 'update' }, { a: 2 });
    expect(refs(dir)).toEqual(['langgraph/t/fork-1', 'langgraph/t/main']);
    const store = Store.open(dir);
    const main = [...store.history(store.tipOf('langgraph/t/main')!)].map((c) => c.oid);
    const fork = [...store.history(store.tipOf('langgraph/t/fork-1')!)].map((c) => c.oid);
    expect(fork.slice(1)).toEqual(main.slice(1)); // genesis, c1, c1's writes shared; c2 only on main
    expect(store.forkRecords()['langgraph/t/fork-1']).toBe('langgraph/t/main');
    // Both branches read back whole: the same version 2 of `a` holds a different value on each.
    expect((await saver.getTuple(c2))?.checkpoint.channel_values).toEqual({ a: 'A2' });
    expect((await saver.getTuple(f2))?.checkpoint.channel_values).toEqual({ a: 'F2' });
    expect((await saver.getTuple(f2))?.parentConfig?.configurable?.checkpoint_id).toBe(c1.configurable?.checkpoint_id);
    expect((await saver.getTuple(c1))?.pendingWrites).toEqual([['task-1', 'a', 'from task']]);
    // The fork's next checkpoint follows it there; the thread's newest is the fork's.
    const f3 = await saver.put(f2, checkpoint({ a: 'F2' }, { a: 2 }), meta, {});
    expect(refs(dir)).toEqual(['langgraph/t/fork-1', 'langgraph/t/main']);
    expect((await saver.getTuple({ configurable: { thread_id: 't' } }))?.config.configurable?.checkpoint_id).toBe(f3.configurable?.checkpoint_id);
    expect((await saver.getTuple(f3))?.checkpoint.channel_values).toEqual({ a: 'F2' });
    const ids = [];
    for await (const t of saver.list({ configurable: { thread_id: 't' } })) ids.push(t.config.configurable?.checkpoint_id);
    expect(ids).toEqual([f3, f2, c2, c1].map((c) => c.configurable?.checkpoint_id));
  });

  it('deleteThread removes every timeline of the thread (namespaces and forks) and no other', async () => {
    const dir = storeDir();
    const saver = new AgentlogSaver({ store: dir });
    const c1 = await saver.put({ configurable: { thread_id: 'a' } }, checkpoint({}, {}), meta, {});
    await saver.put(c1, checkpoint({}, {}), meta, {});
    await saver.put(c1, checkpoint({}, {}), meta, {});
    await saver.put({ configurable: { thread_id: 'a', checkpoint_ns: 'sub' } }, checkpoint({}, {}), meta, {});
    await saver.put({ configurable: { thread_id: 'ab' } }, checkpoint({}, {}), meta, {});
    expect(refs(dir)).toEqual(['langgraph/a/fork-1', 'langgraph/a/main', 'langgraph/a/ns-sub/main', 'langgraph/ab/main']);
    await saver.deleteThread('a');
    expect(refs(dir)).toEqual(['langgraph/ab/main']);
    expect(await saver.getTuple({ configurable: { thread_id: 'a' } })).toBeUndefined();
    // As `agentlog delete`: the tips went to the branches' reflogs, so the thread can be brought back.
    expect((await cliOk(dir, ['undelete', 'langgraph/a/main', '--store', dir])).err).toMatch(/langgraph\/a\/main/);
    expect(refs(dir)).toEqual(['langgraph/a/main', 'langgraph/ab/main']);
  });

  it('two savers on one store: each sees what the other wrote, and children of one parent written at once make a fork, none lost', async () => {
    const dir = storeDir();
    const one = new AgentlogSaver({ store: dir });
    const two = new AgentlogSaver({ store: dir });
    const c1 = await one.put({ configurable: { thread_id: 't' } }, checkpoint({ a: 1 }, { a: 1 }), meta, { a: 1 });
    expect((await two.getTuple({ configurable: { thread_id: 't' } }))?.checkpoint.channel_values).toEqual({ a: 1 });
    const [x, y] = await Promise.all([
      one.put(c1, checkpoint({ a: 'x' }, { a: 2 }), meta, { a: 2 }),
      two.put(c1, checkpoint({ a: 'y' }, { a: 2 }), meta, { a: 2 }),
    ]);
    expect(refs(dir)).toEqual(['langgraph/t/fork-1', 'langgraph/t/main']);
    const fresh = new AgentlogSaver({ store: dir });
    expect((await fresh.getTuple(x))?.checkpoint.channel_values).toEqual({ a: 'x' });
    expect((await fresh.getTuple(y))?.checkpoint.channel_values).toEqual({ a: 'y' });
  });

  it('a checkpoint put again under the same id replaces the first; one saver reading many threads still reads each whole', async () => {
    const dir = storeDir();
    const saver = new AgentlogSaver({ store: dir });
    const c1 = await saver.put({ configurable: { thread_id: 't' } }, { ...checkpoint({ a: 1 }, { a: 1 }), id: 'same' }, meta, { a: 1 });
    await saver.put({ configurable: { thread_id: 't' } }, { ...checkpoint({ a: 2 }, { a: 2 }), id: 'same' }, { ...meta, step: 1 }, { a: 2 });
    expect((await new AgentlogSaver({ store: dir }).getTuple(c1))?.checkpoint.channel_values).toEqual({ a: 2 });
    for (let i = 0; i < 40; i++) await saver.put({ configurable: { thread_id: `many-${i}` } }, checkpoint({ i }, { i: 1 }), meta, { i: 1 });
    for (let i = 0; i < 40; i++) expect((await saver.getTuple({ configurable: { thread_id: `many-${i}` } }))?.checkpoint.channel_values).toEqual({ i });
  });

  it('rejects a checkpoint event that breaks its shape, naming the timeline and event', async () => {
    const dir = storeDir();
    const saver = new AgentlogSaver({ store: dir });
    await saver.put({ configurable: { thread_id: 't' } }, checkpoint({}, {}), meta, {});
    await Store.open(dir).append('langgraph/t/main', {
      kind: 'langgraph.checkpoint',
      id: 'z',
      parent: null,
      checkpoint: 'not bytes',
      metadata: 1,
      channels: [],
    });
    await expect(new AgentlogSaver({ store: dir }).getTuple({ configurable: { thread_id: 't' } })).rejects.toThrow(
      /timeline langgraph\/t\/main, event 2: "checkpoint" must be a map/,
    );
  });

  it('rejects a config without a thread id, or with one that is not a string', async () => {
    const saver = new AgentlogSaver({ store: storeDir() });
    await expect(saver.put({ configurable: {} }, checkpoint({}, {}), meta, {})).rejects.toMatchObject({ code: 'E_INPUT' });
    await expect(saver.put({ configurable: { thread_id: 7 } }, checkpoint({}, {}), meta, {})).rejects.toThrow(/thread_id must be a string/);
    await expect(saver.putWrites({ configurable: { thread_id: 't' } }, [], 'task')).rejects.toThrow(/checkpoint_id must be a string/);
  });
});
