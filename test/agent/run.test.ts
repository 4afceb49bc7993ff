import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { takeRunLock } from '../../core/agent/runLock.js';
import { ownerRecord } from '../../core/git/lock.js';
import { runAgent, Store } from '../../core/index.js';
import { cli } from '../helpers/cli.js';
import type { LoggedRequest } from '../helpers/model-server.js';
import { freshAgent, modelServers, RUN_ENV } from '../helpers/run-agent.js';
import { tmpdir } from '../helpers/tmp.js';

// `agentlog run` against the scripted model server speaking the real Anthropic Messages and OpenAI chat
// completions APIs: what reaches the model is read from the logged request bodies, what the agent did
// from the store (real git) and the workspace folder.

const server = modelServers();

const ENV = RUN_ENV;

const fresh = freshAgent;

function run(dir: string, args: string[], env: NodeJS.ProcessEnv = ENV) {
  return cli(dir, ['run', ...args], { env });
}

function events(dir: string, name: string) {
  const store = Store.open(path.join(dir, '.agentlog'));
  return store.readEvents(store.tipOf(name)!).map((e) => e.event);
}

// biome-ignore lint/suspicious/noExplicitAny: request bodies and event content are checked by shape
type Any = any;

/** The tool_result blocks of the last user message of a logged Anthropic request. */
function lastResults(r: LoggedRequest): Any[] {
  const msgs = r.body.messages as Any[];
  return (msgs[msgs.length - 1].content as Any[]).filter((b) => b.type === 'tool_result');
}

/** Every tool call in a request answered by the next message, first in it (both APIs' rule). */
function expectWellFormed(body: Any): void {
  const msgs = body.messages as Any[];
  expect(msgs[0].role).toBe('user');
  for (let i = 0; i < msgs.length; i++) {
    if (i) expect(msgs[i].role, `message ${i} alternates`).not.toBe(msgs[i - 1].role);
    const calls = Array.isArray(msgs[i].content) ? msgs[i].content.filter((b: Any) => b.type === 'tool_use') : [];
    if (!calls.length) continue;
    const next = msgs[i + 1].content as Any[];
    expect(next.slice(0, calls.length).map((b) => b.tool_use_id)).toEqual(calls.map((c: Any) => c.id));
    for (const c of calls) expect(c.id).toMatch(/^[A-Za-z0-9_-]+$/);
  }
}

describe('agentlog run: the loop', () => {
  it('runs a turn with tools: the answer with its calls is appended before they run, each result after, then the final answer', async () => {
    const { dir, ws, name } = await fresh();
    const s = await server([
      [
        { text: 'I will write it.' },
        { tool: 'write_file', input: { path: 'notes/a.txt', content: 'hello\n' } },
        { tool: 'read_file', input: { path: 'notes/a.txt' } },
      ],
      [{ tool: 'edit_file', input: { path: 'notes/a.txt', old_string: 'hello', new_string: 'goodbye' } }],
      [{ text: 'Done.' }],
    ]);
    const r = await run(dir, [
      name,
      '--endpoint',
      s.url,
      '--model',
      'claude-test',
      '--workspace',
      ws,
      '--approve',
      'never',
      '--prompt',
      'write a note',
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(fs.readFileSync(path.join(ws, 'notes/a.txt'), 'utf8')).toBe('goodbye\n');
    const ev = events(dir, name);
    const kinds = ev.slice(1).map((e) => (e.kind === 'message' ? `${e.role}:${(e.content as Any[]).map((b) => b.type).join('+')}` : e.kind));
    expect(kinds).toEqual([
      'model',
      'user:text',
      'assistant:text+tool_use+tool_use',
      'user:tool_result',
      'user:tool_result',
      'checkpoint', // after every step that changed files (core/workspace/)
      'assistant:tool_use',
      'user:tool_result',
      'checkpoint',
      'assistant:text',
    ]);
    const first = ev[3] as Any;
    expect(first).toMatchObject({ api: 'anthropic', model: 'claude-test', stop_reason: 'tool_use', usage: { input_tokens: 120, output_tokens: 12 } });
    expect(first.request).toMatchObject({ api: 'anthropic', model: 'claude-test', max_tokens: 8192, stream: true });
    expect(first.effects[first.content[1].id]).toMatchObject({ path: 'notes/a.txt', before: null });
    // --json: one line per appended event, with its CID.
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.seq)).toEqual(ev.slice(1).map((e) => e.seq));
    expect(lines.every((l) => typeof l.cid['/'] === 'string')).toBe(true);
    // What reached the model: structured tool_result blocks answering the tool_use ids, not prose.
    const main = s.mainRequests();
    expect(main).toHaveLength(3);
    for (const q of main) expectWellFormed(q.body);
    expect(main[0].body).toMatchObject({ model: 'claude-test', stream: true, max_tokens: 8192 });
    expect(main[0].body.tools.map((t: Any) => t.name)).toEqual(['read_file', 'write_file', 'edit_file', 'list_files', 'grep', 'shell']);
    const results = lastResults(main[1]);
    expect(results.map((b) => b.tool_use_id)).toEqual([first.content[1].id, first.content[2].id]);
    expect(results[1].content).toContain('hello');
    expect((await cli(dir, ['verify', name])).code).toBe(0);
  });

  it('keeps tools inside the workspace: .., absolute paths and symlinks out are tool errors the model reads', async () => {
    const { dir, ws, name } = await fresh();
    const outside = tmpdir();
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
    fs.symlinkSync(outside, path.join(ws, 'link'));
    const s = await server([
      [
        { tool: 'write_file', input: { path: '../escape.txt', content: 'x' } },
        { tool: 'read_file', input: { path: 'link/secret.txt' } },
        { tool: 'write_file', input: { path: path.join(outside, 'abs.txt'), content: 'x' } },
        { tool: 'edit_file', input: { path: 'link/secret.txt', old_string: 'secret', new_string: 'gone' } },
        { tool: 'list_files', input: { path: 'link' } },
        { tool: 'grep', input: { pattern: 'secret', path: '..' } },
      ],
      [{ text: 'ok' }],
    ]);
    const r = await run(dir, [name, '--endpoint', s.url, '--model', 'claude-test', '--workspace', ws, '--approve', 'never', '--prompt', 'escape']);
    expect(r.code, r.err).toBe(0);
    const results = lastResults(s.mainRequests()[1]);
    expect(results).toHaveLength(6);
    for (const b of results) {
      expect(b.is_error).toBe(true);
      expect(b.content).toMatch(/outside the workspace/);
    }
    expect(fs.existsSync(path.join(dir, 'escape.txt'))).toBe(false);
    expect(fs.existsSync(path.join(outside, 'abs.txt'))).toBe(false);
    expect(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('secret');
  });

  it('without a terminal, writes and shell are refused by default (a tool result), reads run; --approve never runs them', async () => {
    const { dir, ws, name } = await fresh();
    fs.writeFileSync(path.join(ws, 'a.txt'), 'one\ntwo\n');
    const s = await server([
      [
        { tool: 'write_file', input: { path: 'b.txt', content: 'x' } },
        { tool: 'shell', input: { command: 'touch c.txt' } },
        { tool: 'grep', input: { pattern: 'tw.' } },
      ],
      [{ text: 'ok' }],
      [{ tool: 'shell', input: { command: 'echo out; echo err >&2; exit 3' } }],
      [{ text: 'ok' }],
    ]);
    expect((await run(dir, [name, '--endpoint', s.url, '--model', 'claude-test', '--workspace', ws, '--prompt', 'go'])).code).toBe(0);
    const results = lastResults(s.mainRequests()[1]);
    expect(results[0].content).toMatch(/^refused: write_file needs approval/);
    expect(results[1].content).toMatch(/^refused: shell needs approval/);
    expect(results[2]).toEqual({ type: 'tool_result', tool_use_id: expect.any(String), content: 'a.txt:2: two' });
    expect(fs.existsSync(path.join(ws, 'b.txt')) || fs.existsSync(path.join(ws, 'c.txt'))).toBe(false);
    expect((await run(dir, [name, '--endpoint', s.url, '--workspace', ws, '--approve', 'never', '--prompt', 'again'])).code).toBe(0);
    const shell = lastResults(s.mainRequests()[3])[0];
    expect(shell).toMatchObject({ is_error: true });
    expect(shell.content).toMatch(/^exit code 3\n/);
    expect(shell.content).toContain('out');
    expect(shell.content).toContain('err');
  });

  it('continues where the log stops: reads run again, writes are done exactly once by their hash, shell and changed files get interrupted:', async () => {
    const { dir, ws, name } = await fresh();
    fs.writeFileSync(path.join(ws, 'done.txt'), 'new');
    fs.writeFileSync(path.join(ws, 'todo.txt'), 'old');
    fs.writeFileSync(path.join(ws, 'changed.txt'), 'someone else');
    fs.writeFileSync(path.join(ws, 'r.txt'), 'read me');
    const sha = (t: string) => createHash('sha256').update(t).digest('hex');
    const store = Store.open(path.join(dir, '.agentlog'));
    await store.append(name, { kind: 'model', api: 'anthropic', model: 'claude-test' });
    await store.append(name, { kind: 'message', role: 'user', content: [{ type: 'text', text: 'go' }] });
    await store.append(name, {
      kind: 'message',
      role: 'assistant',
      api: 'anthropic',
      content: [
        { type: 'tool_use', id: 'toolu_r', name: 'read_file', input: { path: 'r.txt' } },
        { type: 'tool_use', id: 'toolu_done', name: 'write_file', input: { path: 'done.txt', content: 'new' } },
        { type: 'tool_use', id: 'toolu_todo', name: 'write_file', input: { path: 'todo.txt', content: 'new' } },
        { type: 'tool_use', id: 'toolu_changed', name: 'edit_file', input: { path: 'changed.txt', old_string: 'old', new_string: 'new' } },
        { type: 'tool_use', id: 'toolu_sh', name: 'shell', input: { command: 'touch ran.txt' } },
      ],
      effects: {
        toolu_done: { path: 'done.txt', before: sha('old'), after: sha('new') },
        toolu_todo: { path: 'todo.txt', before: sha('old'), after: sha('new') },
        toolu_changed: { path: 'changed.txt', before: sha('old'), after: sha('new') },
      },
    });
    await store.append(name, { kind: 'message', role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_r', content: 'stale', is_error: false }] });
    const s = await server([[{ text: 'noted' }]]);
    const r = await run(dir, [name, '--endpoint', s.url, '--workspace', ws, '--approve', 'never']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('recovered 4 call(s)');
    const ev = events(dir, name);
    const recovered = ev.filter((e) => e.recovery).map((e) => [(e.content as Any)[0].tool_use_id, e.recovery, (e.content as Any)[0].content]);
    expect(recovered.map(([id, how]) => [id, how])).toEqual([
      ['toolu_done', 'done'],
      ['toolu_todo', 'not-run-yet'],
      ['toolu_changed', 'interrupted'],
      ['toolu_sh', 'interrupted'],
    ]);
    expect(recovered[2][2]).toMatch(
      new RegExp(`^interrupted: the edit of changed.txt may or may not have happened: the file's sha256 is now ${sha('someone else')}`),
    );
    expect(recovered[3][2]).toMatch(/^interrupted: .*may or may not have run/);
    expect(fs.readFileSync(path.join(ws, 'todo.txt'), 'utf8')).toBe('new');
    expect(fs.readFileSync(path.join(ws, 'changed.txt'), 'utf8')).toBe('someone else');
    expect(fs.existsSync(path.join(ws, 'ran.txt'))).toBe(false);
    // The model got every call answered, as structured results, in the order of the calls.
    const body = s.mainRequests()[0].body;
    expectWellFormed(body);
    expect(lastResults(s.mainRequests()[0]).map((b) => b.tool_use_id)).toEqual(['toolu_r', 'toolu_done', 'toolu_todo', 'toolu_changed', 'toolu_sh']);
  });

  it('asks again for an answer cut mid-stream and appends only the whole one; 429 and 500 are retried', async () => {
    const { dir, ws, name } = await fresh();
    const s = await server([{ cut: [{ text: 'half an answer that never ends' }], after: 3 }, { status: 429 }, { status: 500 }, [{ text: 'whole' }]]);
    const r = await run(dir, [name, '--endpoint', s.url, '--model', 'claude-test', '--workspace', ws, '--prompt', 'hi']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/trying again/);
    expect(s.mainRequests()).toHaveLength(4);
    const answers = events(dir, name).filter((e) => e.role === 'assistant');
    expect(answers.map((e) => (e.content as Any)[0].text)).toEqual(['whole']);
  });

  it('OpenAI too: a stream cut before [DONE] is asked again, a 500 retried, only the whole answer appended', async () => {
    const { dir, ws, name } = await fresh();
    const s = await server([{ cut: [{ text: 'never whole' }], after: 2 }, { status: 500 }, [{ text: 'whole' }]]);
    const r = await run(dir, [name, '--api', 'openai', '--endpoint', s.url, '--model', 'gpt-test', '--workspace', ws, '--prompt', 'hi']);
    expect(r.code, r.err).toBe(0);
    expect(s.mainRequests()).toHaveLength(3);
    expect(
      events(dir, name)
        .filter((e) => e.role === 'assistant')
        .map((e) => (e.content as Any)[0].text),
    ).toEqual(['whole']);
  });

  it('a 401, a service that keeps failing, and no service at all end with a clear exit 1 and the log consistent', async () => {
    const { dir, ws, name } = await fresh();
    const s = await server([{ status: 401 }, { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }]);
    const a = await run(dir, [name, '--endpoint', s.url, '--model', 'claude-test', '--workspace', ws, '--prompt', 'hi']);
    expect(a.code).toBe(1);
    expect(a.err).toMatch(/answered 401 \(the key was refused: set AGENTLOG_API_KEY/);
    expect(a.err).not.toMatch(/\n\s+at /);
    const b = await run(dir, [name, '--endpoint', s.url, '--workspace', ws]);
    expect(b.code).toBe(1);
    expect(b.err).toMatch(/answered 503.*gave up after 6 attempts/);
    const dead = await server();
    const url = dead.url;
    await dead.close(); // closed again after the test: harmless
    const c = await run(dir, [name, '--endpoint', url, '--workspace', ws]);
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/cannot reach the model: ECONNREFUSED/);
    expect(events(dir, name).filter((e) => e.role === 'assistant')).toHaveLength(0);
    expect((await cli(dir, ['verify', name])).code).toBe(0);
  });

  it('two runs on one timeline never interleave: the second refuses, naming the first; a dead run’s lock is taken over', async () => {
    const { dir, ws, name } = await fresh();
    // The first run's shell command waits until the test lets it go (a file), so the second surely meets it running.
    const s = await server([[{ tool: 'shell', input: { command: 'touch started; while [ ! -f go ]; do sleep 0.02; done' } }], [{ text: 'ok' }]]);
    const first = run(dir, [name, '--endpoint', s.url, '--model', 'claude-test', '--workspace', ws, '--approve', 'never', '--prompt', 'wait']);
    while (!fs.existsSync(path.join(ws, 'started'))) await new Promise((r) => setTimeout(r, 10));
    const second = await run(dir, [name, '--endpoint', s.url, '--workspace', ws]);
    fs.writeFileSync(path.join(ws, 'go'), '');
    expect(second.code).toBe(1);
    expect(second.err).toMatch(new RegExp(`timeline ${name} is being run by process ${process.pid} on `));
    expect((await first).code).toBe(0);
    // The lock is gone with its run; a lock left by a process that is gone (kill -9) does not stop the next run.
    const lockDir = path.join(dir, '.agentlog', '.git', 'agentlog', 'run');
    expect(fs.readdirSync(lockDir)).toEqual([]);
    const dead = spawnSync('true').pid!;
    const lock = takeRunLock(path.join(dir, '.agentlog', '.git'), name);
    fs.writeFileSync(lock.file, ownerRecord({ pid: dead, host: os.hostname(), boot: '', start: '' }));
    s.script([[{ text: 'after the dead one' }]]);
    const third = await run(dir, [name, '--endpoint', s.url, '--workspace', ws, '--prompt', 'go on']);
    expect(third.code, third.err).toBe(0);
  });

  it('speaks OpenAI chat completions: tool_calls out, role:tool results back, usage recorded', async () => {
    const { dir, ws, name } = await fresh();
    fs.writeFileSync(path.join(ws, 'x.txt'), 'content of x');
    const s = await server([[{ text: 'Reading.' }, { tool: 'read_file', input: { path: 'x.txt' } }, { tool: 'list_files', input: {} }], [{ text: 'Read.' }]]);
    const r = await run(dir, [name, '--api', 'openai', '--endpoint', s.url, '--model', 'gpt-test', '--workspace', ws, '--prompt', 'read x']);
    expect(r.code, r.err).toBe(0);
    const main = s.mainRequests();
    expect(main.map((q) => q.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
    expect(main[0].body).toMatchObject({ model: 'gpt-test', stream: true, stream_options: { include_usage: true } });
    const msgs = main[1].body.messages as Any[];
    expect(msgs[0].role).toBe('system');
    const assistant = msgs[msgs.length - 3];
    expect(assistant).toMatchObject({ role: 'assistant', content: 'Reading.' });
    expect(assistant.tool_calls.map((c: Any) => c.function.name)).toEqual(['read_file', 'list_files']);
    expect(msgs.slice(-2)).toEqual([
      { role: 'tool', tool_call_id: assistant.tool_calls[0].id, content: '     1\tcontent of x' },
      { role: 'tool', tool_call_id: assistant.tool_calls[1].id, content: 'x.txt' },
    ]);
    const answer = events(dir, name).find((e) => e.role === 'assistant')!;
    expect(answer).toMatchObject({ api: 'openai', stop_reason: 'tool_calls', usage: { prompt_tokens: 120, completion_tokens: 12 } });
  });

  it('a model switch appends a model event and the next step goes to the new API, with the other provider’s tool ids mapped', async () => {
    const { dir, ws, name } = await fresh();
    const s = await server([
      [{ tool: 'list_files', input: {} }],
      [{ text: 'one' }],
      [{ tool: 'list_files', input: {} }],
      [{ text: 'two' }],
      [{ text: 'three' }],
    ]);
    expect((await run(dir, [name, '--endpoint', s.url, '--model', 'claude-test', '--workspace', ws, '--prompt', 'a'])).code).toBe(0);
    expect((await run(dir, [name, '--api', 'openai', '--model', 'gpt-test', '--endpoint', s.url, '--workspace', ws, '--prompt', 'b'])).code).toBe(0);
    expect((await run(dir, [name, '--api', 'anthropic', '--model', 'claude-test', '--endpoint', s.url, '--workspace', ws, '--prompt', 'c'])).code).toBe(0);
    const ev = events(dir, name);
    expect(ev.filter((e) => e.kind === 'model').map((e) => `${e.api}:${e.model}`)).toEqual([
      'anthropic:claude-test',
      'openai:gpt-test',
      'anthropic:claude-test',
    ]);
    const main = s.mainRequests();
    expect(main.map((q) => q.api)).toEqual(['anthropic', 'anthropic', 'openai-chat', 'openai-chat', 'anthropic']);
    const calls = ev.flatMap((e) => (e.role === 'assistant' ? (e.content as Any[]).filter((b) => b.type === 'tool_use') : []));
    const [anthropicId, openaiId] = calls.map((c) => c.id);
    expect(anthropicId).toMatch(/^toolu_/);
    expect(openaiId).toMatch(/^call_/);
    // To OpenAI, the Anthropic call travels under a derived id, the same in its result; its own id stays.
    const toOpenai = main[3].body.messages as Any[];
    const ids = toOpenai.filter((m) => m.tool_calls).map((m) => m.tool_calls[0].id);
    expect(ids[0]).toMatch(/^call_[0-9a-f]{24}$/);
    expect(ids[1]).toBe(openaiId);
    expect(toOpenai.filter((m) => m.role === 'tool').map((m) => m.tool_call_id)).toEqual(ids);
    // Back to Anthropic: the OpenAI call's id is derived, the Anthropic one kept; and the same again on a second fold.
    const back = main[4].body;
    expectWellFormed(back);
    const backIds = (back.messages as Any[]).flatMap((m) =>
      Array.isArray(m.content) ? m.content.filter((b: Any) => b.type === 'tool_use').map((b: Any) => b.id) : [],
    );
    expect(backIds[0]).toBe(anthropicId);
    expect(backIds[1]).toMatch(/^toolu_[0-9a-f]{24}$/);
  });
});

describe('agentlog run: approval and the terminal', () => {
  it('asks a person for the calls --approve names (core ask): a no is a refused result, a yes runs it; --approve all asks for reads too', async () => {
    const { dir, ws, name } = await fresh();
    const s = await server([
      [
        { tool: 'write_file', input: { path: 'yes.txt', content: 'y' } },
        { tool: 'write_file', input: { path: 'no.txt', content: 'n' } },
        { tool: 'read_file', input: { path: 'yes.txt' } },
      ],
      [{ text: 'ok' }],
    ]);
    const asked: string[] = [];
    const store = Store.open(path.join(dir, '.agentlog'));
    const r = await runAgent({
      store,
      name,
      prompt: 'go',
      model: 'claude-test',
      endpoint: s.url,
      workspace: ws,
      env: ENV,
      approve: 'all',
      ask: async (call) => {
        asked.push(`${call.name} ${String(call.input.path)}`);
        return call.input.path !== 'no.txt';
      },
    });
    expect(r.reason).toBe('done');
    expect(asked).toEqual(['write_file yes.txt', 'write_file no.txt', 'read_file yes.txt']);
    const results = lastResults(s.mainRequests()[1]);
    expect(results[0].content).toBe('wrote 1 bytes to yes.txt');
    expect(results[1]).toMatchObject({ is_error: true, content: 'refused: the user did not approve this write_file call' });
    expect(fs.existsSync(path.join(ws, 'no.txt'))).toBe(false);
  });

  it('prints the streamed text and one line per tool step; --prompt - reads the prompt from standard input', async () => {
    const { dir, ws, name } = await fresh();
    const s = await server([[{ text: 'Looking around.' }, { tool: 'list_files', input: {} }], [{ text: 'Nothing here.' }]]);
    const r = await cli(dir, ['run', name, '--endpoint', s.url, '--model', 'claude-test', '--workspace', ws, '--prompt', '-'], {
      env: ENV,
      stdin: 'what is here?\n',
    });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(['model: claude-test (anthropic)', 'Looking around.', '→ list_files {}', '← (no files match)', 'Nothing here.', ''].join('\n'));
    expect(r.err).toBe('turn ended: 2 model call(s), 5 event(s) appended\n');
    expect(s.mainRequests()[0].body.messages[0].content).toEqual([{ type: 'text', text: 'what is here?\n' }]);
  });

  it('rejects bad options and a timeline with nothing to answer, with a clear message', async () => {
    const { dir, ws, name } = await fresh();
    expect((await run(dir, [name, '--approve', 'sometimes'])).err).toMatch(/--approve must be never, writes or all/);
    expect((await run(dir, [name, '--api', 'gemini'])).err).toMatch(/--api must be anthropic, openai or responses/);
    expect((await run(dir, ['nope', '--model', 'm', '--workspace', ws])).err).toMatch(/no timeline named nope/);
    expect((await run(dir, [name, '--workspace', ws])).err).toMatch(/which model\? give --model/);
    expect((await run(dir, [name, '--model', 'claude-test'])).err).toMatch(/give --workspace DIR/);
    const r = await run(dir, [name, '--model', 'claude-test', '--workspace', ws]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/has no message to answer: give a prompt/);
  });
});
