import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../core/index.js';
import { cli, cliOk } from '../helpers/cli.js';
import { type ModelServer, startModelServer, type Turn } from '../helpers/model-server.js';
import { tmpdir } from '../helpers/tmp.js';

// `kill -9` of the real `agentlog run` (the compiled CLI, a child process) at random instants over many
// rounds: while the answer streams (the server is slow on purpose), while a shell tool runs, between a
// tool's end and its result's append. Then `run` again, until the turn ends. The model answers from its
// context (step k = the number of assistant messages it was sent), so an answer asked again is the same.

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cli/bin/agentlog.js');
const STEPS = Number(process.env.AGENTLOG_KILL_STEPS ?? 12);
const ROUNDS = Number(process.env.AGENTLOG_KILL_ROUNDS ?? 30);

// biome-ignore lint/suspicious/noExplicitAny: request bodies
type Any = any;

/** Step k of the scripted agent: a shell command that logs its execution, a write, a read. */
function turnFor(body: Any): Turn {
  const k = (body.messages as Any[]).filter((m) => m.role === 'assistant').length;
  if (k >= STEPS) return [{ text: 'all steps done' }];
  return [
    { text: `step ${k}` },
    { tool: 'shell', input: { command: `echo ${k} >> exec.log; sleep 0.05` } },
    { tool: 'write_file', input: { path: `f${k}.txt`, content: `v${k}\n` } },
    { tool: 'read_file', input: { path: `f${k}.txt` } },
  ];
}

/** A small deterministic generator (the rounds are the same on every run of the test). */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Round {
  code: number | null;
  signal: string | null;
  acked: string[];
  err: string;
}

function runOnce(dir: string, args: string[], killAfterMs?: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'run', ...args, '--json'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AGENTLOG_API_KEY: 'k', AGENTLOG_RETRY_MS: '5' },
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // Only whole lines are acknowledged events (a line cut by the kill was not yet printed whole).
      const lines = out.split('\n').slice(0, -1);
      resolve({ code, signal, err, acked: lines.map((l) => (JSON.parse(l) as Any).cid['/'] as string) });
    });
  });
}

let model: ModelServer | undefined;
afterAll(async () => model?.close());

describe('agentlog run under kill -9', () => {
  it('killed at random instants and run again until the turn ends: no tool call executed twice, every acknowledged event kept, verify clean', async () => {
    model = await startModelServer({ answer: (body) => turnFor(body), delayMs: 4 });
    const dir = tmpdir();
    await cliOk(dir, ['init']);
    const name = (await cliOk(dir, ['new', '--title', 'killed'])).out.trim().split('\n').pop()!;
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(ws);
    await cliOk(dir, ['append', name, '--role', 'user', '--text', 'do the steps']);
    const base = ['--endpoint', model.url, '--model', 'claude-test', '--workspace', ws, '--approve', 'never'];
    const random = prng(20261203);
    const acked = new Set<string>();
    let rounds = 0;
    let ended = false;
    const landed = { streaming: 0, tools: 0 };
    for (let i = 0; i < ROUNDS && !ended; i++) {
      const r = await runOnce(dir, [name, ...base], 350 + Math.floor(random() * 900));
      for (const cid of r.acked) acked.add(cid);
      if (r.signal === 'SIGKILL') {
        rounds++;
        const store = Store.open(path.join(dir, '.agentlog'));
        const events = store.readEvents(store.tipOf(name)!);
        const last = events[events.length - 1].event;
        if (last.role === 'assistant' && (last.content as Any[]).some((b) => b.type === 'tool_use')) landed.tools++;
        else if (last.role === 'user' && (last.content as Any[]).some((b) => b.type === 'tool_result')) {
          // A result appended: the kill came during the next tool, or while the next answer streamed.
          const pending = (await import('../../core/agent/context.js')).pendingCalls(events);
          if (pending.length) landed.tools++;
          else landed.streaming++;
        } else landed.streaming++;
      } else {
        expect(r.code, r.err).toBe(0);
        ended = true;
      }
    }
    // Then run until the turn ends (a run that is not killed ends it).
    for (let i = 0; !ended && i < 5; i++) {
      const r = await runOnce(dir, [name, ...base]);
      for (const cid of r.acked) acked.add(cid);
      expect(r.code, r.err).toBe(0);
      ended = true;
    }
    expect(ended).toBe(true);

    const store = Store.open(path.join(dir, '.agentlog'));
    const events = store.readEvents(store.tipOf(name)!);
    const cids = new Set(events.map((e) => e.cid.toString()));
    for (const cid of acked) expect(cids.has(cid), `acknowledged event ${cid} kept`).toBe(true);

    // Each tool call has exactly one result; a shell command ran at most once (exec.log holds its step once).
    const calls = new Map<string, string>();
    const results = new Map<string, Any[]>();
    for (const e of events) {
      for (const b of (e.event.content ?? []) as Any[]) {
        if (b.type === 'tool_use') calls.set(b.id, b.name);
        if (b.type === 'tool_result') results.set(b.tool_use_id, [...(results.get(b.tool_use_id) ?? []), { ...b, recovery: e.event.recovery }]);
      }
    }
    for (const id of calls.keys()) expect(results.get(id), `one result for ${id}`).toHaveLength(1);
    const executed = fs.readFileSync(path.join(ws, 'exec.log'), 'utf8').trim().split('\n');
    const duplicates = executed.length - new Set(executed).size;
    expect(duplicates).toBe(0);
    for (let k = 0; k < STEPS; k++) expect(fs.readFileSync(path.join(ws, `f${k}.txt`), 'utf8')).toBe(`v${k}\n`);
    const answers = events.filter((e) => e.event.role === 'assistant');
    expect(answers).toHaveLength(STEPS + 1);
    expect((answers[STEPS].event.content as Any[])[0].text).toBe('all steps done');
    const recovered = [...results.values()].flat().filter((b) => b.recovery);
    const interrupted = recovered.filter((b) => b.recovery === 'interrupted').length;
    // An interrupted shell call whose step is in exec.log had run (or started) when the kill came: the
    // kill fell between the tool's start or end and its result's append.
    const stepOf = new Map<string, number>();
    for (const e of events) {
      for (const b of (e.event.content ?? []) as Any[])
        if (b.type === 'tool_use' && b.name === 'shell') stepOf.set(b.id, Number(/^echo (\d+)/.exec(b.input.command)?.[1]));
    }
    let ranThenKilled = 0;
    for (const [id, k] of stepOf) if (results.get(id)![0].recovery === 'interrupted' && executed.includes(String(k))) ranThenKilled++;
    // A shell step whose result is not `interrupted:` ran exactly once: it is in exec.log.
    for (const [id, name] of calls) {
      const r = results.get(id)![0];
      if (name === 'shell' && r.recovery !== 'interrupted') expect(r.content).toMatch(/^exit code 0/);
    }
    expect((await cli(dir, ['verify', name])).code).toBe(0);
    console.log(
      `[kill -9] ${rounds} rounds killed (${landed.streaming} while calling the model, ${landed.tools} with tool calls open), ` +
        `${recovered.length} calls recovered (${interrupted} interrupted, ${recovered.filter((b) => b.recovery === 'done').length} writes found done, ` +
        `${recovered.filter((b) => b.recovery === 'not-run-yet').length} writes run once, ${recovered.filter((b) => b.recovery === 'rerun').length} reads rerun), ` +
        `${ranThenKilled} interrupted shell calls had run before their result was appended, ` +
        `${executed.length} shell executions for ${STEPS} steps, duplicates: ${duplicates}, ${acked.size} acknowledged events all kept`,
    );
    expect(rounds).toBeGreaterThan(5);
  }, 300_000);
});
