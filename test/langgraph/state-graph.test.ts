/**
 * A real LangGraph StateGraph (graph.ts: a scripted chat model, an interrupt) on AgentlogSaver, end to end:
 * run in a child process up to the interrupt, answered, killed with -9 in the middle of the next node,
 * resumed here from its last checkpoint, time-travelled to an earlier checkpoint and forked with
 * updateState; then read with `agentlog ls`/`show`, verified, pushed through a real git HTTP server and
 * cloned into another store, where the same state reads back.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HumanMessage } from '@langchain/core/messages';
import { describe, expect, it } from 'vitest';
import { AgentlogSaver } from '../../packages/langgraph/src/index.js';
import { cli, cliOk } from '../helpers/cli.js';
import { ENV } from '../helpers/sync.js';
import { git, tmpdir } from '../helpers/tmp.js';
import { useGitHttpServer } from '../helpers/use-git-http-server.js';
import { buildGraph } from './graph.js';

const ROOT = path.resolve('.');
const CHILD = path.resolve('test/langgraph/graph-child.ts');

/** Resolves when `file` exists; rejects when the child exits first (its stderr named). */
function whenWritten(child: ChildProcess, file: string, stderr: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (fs.existsSync(file)) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    child.once('exit', (code, signal) => {
      clearInterval(timer);
      if (!fs.existsSync(file)) reject(new Error(`the graph's process ended (${code ?? signal}) before it reached work: ${stderr()}`));
    });
  });
}

const texts = (messages: Array<{ content: unknown }>) => messages.map((m) => String(m.content));

describe('AgentlogSaver under a real StateGraph', () => {
  const server = useGitHttpServer();

  it('a run killed with -9 resumes from its last checkpoint, time-travels, forks, verifies and moves with push/clone', async () => {
    const dir = path.join(tmpdir('agentlog-langgraph-'), 'store');
    const marker = path.join(path.dirname(dir), 'in-work');
    const thread = 'support-42';
    const config = { configurable: { thread_id: thread } };

    // 1. The child (durability 'sync') runs plan, stops at the interrupt, is answered, starts work and is killed there.
    let stderr = '';
    // node itself with tsx's loader, not the tsx command: that one runs the script in a child process of its own,
    // which a kill -9 of the command would leave running.
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, thread, marker], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d) => {
      stderr += String(d);
    });
    await whenWritten(child, marker, () => stderr);
    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    expect(Number(fs.readFileSync(marker, 'utf8'))).toBe(child.pid); // the graph runs in the process killed
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    // 2. Resumed in this process: the last checkpoint is the one before work; plan and review do not run again.
    const saver = new AgentlogSaver({ store: dir });
    const graph = buildGraph(saver, { answers: ['done: 3 files', 'done again: 4 files'] });
    const before = await graph.getState(config);
    expect(before.next).toEqual(['work']);
    expect(texts(before.values.messages)).toEqual(['hello', 'plan: count the files', 'yes']);
    const done = await graph.invoke(null, config);
    expect(done.steps).toEqual(['plan', 'review', 'work', 'answer']);
    expect(texts(done.messages)).toEqual(['hello', 'plan: count the files', 'yes', 'worked', 'done: 3 files']);

    // 3. Time travel: the checkpoint where work was next, changed by updateState, run again from there: a fork.
    const history = [];
    for await (const snapshot of graph.getStateHistory(config)) history.push(snapshot);
    const atWork = history.find((s) => s.next.length === 1 && s.next[0] === 'work')!;
    const forked = await graph.updateState(atWork.config, { messages: [new HumanMessage('only count .ts files')] });
    const again = await graph.invoke(null, forked);
    expect(texts(again.messages)).toEqual(['hello', 'plan: count the files', 'yes', 'only count .ts files', 'worked', 'done again: 4 files']);
    expect(git(dir, ['for-each-ref', '--format=%(refname:short)', 'refs/heads/langgraph/']).trim().split('\n')).toEqual([
      'langgraph/support-42/fork-1',
      'langgraph/support-42/main',
    ]);
    // The newest state of the thread is the fork's; the main timeline still ends with the first answer.
    expect(texts((await graph.getState(config)).values.messages).at(-1)).toBe('done again: 4 files');
    const mainTip = (await saver.getTuple({ configurable: { thread_id: thread, checkpoint_id: history[0].config.configurable?.checkpoint_id } }))!;
    expect(texts(mainTip.checkpoint.channel_values.messages as Array<{ content: unknown }>).at(-1)).toBe('done: 3 files');

    // 4. The store as people and git see it.
    const ls = await cliOk(dir, ['ls']);
    expect(ls.out).toContain('langgraph/support-42/main');
    expect(ls.out).toContain('langgraph/support-42/fork-1');
    const log = await cliOk(dir, ['log', 'langgraph/support-42/main']);
    expect(log.out).toContain('checkpoint step');
    expect(log.out).toContain('writes of');
    const show = await cliOk(dir, ['show', 'langgraph/support-42/fork-1']);
    expect(show.out).toContain('LangGraph thread support-42');
    expect(show.out).toContain('langgraph.checkpoint');
    for (const name of ['langgraph/support-42/main', 'langgraph/support-42/fork-1']) expect((await cli(dir, ['verify', name])).code).toBe(0);
    git(dir, ['fsck', '--no-progress']);

    // 5. Pushed, cloned into another store, read there by another saver: the same state, fork included.
    const url = server.bare('langgraph.git');
    await cliOk(dir, ['remote', 'add', 'origin', url], { env: ENV });
    await cliOk(dir, ['push'], { env: ENV });
    const elsewhere = path.join(tmpdir('agentlog-langgraph-clone-'), 'store');
    await cliOk(path.dirname(elsewhere), ['clone', url, elsewhere], { env: ENV });
    const there = buildGraph(new AgentlogSaver({ store: elsewhere }), { answers: [] });
    expect((await there.getState(config)).values).toEqual((await graph.getState(config)).values);
    const thereHistory = [];
    for await (const snapshot of there.getStateHistory(config)) thereHistory.push(snapshot.config.configurable?.checkpoint_id);
    expect(thereHistory).toEqual(await allIds(graph, config));
    expect(thereHistory.length).toBeGreaterThan(history.length);
  });
});

async function allIds(graph: ReturnType<typeof buildGraph>, config: { configurable: { thread_id: string } }): Promise<unknown[]> {
  const out = [];
  for await (const snapshot of graph.getStateHistory(config)) out.push(snapshot.config.configurable?.checkpoint_id);
  return out;
}
