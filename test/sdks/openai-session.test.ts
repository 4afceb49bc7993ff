import * as fs from 'node:fs';
import * as path from 'node:path';
import { Agent, type AgentInputItem, OpenAIProvider, Runner, setTracingDisabled, tool } from '@openai/agents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AgentlogError, runAgent, Store, verifyTimeline } from '../../core/index.js';
import { AgentlogSession } from '../../packages/openai-agents/src/index.js';
import { startModelServer, type ModelServer } from '../helpers/model-server.js';
import { clock, git, tmpdir } from '../helpers/tmp.js';

/**
 * The OpenAI Agents SDK's Session on an agentlog timeline: items in and out deep-equal, pop and clear
 * that keep what they removed on a branch, the conditional replace as a compare-and-swap; then a real
 * Agent with a tool, run by the SDK's Runner against the scripted OpenAI Responses server, continued
 * by `agentlog run` (core's runAgent) on the same timeline, and back.
 */

const user = (text: string): AgentInputItem => ({ role: 'user', content: text });
const answer = (text: string): AgentInputItem => ({
  type: 'message',
  role: 'assistant',
  status: 'completed',
  content: [{ type: 'output_text', text }],
  id: `msg_${text.length}`,
});
const call = (id: string): AgentInputItem => ({
  type: 'function_call',
  callId: id,
  name: 'lookup',
  arguments: '{"q":"x"}',
  status: 'completed',
  id: `fc_${id}`,
});
const result = (id: string): AgentInputItem => ({
  type: 'function_call_result',
  callId: id,
  name: 'lookup',
  status: 'completed',
  output: { type: 'text', text: `r-${id}` },
});

function fresh(): AgentlogSession {
  return new AgentlogSession({ store: path.join(tmpdir('agentlog-openai-'), 'store'), sessionId: 's1', now: clock() });
}

describe('AgentlogSession: the Session interface', () => {
  it('gives back the items added, in order, deep-equal; getItems(limit) the newest', async () => {
    const s = fresh();
    const items = [user('hello'), call('c1'), result('c1'), answer('done'), { type: 'reasoning', id: 'rs_1', content: [] } as AgentInputItem];
    await s.addItems(items.slice(0, 2));
    await s.addItems(items.slice(2));
    await s.addItems([]);
    expect(await s.getItems()).toEqual(items);
    expect(await s.getItems(2)).toEqual(items.slice(3));
    expect(await s.getSessionId()).toBe('s1');
    expect(verifyTimeline(s.store, 'openai/s1', s.store.tipOf('openai/s1')!).problem).toBeUndefined();
    expect(await fresh().getItems()).toEqual([]);
  });

  it('popItem removes the newest item and returns it; the history before it stays on a branch', async () => {
    const s = fresh();
    const items = [user('a'), answer('b'), user('c')];
    await s.addItems(items);
    const tip = s.store.tipOf('openai/s1');
    expect(await s.popItem()).toEqual(items[2]);
    expect(await s.getItems()).toEqual(items.slice(0, 2));
    expect(s.store.tipOf('openai/s1.was-1')).toBe(tip);
    await s.addItems([user('d')]);
    expect(await s.getItems()).toEqual([...items.slice(0, 2), user('d')]);
    await s.clearSession();
    expect(await s.getItems()).toEqual([]);
    expect(await s.popItem()).toBeUndefined();
    expect(git(s.store.dir, ['fsck', '--strict'])).toBe('');
  });

  it('applies a transaction once per operation id; a replace_suffix that does not match changes nothing', async () => {
    const s = fresh();
    await s.addItems([user('q'), call('c1')]);
    await s.applyHistoryTransaction({ operationId: 'op1', transaction: { type: 'append_items', items: [result('c1')] } });
    await s.applyHistoryTransaction({ operationId: 'op1', transaction: { type: 'append_items', items: [result('c1')] } });
    expect(await s.getItems()).toEqual([user('q'), call('c1'), result('c1')]);
    const fixed = { ...call('c1'), arguments: '{"q":"y"}' } as AgentInputItem;
    await s.applyHistoryTransaction({
      operationId: 'op2',
      transaction: { type: 'replace_suffix', expectedSuffix: [call('c1'), result('c1')], replacement: [fixed, result('c1')] },
    });
    await s.applyHistoryTransaction({
      operationId: 'op2',
      transaction: { type: 'replace_suffix', expectedSuffix: [call('c1'), result('c1')], replacement: [fixed, result('c1')] },
    });
    expect(await s.getItems()).toEqual([user('q'), fixed, result('c1')]);
    const tip = s.store.tipOf('openai/s1');
    const stale = s.applyHistoryTransaction({ operationId: 'op3', transaction: { type: 'replace_suffix', expectedSuffix: [call('c1')], replacement: [] } });
    await expect(stale).rejects.toMatchObject({ code: 'E_MOVED' });
    const reused = s.applyHistoryTransaction({ operationId: 'op1', transaction: { type: 'append_items', items: [user('other')] } });
    await expect(reused).rejects.toBeInstanceOf(AgentlogError);
    expect(s.store.tipOf('openai/s1')).toBe(tip);
  });

  it('a change computed from a tip another writer moved fails by compare-and-swap (a transaction) or starts again (pop), losing nothing', async () => {
    const s = fresh();
    await s.addItems([user('q'), answer('a1')]);
    const other = new AgentlogSession({ store: s.store, sessionId: 's1' });
    // The other writer appends while this one builds its new history (after its read, before its move).
    const branch = s.store.branch.bind(s.store);
    let interleave = 2;
    s.store.branch = async (name: string, commit: string, from?: string) => {
      await branch(name, commit, from);
      if (name.includes('.v') && interleave-- > 0) await other.addItems([user(`other ${interleave}`)]);
    };
    const replace = s.applyHistoryTransaction({
      operationId: 'op',
      transaction: { type: 'replace_suffix', expectedSuffix: [answer('a1')], replacement: [answer('a2')] },
    });
    await expect(replace).rejects.toMatchObject({ code: 'E_MOVED' });
    expect(await s.getItems()).toEqual([user('q'), answer('a1'), user('other 1')]);
    // pop: its first round loses to the other writer, the second pops the newest item, theirs.
    expect(await s.popItem()).toEqual(user('other 0'));
    expect(await s.getItems()).toEqual([user('q'), answer('a1'), user('other 1')]);
    s.store.branch = branch;
  });
});

describe('AgentlogSession: a real Agent, then agentlog run, then the Agent again', () => {
  let model: ModelServer;
  beforeAll(async () => {
    model = await startModelServer();
    setTracingDisabled(true);
  });
  afterAll(() => model.close());

  it('the same conversation reaches each model, tool calls included', async () => {
    const root = tmpdir('agentlog-openai-run-');
    const store = Store.init(path.join(root, 'store')).store;
    const session = new AgentlogSession({ store, sessionId: 'weather' });
    const runner = new Runner({ modelProvider: new OpenAIProvider({ apiKey: 'test-key', baseURL: `${model.url}/v1` }), tracingDisabled: true });
    const calls: string[] = [];
    const agent = new Agent({
      name: 'weather',
      instructions: 'Answer with the weather.',
      model: 'gpt-test',
      tools: [
        tool({
          name: 'get_weather',
          description: 'The weather in a city',
          parameters: z.object({ city: z.string() }),
          execute: async ({ city }) => {
            calls.push(city);
            return `sunny in ${city}`;
          },
        }),
      ],
    });
    const ask = async (input: string) => {
      const r = await runner.run(agent, input, { session, stream: true });
      for await (const _ of r) {
        // the stream read whole
      }
      await r.completed;
      return r.finalOutput;
    };

    // 1. The Agent: a tool call, its result, an answer.
    model.script([[{ tool: 'get_weather', input: { city: 'Paris' } }], [{ text: 'It is sunny in Paris.' }]]);
    expect(await ask('weather in Paris?')).toBe('It is sunny in Paris.');
    expect(calls).toEqual(['Paris']);
    const afterAgent = await session.getItems();
    expect(afterAgent.map((i) => (i as { type?: string }).type ?? 'message')).toEqual(['message', 'function_call', 'function_call_result', 'message']);

    // 2. agentlog run continues the same timeline over the Responses API.
    const ws = path.join(root, 'ws');
    fs.mkdirSync(ws);
    const start = model.requests.length;
    model.script([[{ text: 'Tomorrow it rains in Paris.' }]]);
    const r = await runAgent({
      store,
      name: session.timeline,
      prompt: 'and tomorrow?',
      api: 'responses',
      model: 'gpt-test',
      endpoint: model.url,
      workspace: ws,
      env: { AGENTLOG_API_KEY: 'k' },
    });
    expect(r.reason).toBe('done');
    const sentToRun = JSON.stringify(model.requests.slice(start).filter((x) => x.main)[0].body.input);
    for (const piece of ['weather in Paris?', 'get_weather', 'sunny in Paris', 'It is sunny in Paris.', 'and tomorrow?']) expect(sentToRun).toContain(piece);

    // 3. Back to the Agent: it sees what agentlog run added.
    const items = await session.getItems();
    expect(items.slice(0, afterAgent.length)).toEqual(afterAgent);
    expect(JSON.stringify(items.slice(afterAgent.length))).toContain('Tomorrow it rains in Paris.');
    const back = model.requests.length;
    model.script([[{ text: 'Take an umbrella.' }]]);
    expect(await ask('so what do I bring?')).toBe('Take an umbrella.');
    const sentToAgent = JSON.stringify(model.requests.slice(back).filter((x) => x.main)[0].body.input);
    for (const piece of ['weather in Paris?', 'sunny in Paris', 'and tomorrow?', 'Tomorrow it rains in Paris.', 'so what do I bring?'])
      expect(sentToAgent).toContain(piece);
    expect(sentToAgent.indexOf('Tomorrow it rains')).toBeLessThan(sentToAgent.indexOf('so what do I bring?'));
    expect(verifyTimeline(store, session.timeline, store.tipOf(session.timeline)!).problem).toBeUndefined();
  });
});
