import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../core/index.js';
import { cli, cliOk } from '../helpers/cli.js';
import { freshAgent, modelServers, RUN_ENV } from '../helpers/run-agent.js';
import { tmpdir } from '../helpers/tmp.js';
import { expectPairedItems } from '../helpers/wire-checks.js';

// `agentlog run --api responses` against the scripted model server speaking the real OpenAI Responses
// wire (the one Codex is served in the real-agent suite): what reached the model is read from the
// logged request bodies, what the agent did from the store. Also: a model switch across all three
// APIs, the 429/503 retry-after honoured, `new --model` then `run`.

const server = modelServers();
const ENV = RUN_ENV;

// biome-ignore lint/suspicious/noExplicitAny: request bodies and event content are checked by shape
type Any = any;

function run(dir: string, args: string[], env: NodeJS.ProcessEnv = ENV) {
  return cli(dir, ['run', ...args], { env });
}

function events(dir: string, name: string) {
  const store = Store.open(path.join(dir, '.agentlog'));
  return store.readEvents(store.tipOf(name)!).map((e) => e.event as Any);
}

describe('agentlog run --api responses', () => {
  it('speaks the Responses API: function_call items out, function_call_output back by call_id, reasoning kept and sent back, usage recorded', async () => {
    const { dir, ws, name } = await freshAgent();
    fs.writeFileSync(path.join(ws, 'x.txt'), 'content of x');
    const s = await server([
      [{ thinking: 'I should read x first.' }, { text: 'Reading.' }, { tool: 'read_file', input: { path: 'x.txt' } }, { tool: 'list_files', input: {} }],
      [{ text: 'Read it.' }],
    ]);
    const r = await run(dir, [name, '--api', 'responses', '--endpoint', s.url, '--model', 'gpt-5-test', '--workspace', ws, '--prompt', 'read x']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('model: gpt-5-test (responses)');
    expect(r.out).toContain('Reading.');
    const main = s.mainRequests();
    expect(main.map((q) => q.path)).toEqual(['/v1/responses', '/v1/responses']);
    const first = main[0].body;
    // A reasoning model (gpt-5…) is asked for its reasoning's encrypted content, to be sent back: nothing is stored on the service.
    expect(first).toMatchObject({ model: 'gpt-5-test', stream: true, store: false, max_output_tokens: 8192, include: ['reasoning.encrypted_content'] });
    expect(first.instructions).toMatch(/^You are a coding agent working in the folder /);
    expect(first.tools[0]).toMatchObject({ type: 'function', name: 'read_file', parameters: { type: 'object' } });
    expect(first.input).toEqual([{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'read x' }] }]);
    // The second request: the reasoning item (with its encrypted content), the answer's text, the calls and their outputs, in order.
    const input = main[1].body.input as Any[];
    expect(input.map((i) => i.type)).toEqual([
      'message',
      'reasoning',
      'message',
      'function_call',
      'function_call',
      'function_call_output',
      'function_call_output',
    ]);
    expect(input[1]).toMatchObject({
      summary: [{ type: 'summary_text', text: 'I should read x first.' }],
      encrypted_content: Buffer.from('I should read x first.').toString('base64'),
    });
    expect(input[2]).toEqual({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Reading.' }] });
    expect(input[3]).toMatchObject({ name: 'read_file', arguments: '{"path":"x.txt"}' });
    expect(input.slice(5)).toEqual([
      { type: 'function_call_output', call_id: input[3].call_id, output: '     1\tcontent of x' },
      { type: 'function_call_output', call_id: input[4].call_id, output: 'x.txt' },
    ]);
    expectPairedItems(input);
    // The log: the answer as blocks (reasoning kept), the call ids the service gave, usage and request parameters.
    const answer = events(dir, name).find((e) => e.role === 'assistant');
    expect(answer.content.map((b: Any) => b.type)).toEqual(['reasoning', 'text', 'tool_use', 'tool_use']);
    expect(answer.content[0]).toMatchObject({ summary: ['I should read x first.'], encrypted_content: input[1].encrypted_content });
    expect(answer.content[2].id).toBe(input[3].call_id);
    expect(answer).toMatchObject({
      api: 'responses',
      model: 'gpt-5-test',
      stop_reason: 'completed',
      response_id: expect.stringMatching(/^resp_/),
      usage: { input_tokens: 120, output_tokens: 12, total_tokens: 132, cached_tokens: 0, reasoning_tokens: 0 },
      request: { api: 'responses', model: 'gpt-5-test', max_context_tokens: 200000 },
    });
    expect((await cliOk(dir, ['show', name])).out).toContain('∴ I should read x first.');
    expect((await cli(dir, ['verify', name])).code).toBe(0);
  });

  it('a stream cut before response.completed is asked again, a 429 and a 500 retried, only the whole answer appended', async () => {
    const { dir, ws, name } = await freshAgent();
    const s = await server([
      { cut: [{ text: 'never whole' }, { tool: 'list_files', input: {} }], after: 6 },
      { status: 429 },
      { status: 500 },
      [{ text: 'whole' }],
    ]);
    const r = await run(dir, [name, '--api', 'responses', '--endpoint', s.url, '--model', 'gpt-test', '--workspace', ws, '--prompt', 'hi']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/trying again in 0.0 s \(retry 1\)/);
    expect(s.mainRequests()).toHaveLength(4);
    // gpt-test is not a reasoning model: not asked for encrypted reasoning (such models refuse it).
    expect(s.mainRequests()[0].body.include).toBeUndefined();
    const answers = events(dir, name).filter((e) => e.role === 'assistant');
    expect(answers.map((e) => e.content)).toEqual([[{ type: 'text', text: 'whole' }]]);
  });

  it('a 401 names OPENAI_API_KEY and ends the run with the log consistent', async () => {
    const { dir, ws, name } = await freshAgent();
    const s = await server([{ status: 401 }]);
    const r = await run(dir, [name, '--api', 'responses', '--endpoint', s.url, '--model', 'gpt-test', '--workspace', ws, '--prompt', 'hi']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/\/v1\/responses: the model's service answered 401 \(the key was refused: set AGENTLOG_API_KEY or OPENAI_API_KEY/);
    expect(events(dir, name).filter((e) => e.role === 'assistant')).toHaveLength(0);
  });
});

describe('a model switch across the three APIs', () => {
  it('anthropic → openai chat → responses → anthropic: each step goes to the API of the last model event, tool ids mapped deterministically', async () => {
    const { dir, ws, name } = await freshAgent();
    const s = await server([
      [{ tool: 'list_files', input: {} }],
      [{ text: 'one' }],
      [{ tool: 'list_files', input: {} }],
      [{ text: 'two' }],
      [{ thinking: 'hm' }, { tool: 'list_files', input: {} }],
      [{ text: 'three' }],
      [{ text: 'four' }],
    ]);
    const step = (api: string, model: string, prompt: string) =>
      run(dir, [name, '--api', api, '--model', model, '--endpoint', s.url, '--workspace', ws, '--prompt', prompt]);
    expect((await step('anthropic', 'claude-test', 'a')).code).toBe(0);
    expect((await step('openai', 'gpt-test', 'b')).code).toBe(0);
    expect((await step('responses', 'gpt-test', 'c')).code).toBe(0);
    // No --api: a gpt model on a Responses timeline stays on Responses (no model event).
    s.script([[{ text: 'still responses' }]]);
    expect((await run(dir, [name, '--model', 'gpt-test', '--endpoint', s.url, '--workspace', ws, '--prompt', 'c2'])).code).toBe(0);
    expect((await step('anthropic', 'claude-test', 'd')).code).toBe(0);
    const ev = events(dir, name);
    expect(ev.filter((e) => e.kind === 'model').map((e) => `${e.api}:${e.model}`)).toEqual([
      'anthropic:claude-test',
      'openai:gpt-test',
      'responses:gpt-test',
      'anthropic:claude-test',
    ]);
    const main = s.mainRequests();
    expect(main.map((q) => q.api)).toEqual(['anthropic', 'anthropic', 'openai-chat', 'openai-chat', 'openai', 'openai', 'openai', 'anthropic']);
    const calls = ev.flatMap((e) => (e.role === 'assistant' ? e.content.filter((b: Any) => b.type === 'tool_use') : []));
    const [anthropicId, chatId, responsesId] = calls.map((c: Any) => c.id);
    // To Responses: the Anthropic call under a derived call_ id, the chat completions one as it is (both OpenAI's), each output paired.
    const input = main[5].body.input as Any[];
    expectPairedItems(input);
    const callIds = input.filter((i) => i.type === 'function_call').map((i) => i.call_id);
    expect(callIds).toHaveLength(3);
    expect(callIds[0]).toMatch(/^call_[0-9a-f]{24}$/);
    expect(callIds.slice(1)).toEqual([chatId, responsesId]);
    expect(input.filter((i) => i.type === 'reasoning')).toHaveLength(1);
    // The same fold again gives the same ids.
    expect((main[6].body.input as Any[]).filter((i) => i.type === 'function_call').map((i) => i.call_id)).toEqual(callIds);
    // Back to Anthropic: the OpenAI ids derived as toolu_…, the reasoning item not sent (it is OpenAI's), every call answered.
    const back = main[7].body.messages as Any[];
    const uses = back.flatMap((m) => (Array.isArray(m.content) ? m.content.filter((b: Any) => b.type === 'tool_use') : []));
    expect(uses.map((u: Any) => u.id)[0]).toBe(anthropicId);
    for (const u of uses.slice(1)) expect(u.id).toMatch(/^toolu_[0-9a-f]{24}$/);
    expect(JSON.stringify(back)).not.toContain('reasoning');
    const results = back.flatMap((m) => (Array.isArray(m.content) ? m.content.filter((b: Any) => b.type === 'tool_result') : []));
    expect(results.map((b: Any) => b.tool_use_id)).toEqual(uses.map((u: Any) => u.id));
    expect((await cli(dir, ['verify', name])).code).toBe(0);
  });
});

describe('retry-after', () => {
  it('a 429 waits as long as its retry-after says (seconds, or retry-after-ms) instead of the backoff', async () => {
    const { dir, ws, name } = await freshAgent();
    const s = await server([{ status: 429, headers: { 'retry-after': '1' } }, { status: 503, headers: { 'retry-after-ms': '1500' } }, [{ text: 'ok' }]]);
    const r = await run(dir, [name, '--endpoint', s.url, '--model', 'claude-test', '--workspace', ws, '--prompt', 'hi']);
    expect(r.code, r.err).toBe(0);
    // AGENTLOG_RETRY_MS=1 makes the backoff 1 ms, 2 ms: the waits printed are the service's.
    expect(r.err).toMatch(/answered 429.*: trying again in 1\.0 s \(retry 1\)\n/);
    expect(r.err).toMatch(/answered 503.*: trying again in 1\.5 s \(retry 2\)\n/);
  });

  it('a retry-after longer than 5 minutes ends the run at once, saying how long to wait', async () => {
    const { dir, ws, name } = await freshAgent();
    const s = await server([{ status: 429, headers: { 'retry-after': '3600' } }, [{ text: 'not asked' }]]);
    const r = await run(dir, [name, '--api', 'responses', '--endpoint', s.url, '--model', 'gpt-test', '--workspace', ws, '--prompt', 'hi']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/answered 429.*it asks to wait 3600 s before trying again: run again later/);
    expect(s.mainRequests()).toHaveLength(1);
  });
});

describe('agentlog new --model, then run', () => {
  it('a fresh agent in two commands: the model named by new is the one run calls; log and show print the model and interrupt events', async () => {
    const dir = tmpdir();
    await cliOk(dir, ['init']);
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(ws);
    const made = await cliOk(dir, ['new', '--title', 'two commands', '--model', 'gpt-test', '--workspace', ws]);
    const name = made.out.trim().split('\n').pop()!;
    expect(name).toBe('two-commands');
    const s = await server([[{ tool: 'write_file', input: { path: 'hello.txt', content: 'hi\n' } }], [{ text: 'wrote it' }]]);
    const r = await run(dir, [name, '--endpoint', s.url, '--approve', 'never', '--prompt', 'say hi in hello.txt']);
    expect(r.code, r.err).toBe(0);
    expect(fs.readFileSync(path.join(ws, 'hello.txt'), 'utf8')).toBe('hi\n');
    // gpt-… goes to OpenAI chat completions unless told otherwise; the endpoint given is recorded in a model event.
    expect(s.mainRequests().map((q) => q.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
    expect(s.mainRequests()[0].body.model).toBe('gpt-test');
    await cliOk(dir, ['append', name, '--json', '-'], { stdin: '{"kind":"interrupt","reason":"SIGINT"}\n' });
    const log = (await cliOk(dir, ['log', name])).out;
    expect(log).toMatch(new RegExp(`model: gpt-test \\(openai, ${s.url.replace(/[.]/g, '\\.')}\\)`));
    expect(log).toMatch(/interrupt: SIGINT/);
    const show = (await cliOk(dir, ['show', name])).out;
    expect(show).toMatch(/◆ model → gpt-test \(openai\)/);
    expect(show).toMatch(/◆ interrupted \(SIGINT\)/);
  });
});

describe('a hostile or failing Responses stream', () => {
  const ev = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const created = ev('response.created', { response: { id: 'resp_x', model: 'gpt-test', status: 'in_progress', output: [] } });

  it('response.failed with a server error is asked again; one that refuses the request itself ends the run at once', async () => {
    const { dir, ws, name } = await freshAgent();
    const s = await server([
      { sse: created + ev('response.failed', { response: { id: 'resp_x', status: 'failed', error: { code: 'server_error', message: 'try later' } } }) },
      { sse: created + ev('error', { code: 'rate_limit_exceeded', message: 'slow down' }) },
      [{ text: 'whole' }],
      {
        sse: created + ev('response.failed', { response: { id: 'resp_y', status: 'failed', error: { code: 'context_length_exceeded', message: 'too long' } } }),
      },
    ]);
    const args = [name, '--api', 'responses', '--endpoint', s.url, '--model', 'gpt-test', '--workspace', ws];
    const a = await run(dir, [...args, '--prompt', 'hi']);
    expect(a.code, a.err).toBe(0);
    expect(a.err).toMatch(/server_error: try later: trying again/);
    expect(a.err).toMatch(/rate_limit_exceeded: slow down: trying again/);
    const b = await run(dir, [...args, '--prompt', 'more']);
    expect(b.code).toBe(1);
    expect(b.err).toMatch(/the stream ended with an error: context_length_exceeded: too long/);
    expect(b.err).not.toMatch(/trying again/);
    expect(events(dir, name).filter((e) => e.role === 'assistant')).toHaveLength(1);
    expect((await cli(dir, ['verify', name])).code).toBe(0);
  });

  it('a function_call whose arguments are not a JSON object, or without a call_id, is asked again; a payload that is not JSON ends the run', async () => {
    const { dir, ws, name } = await freshAgent();
    const done = (item: Record<string, unknown>) =>
      created +
      ev('response.output_item.done', { output_index: 0, item }) +
      ev('response.completed', { response: { id: 'resp_x', status: 'completed', output: [item], usage: { input_tokens: 1 } } });
    const s = await server([
      { sse: done({ type: 'function_call', call_id: 'call_a', name: 'list_files', arguments: '[1,2' }) },
      { sse: done({ type: 'function_call', name: 'list_files', arguments: '{}' }) },
      [{ text: 'whole' }],
      { sse: `${created}event: response.output_text.delta\ndata: {not json\n\n` },
    ]);
    const args = [name, '--api', 'responses', '--endpoint', s.url, '--model', 'gpt-test', '--workspace', ws];
    const a = await run(dir, [...args, '--prompt', 'hi']);
    expect(a.code, a.err).toBe(0);
    expect(a.err).toMatch(/a tool call's input is not a JSON object: \[1,2: trying again/);
    expect(a.err).toMatch(/a function_call without a call_id or a name: trying again/);
    const b = await run(dir, [...args, '--prompt', 'more']);
    expect(b.code).toBe(1);
    expect(b.err).toMatch(/an event of the answer is not a JSON object: \{not json/);
    expect(
      events(dir, name)
        .filter((e) => e.role === 'assistant')
        .map((e) => e.content),
    ).toEqual([[{ type: 'text', text: 'whole' }]]);
  });
});

describe('a model switch in the middle of a run', () => {
  it('a model event appended by another writer while a tool runs sends the next step to that API (Anthropic → Responses), the call in flight paired', async () => {
    const { dir, ws, name } = await freshAgent();
    const s = await server([
      [{ tool: 'shell', input: { command: 'touch started; while [ ! -f go ]; do sleep 0.02; done; echo went' } }],
      [{ text: 'answered by responses' }],
    ]);
    const running = run(dir, [name, '--endpoint', s.url, '--model', 'claude-test', '--workspace', ws, '--approve', 'never', '--prompt', 'wait, then go on']);
    while (!fs.existsSync(path.join(ws, 'started'))) await new Promise((r) => setTimeout(r, 10));
    const other = Store.open(path.join(dir, '.agentlog'));
    await other.append(name, { kind: 'model', api: 'responses', model: 'gpt-test', endpoint: s.url });
    fs.writeFileSync(path.join(ws, 'go'), '');
    const r = await running;
    expect(r.code, r.err).toBe(0);
    expect(s.mainRequests().map((q) => q.path)).toEqual(['/v1/messages', '/v1/responses']);
    const input = s.mainRequests()[1].body.input as Any[];
    expectPairedItems(input);
    const call = input.find((i) => i.type === 'function_call');
    expect(call).toMatchObject({ name: 'shell', call_id: expect.stringMatching(/^call_[0-9a-f]{24}$/) });
    expect(input.find((i) => i.type === 'function_call_output')).toMatchObject({ call_id: call.call_id, output: expect.stringContaining('went') });
    const last = events(dir, name).at(-1);
    expect(last).toMatchObject({ role: 'assistant', api: 'responses', model: 'gpt-test', content: [{ type: 'text', text: 'answered by responses' }] });
  });
});
