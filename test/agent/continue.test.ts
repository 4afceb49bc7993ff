import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Store } from '../../core/index.js';
import { cli, cliOk } from '../helpers/cli.js';
import { sharedFixtures } from '../helpers/shared.js';
import { ENV as SYNC_ENV } from '../helpers/sync.js';
import { freshAgent, modelServers, RUN_ENV } from '../helpers/run-agent.js';
import { tmpdir } from '../helpers/tmp.js';
import { useGitHttpServer } from '../helpers/use-git-http-server.js';

// Steering from a second process, an interrupt event, Ctrl-C; sessions imported from Claude Code and
// Codex continued with tools; two forks run at once; a store made by `agentlog clone` continued and
// pushed back through the real git HTTP server.

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cli/bin/agentlog.js');
const ENV = RUN_ENV;

// biome-ignore lint/suspicious/noExplicitAny: request bodies and event content are checked by shape
type Any = any;

const server = modelServers();

const fresh = freshAgent;

function events(dir: string, name: string) {
  const store = Store.open(path.join(dir, '.agentlog'));
  return store.readEvents(store.tipOf(name)!).map((e) => e.event);
}

/** The real CLI in a child process (a second process); resolves with its exit code and output. `live` sees its output as it comes. */
function agentlog(
  dir: string,
  args: string[],
  input?: string,
  live?: { pid?: number; err?: string },
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...ENV } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
      if (live) live.err = err;
    });
    child.stdin.end(input ?? '');
    if (live) live.pid = child.pid;
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** A shell command that says it started (a file) and waits for the test to let it go (another file): no race on time. */
const gated = (then = '') => `touch started; while [ ! -f go ]; do sleep 0.02; done${then ? `; ${then}` : ''}`;
const started = (ws: string) => () => fs.existsSync(path.join(ws, 'started'));
const letGo = (ws: string) => fs.writeFileSync(path.join(ws, 'go'), '');

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}

/** Every tool call answered first in the next message, roles alternating, user first. */
function expectWellFormed(body: Any): void {
  const msgs = body.messages as Any[];
  expect(msgs[0].role).toBe('user');
  for (let i = 0; i < msgs.length; i++) {
    if (i) expect(msgs[i].role).not.toBe(msgs[i - 1].role);
    const calls = Array.isArray(msgs[i].content) ? msgs[i].content.filter((b: Any) => b.type === 'tool_use') : [];
    if (!calls.length) continue;
    expect((msgs[i + 1].content as Any[]).slice(0, calls.length).map((b) => b.tool_use_id)).toEqual(calls.map((c: Any) => c.id));
  }
}

describe('agentlog run: steering', () => {
  it('a user message appended by another process while a tool runs reaches the model at the next step', async () => {
    const { dir, ws, name } = await fresh();
    const s = await server([[{ tool: 'shell', input: { command: gated() } }], [{ text: 'ok, blue it is' }]]);
    const running = cli(dir, ['run', name, '--endpoint', s.url, '--model', 'claude-test', '--workspace', ws, '--approve', 'never', '--prompt', 'paint it'], {
      env: ENV,
    });
    await until(started(ws));
    const steer = await agentlog(dir, ['append', name, '--role', 'user', '--text', 'make it blue']);
    expect(steer.code, steer.err).toBe(0);
    letGo(ws);
    expect((await running).code).toBe(0);
    const second = s.mainRequests()[1].body;
    expectWellFormed(second);
    const last = second.messages[second.messages.length - 1].content as Any[];
    expect(last.map((b) => b.type)).toEqual(['tool_result', 'text']);
    expect(last[1].text).toBe('make it blue');
  });

  it('an interrupt event appended by another process stops the run after the current step, the log consistent', async () => {
    const { dir, ws, name } = await fresh();
    const s = await server([[{ tool: 'shell', input: { command: gated('echo slept') } }], [{ text: 'never asked' }]]);
    const running = cli(dir, ['run', name, '--endpoint', s.url, '--model', 'claude-test', '--workspace', ws, '--approve', 'never', '--prompt', 'wait'], {
      env: ENV,
    });
    await until(started(ws));
    const stop = await agentlog(dir, ['append', name, '--json', '-'], '{"kind":"interrupt"}\n');
    expect(stop.code, stop.err).toBe(0);
    letGo(ws);
    const r = await running;
    expect(r.code).toBe(130);
    expect(s.mainRequests()).toHaveLength(1);
    const ev = events(dir, name);
    const result = ev.find((e) => (e.content as Any[] | undefined)?.[0]?.type === 'tool_result')!;
    expect((result.content as Any[])[0].content).toMatch(/^exit code 0\nslept/);
    expect((await cli(dir, ['verify', name])).code).toBe(0);
    // Run again: it goes on (an interrupt before a run started does not stop it).
    expect((await cli(dir, ['run', name, '--endpoint', s.url, '--workspace', ws], { env: ENV })).code).toBe(0);
    expect(events(dir, name).at(-1)).toMatchObject({ role: 'assistant', content: [{ type: 'text', text: 'never asked' }] });
  });

  it('Ctrl-C (SIGINT) lets the running tool finish, answers the calls not yet run with "not run", records the interrupt, exits 130', async () => {
    const { dir, ws, name } = await fresh();
    const s = await server([
      [
        { tool: 'shell', input: { command: gated('echo finished') } },
        { tool: 'write_file', input: { path: 'w.txt', content: 'x' } },
      ],
    ]);
    const live: { pid?: number; err?: string } = {};
    const running = agentlog(
      dir,
      ['run', name, '--endpoint', s.url, '--model', 'claude-test', '--workspace', ws, '--approve', 'never', '--prompt', 'go'],
      undefined,
      live,
    );
    await until(started(ws));
    process.kill(live.pid!, 'SIGINT');
    await until(() => !!live.err?.includes('stopping after the current step'));
    letGo(ws);
    const r = await running;
    expect(r.code, r.err).toBe(130);
    expect(r.err).toContain('stopping after the current step');
    const ev = events(dir, name);
    const results = ev.flatMap((e) => ((e.content as Any[] | undefined) ?? []).filter((b) => b.type === 'tool_result'));
    expect(results.map((b) => b.content.split('\n')[0])).toEqual(['exit code 0', 'not run: the run was stopped before this tool ran']);
    expect(ev.at(-1)).toMatchObject({ kind: 'interrupt', reason: 'SIGINT' });
    expect(fs.existsSync(path.join(ws, 'w.txt'))).toBe(false);
    expect((await cli(dir, ['verify', name])).code).toBe(0);
  });
});

describe('agentlog run: any session continues', () => {
  const shared = sharedFixtures();

  it('two forks run at once, each on its own timeline', async () => {
    const { dir, ws, name } = await fresh();
    await cliOk(dir, ['append', name, '--role', 'user', '--text', 'start']);
    await cliOk(dir, ['fork', name, '--name', 'left']);
    await cliOk(dir, ['fork', name, '--name', 'right']);
    // The answer follows from the context: a tool call first, then text naming the fork's prompt.
    const s = await server([], {
      answer: (body) => {
        const msgs = body.messages as Any[];
        const last = msgs[msgs.length - 1].content as Any[];
        if (last.some((b) => b.type === 'tool_result')) return [{ text: `done with ${msgs[msgs.length - 3].content.at(-1).text}` }];
        return [{ tool: 'shell', input: { command: 'sleep 0.3' } }];
      },
    });
    const args = (fork: string) => ['run', fork, '--endpoint', s.url, '--model', 'claude-test', '--workspace', ws, '--approve', 'never', '--prompt', fork];
    const [l, r] = await Promise.all([agentlog(dir, args('left')), agentlog(dir, args('right'))]);
    expect(l.code, l.err).toBe(0);
    expect(r.code, r.err).toBe(0);
    expect(events(dir, 'left').at(-1)).toMatchObject({ content: [{ text: 'done with left' }] });
    expect(events(dir, 'right').at(-1)).toMatchObject({ content: [{ text: 'done with right' }] });
    expect(events(dir, name)).toHaveLength(2);
    for (const t of ['left', 'right']) expect((await cli(dir, ['verify', t])).code).toBe(0);
  });

  if (shared) {
    it('an imported Claude Code session continues with tools, its tool ids kept for Anthropic', async () => {
      const { dir, ws } = await fresh();
      await cliOk(dir, ['import', 'claude', path.join(shared, 'claude-code/spotter/short.jsonl')]);
      const name = 'claude/short';
      const s = await server([[{ tool: 'list_files', input: {} }], [{ text: 'continued' }]]);
      const r = await cli(dir, ['run', name, '--endpoint', s.url, '--model', 'claude-other', '--workspace', ws, '--prompt', 'go on'], { env: ENV });
      expect(r.code, r.err).toBe(0);
      const body = s.mainRequests()[0].body;
      expectWellFormed(body);
      const text = JSON.stringify(body.messages);
      expect(text).toContain('mix phx.server doesnt seem to start');
      const ids = (body.messages as Any[]).flatMap((m) => (m.content as Any[]).filter((b) => b.type === 'tool_use').map((b) => b.id));
      expect(ids).toEqual(['toolu_0116Hyi5v8ut7Ffb7d8qV1Sc', 'toolu_01FdQ8qTyVyZjE3Kw4dguQGx']);
      expect(events(dir, name).filter((e) => e.kind === 'model')).toMatchObject([{ api: 'anthropic', model: 'claude-other' }]);
      expect((await cli(dir, ['verify', name])).code).toBe(0);
    });

    it('an imported Codex session continues with tools under Anthropic (ids mapped) and under OpenAI (ids kept)', async () => {
      const { dir, ws } = await fresh();
      const file = 'rollout-2025-09-24T19-22-20-01997e76-d124-7592-9cac-2ec05abbca08.jsonl';
      await cliOk(dir, ['import', 'codex', path.join(shared, 'codex/agentcmd', file)]);
      const name = 'codex/01997e76-d124-7592-9cac-2ec05abbca08';
      const s = await server([[{ tool: 'grep', input: { pattern: 'x' } }], [{ text: 'one' }], [{ text: 'two' }]]);
      const a = await cli(dir, ['run', name, '--endpoint', s.url, '--model', 'claude-test', '--workspace', ws, '--prompt', 'go on'], { env: ENV });
      expect(a.code, a.err).toBe(0);
      const body = s.mainRequests()[0].body;
      expectWellFormed(body);
      const uses = (body.messages as Any[]).flatMap((m) => (Array.isArray(m.content) ? m.content : []).filter((b: Any) => b.type === 'tool_use'));
      expect(uses.length).toBeGreaterThan(10);
      for (const u of uses) expect(u.id).toMatch(/^toolu_[0-9a-f]{24}$/);
      expect(uses[0].name).toBe('shell');
      const b = await cli(dir, ['run', name, '--api', 'openai', '--endpoint', s.url, '--model', 'gpt-test', '--workspace', ws, '--prompt', 'and now'], {
        env: ENV,
      });
      expect(b.code, b.err).toBe(0);
      const msgs = s.mainRequests()[2].body.messages as Any[];
      const callIds = msgs.filter((m) => m.tool_calls).flatMap((m) => m.tool_calls.map((c: Any) => c.id));
      expect(callIds[0]).toBe('call_1mb2zpo3ma4hy4OjTDz9oNpC');
      const toolIds = new Set(msgs.filter((m) => m.role === 'tool').map((m) => m.tool_call_id));
      for (const id of callIds) expect(toolIds.has(id), id).toBe(true);
      expect((await cli(dir, ['verify', name])).code).toBe(0);
    });
  }
});

describe('agentlog run: on a cloned store', () => {
  const git = useGitHttpServer();

  it('a session pushed, cloned on another machine, continued there with tools, pushed back and pulled', async () => {
    const env = { ...SYNC_ENV, ...ENV };
    const { dir: a, ws, name } = await fresh();
    const s = await server([
      [{ tool: 'write_file', input: { path: 'a.txt', content: 'from a' } }],
      [{ text: 'a done' }],
      [{ tool: 'read_file', input: { path: 'a.txt' } }],
      [{ text: 'b done' }],
    ]);
    expect(
      (await cli(a, ['run', name, '--endpoint', s.url, '--model', 'claude-test', '--workspace', ws, '--approve', 'never', '--prompt', 'on a'], { env })).code,
    ).toBe(0);
    const url = git.bare('agent.git');
    await cliOk(a, ['remote', 'add', 'origin', url], { env });
    await cliOk(a, ['push'], { env });
    const b = tmpdir();
    await cliOk(b, ['clone', url, '.agentlog'], { env });
    const r = await cli(b, ['run', name, '--endpoint', s.url, '--workspace', ws, '--prompt', 'on b'], { env });
    expect(r.code, r.err).toBe(0);
    // The model on b saw a's whole turn, its tool call answered by its result.
    const body = s.mainRequests()[2].body;
    expectWellFormed(body);
    expect(JSON.stringify(body.messages)).toContain('wrote 6 bytes to a.txt');
    await cliOk(b, ['push'], { env });
    await cliOk(a, ['pull'], { env });
    expect(events(a, name).at(-1)).toMatchObject({ role: 'assistant', content: [{ text: 'b done' }] });
    expect((await cli(a, ['verify', name])).code).toBe(0);
  });
});
