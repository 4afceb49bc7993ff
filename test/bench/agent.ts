/**
 * The agent loop's own cost per step (bench.ts calls benchAgent): `agentlog run`'s core over a session
 * that grows by one model answer with a tool call and one tool result per step, against the scripted
 * model server on 127.0.0.1. The run reports the time spent in model calls and in tools; what is left
 * (reading the log again, folding it into the context, recording the effects, the two appends) is the
 * loop's overhead, compared with the two appends of the same events alone, measured in the same run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAgent } from '../../core/agent/index.js';
import { Store } from '../../core/store/store.js';
import { startModelServer, type Turn } from '../helpers/model-server.js';

export async function benchAgent(o: { dir: string; steps?: number; log?: (s: string) => void }): Promise<Record<string, number>> {
  const steps = o.steps ?? 200;
  const root = path.join(o.dir, 'agent-bench');
  const ws = path.join(root, 'ws');
  fs.mkdirSync(ws, { recursive: true });
  fs.writeFileSync(path.join(ws, 'a.txt'), 'a small file\n');
  const turns: Turn[] = [];
  for (let i = 0; i < steps; i++) turns.push([{ text: `step ${i}` }, { tool: 'read_file', input: { path: 'a.txt' } }]);
  turns.push([{ text: 'done' }]);
  const model = await startModelServer({ turns });
  try {
    const { store } = Store.init(path.join(root, 'store'));
    await store.create('agent', { kind: 'session', title: 'bench', cwd: ws });
    o.log?.(`agent loop: ${steps} steps (a model answer with a tool call, a tool result) …`);
    const r = await runAgent({
      store,
      name: 'agent',
      prompt: 'go',
      model: 'claude-bench',
      endpoint: model.url,
      workspace: ws,
      approve: 'never',
      maxSteps: steps + 1,
    });
    const events = store.readEvents(store.tipOf('agent')!);
    // The same events appended alone, to a timeline of their own: the baseline.
    await store.create('baseline', { kind: 'session', title: 'bench', cwd: ws });
    const inputs = events.slice(1).map((e) => {
      const { v: _v, seq: _s, prev: _p, ...input } = e.event;
      return input;
    });
    const t = performance.now();
    for (const input of inputs) await store.append('baseline', input);
    const appendMs = performance.now() - t;
    const perEventAppend = appendMs / inputs.length;
    const own = r.ms.total - r.ms.model - r.ms.tools;
    const perStep = own / r.steps;
    const appendsPerStep = (r.appended - 2) / r.steps; // the model event and the prompt are appended once
    const figures = {
      agent_steps: r.steps,
      agent_loop_overhead_per_step_ms: Math.round(perStep * 100) / 100,
      agent_append_alone_per_step_ms: Math.round(perEventAppend * appendsPerStep * 100) / 100,
      agent_overhead_vs_append: Math.round((perStep / (perEventAppend * appendsPerStep)) * 100) / 100,
      agent_model_per_step_ms: Math.round((r.ms.model / r.steps) * 100) / 100,
    };
    o.log?.(
      `agent loop       ${figures.agent_loop_overhead_per_step_ms} ms of its own per step (fold of the whole log, effects, 2 appends) vs the 2 appends alone ${figures.agent_append_alone_per_step_ms} ms   ratio ${figures.agent_overhead_vs_append} (over ${steps} steps, the log growing to ${events.length} events; the model server took ${figures.agent_model_per_step_ms} ms a step)`,
    );
    return figures;
  } finally {
    await model.close();
  }
}
