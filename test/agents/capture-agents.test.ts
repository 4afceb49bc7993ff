import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFiles, Store } from '../../core/index.js';
import { claudePrint, codexExec, machine, sessionFiles, type Machine } from '../helpers/agents.js';
import { cliOk } from '../helpers/cli.js';
import { startModelServer, type ModelServer } from '../helpers/model-server.js';
import { tmpdir } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';

/**
 * Capture with the real agents: `agentlog capture install` sets up the agent's own hook, then a real
 * `claude -p` / `codex exec` run leaves its session in the store with no other command. The hook is
 * this checkout's CLI (cli/bin/agentlog.js over dist/, built by `npm run test:agents`).
 */
describe('capture with the real agents', () => {
  let model: ModelServer;
  beforeAll(async () => {
    model = await startModelServer();
  });
  afterAll(() => model.close());

  /** A machine with a store in its project, capture installed for `agent`. */
  async function withCapture(agent: 'claude' | 'codex', scope: '--user' | '--project' = '--user'): Promise<{ m: Machine; store: string }> {
    const m = machine(model.url, `capture-${agent}`);
    await cliOk(m.project, ['init'], { env: m.env });
    const r = await cliOk(m.project, ['capture', 'install', agent, scope], { env: m.env });
    expect(r.err).toMatch(/^changed /);
    return { m, store: path.join(m.project, '.agentlog') };
  }

  /** What importing the session files by hand gives, in a fresh store: the captured store must hold the same. */
  async function byHand(agent: 'claude' | 'codex', files: string[]): Promise<Map<string, string>> {
    const fresh = Store.init(tmpdir('by-hand-')).store;
    await importFiles(fresh, agent, files);
    return new Map(fresh.timelines());
  }

  it('claude -p with capture installed (project settings): the session is in the store, two turns, no other command', async () => {
    const { m, store } = await withCapture('claude', '--project');
    model.script([[{ text: 'First answer.' }]]);
    const { sessionId } = await claudePrint(m, 'first prompt, captured');
    const file = sessionFiles(m).claude.find((f) => f.endsWith(`${sessionId}.jsonl`))!;
    expect(file).toBeDefined();
    const s = Store.open(store);
    const name = `claude/${sessionId}`;
    expect(
      s.tipOf(name),
      fs.existsSync(path.join(s.gitDir, 'agentlog/capture.log')) ? fs.readFileSync(path.join(s.gitDir, 'agentlog/capture.log'), 'utf8') : 'no capture log',
    ).toBeDefined();
    expect(new Map(s.timelines())).toEqual(await byHand('claude', [file]));
    // The next turn: the hook appends only what it added.
    model.script([[{ text: 'Second answer.' }]]);
    await claudePrint(m, 'second prompt, captured', ['--resume', sessionId]);
    const again = Store.open(store);
    expect(new Map(again.timelines())).toEqual(await byHand('claude', [file]));
    expect(fs.readFileSync(path.join(again.gitDir, 'agentlog/capture.log'), 'utf8')).toMatch(/claude: incremental: \+\d+ event\(s\)/);
    // Claude's own --fork-session: the new session is captured as a fork of the timeline it left.
    model.script([[{ text: 'Forked answer.' }]]);
    const { sessionId: forkId } = await claudePrint(m, 'forked prompt, captured', ['--resume', sessionId, '--fork-session']);
    const forkFile = sessionFiles(m).claude.find((f) => f.endsWith(`${forkId}.jsonl`))!;
    const forked = Store.open(store);
    expect(forked.forkRecords()[`claude/${forkId}`]).toBe(name);
    expect(new Map(forked.timelines())).toEqual(await byHand('claude', [file, forkFile]));
    // A turn on the fork: captured from where the fork's file stood, not imported whole again.
    model.script([[{ text: 'Fork goes on.' }]]);
    await claudePrint(m, 'fork turn two', ['--resume', forkId]);
    expect(new Map(Store.open(store).timelines())).toEqual(await byHand('claude', [file, forkFile]));
    const forkLog = fs
      .readFileSync(path.join(forked.gitDir, 'agentlog/capture.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes(forkId));
    expect(forkLog[forkLog.length - 1]).toMatch(/incremental: \+[1-9]\d* event\(s\)/);
  });

  it('codex exec with capture installed: the session is in the store after the turn, no other command', async () => {
    const { m, store } = await withCapture('codex');
    model.script([[{ text: 'Codex answer.' }]]);
    const { sessionId } = await codexExec(m, 'a prompt for codex, captured');
    const file = sessionFiles(m).codex.find((f) => f.endsWith(`${sessionId}.jsonl`))!;
    // Codex starts its notify program and does not wait for it: the capture may end after codex exec.
    const expected = await byHand('codex', [file]);
    await until(() => JSON.stringify([...Store.open(store).timelines()]) === JSON.stringify([...expected]), 20_000).catch(() => {});
    const s = Store.open(store);
    const log = path.join(s.gitDir, 'agentlog/capture.log');
    expect(s.tipOf(`codex/${sessionId}`), fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : 'no capture log').toBeDefined();
    expect(new Map(s.timelines())).toEqual(expected);
    // The next turn (codex exec resume): the hook appends only what the rollout gained.
    model.script([[{ text: 'Second codex answer.' }]]);
    await codexExec(m, 'second prompt for codex', ['resume', sessionId]);
    const next = await byHand('codex', [file]);
    expect(next).not.toEqual(expected);
    await until(() => JSON.stringify([...Store.open(store).timelines()]) === JSON.stringify([...next]), 20_000).catch(() => {});
    expect(new Map(Store.open(store).timelines())).toEqual(next);
    // The hook writes its log line after it moved the timeline: wait for it too (a CI run read the log in between).
    const incremental = /codex: incremental: \+\d+ event\(s\)/;
    await until(() => incremental.test(fs.readFileSync(log, 'utf8')), 20_000).catch(() => {});
    expect(fs.readFileSync(log, 'utf8')).toMatch(incremental);
  });
});
