/**
 * AgentlogSaver against LangGraph's own SQLite saver (@langchain/langgraph-checkpoint-sqlite, on a file) on the
 * same graph in the same run (test/bench/bench.ts calls benchLangGraph; `tsx test/langgraph/bench.ts [STEPS]` runs it alone):
 * a StateGraph looping STEPS steps (default 1,000) over three channels — a counter and a short note that
 * change every step, a 10 KB context set once — with durability 'sync'. Timed inside each saver: put and
 * putWrites per step while the graph runs; getTuple of every checkpoint by id afterwards; and list() of the whole
 * 1,000-checkpoint thread. Ratios are AgentlogSaver / SQLite (lower is better for AgentlogSaver).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BaseCheckpointSaver, CheckpointTuple } from '@langchain/langgraph-checkpoint';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { AgentlogSaver } from '../../packages/langgraph/src/index.js';

const State = Annotation.Root({
  n: Annotation<number>(),
  note: Annotation<string>(),
  context: Annotation<string>(),
});

/** Time spent inside a saver's methods, by method. */
function timed<T extends BaseCheckpointSaver>(saver: T, spent: Record<string, number>): T {
  for (const name of ['put', 'putWrites', 'getTuple'] as const) {
    const original = (saver[name] as (...a: unknown[]) => Promise<unknown>).bind(saver);
    (saver as unknown as Record<string, unknown>)[name] = async (...a: unknown[]) => {
      const t = performance.now();
      try {
        return await original(...a);
      } finally {
        spent[name] = (spent[name] ?? 0) + performance.now() - t;
      }
    };
  }
  return saver;
}

async function run(saver: BaseCheckpointSaver, steps: number) {
  const spent: Record<string, number> = {};
  const graph = new StateGraph(State)
    .addNode('step', (s) => ({ n: s.n + 1, note: `step ${s.n + 1} of ${steps}` }))
    .addEdge(START, 'step')
    .addConditionalEdges('step', (s) => (s.n < steps ? 'step' : END))
    .compile({ checkpointer: timed(saver, spent) });
  const config = { configurable: { thread_id: 'bench' }, durability: 'sync' as const, recursionLimit: steps + 10 };
  const t0 = performance.now();
  const out = await graph.invoke({ n: 0, note: '', context: 'x'.repeat(10_000) }, config);
  const run_ms = performance.now() - t0;
  if (out.n !== steps) throw new Error(`the graph stopped at ${out.n}`);
  const writeMs = (spent.put ?? 0) + (spent.putWrites ?? 0);
  const ids: string[] = [];
  let t = performance.now();
  for await (const tuple of saver.list({ configurable: { thread_id: 'bench' } })) ids.push(tuple.config.configurable?.checkpoint_id);
  const list_ms = performance.now() - t;
  t = performance.now();
  for (const id of ids)
    if (!(await saver.getTuple({ configurable: { thread_id: 'bench', checkpoint_ns: '', checkpoint_id: id } }))) throw new Error(`no ${id}`);
  const get_ms = performance.now() - t;
  return { checkpoints: ids.length, run_ms, put_ms_per_step: writeMs / ids.length, get_ms_per_step: get_ms / ids.length, list_ms };
}

/**
 * put then getTuple of each checkpoint of `tuples` (oldest first) on a new thread of `saver`, one after the other
 * (what a graph does per step, without the graph): ms per step.
 */
async function replay(saver: BaseCheckpointSaver, tuples: CheckpointTuple[], thread: string): Promise<number> {
  let parent: Record<string, unknown> = { thread_id: thread, checkpoint_ns: '' };
  let versions: Record<string, unknown> = {};
  const t = performance.now();
  for (const tuple of tuples) {
    const cv = tuple.checkpoint.channel_versions;
    const changed = Object.fromEntries(Object.entries(cv).filter(([k, v]) => versions[k] !== v));
    versions = cv;
    const config = await saver.put({ configurable: parent }, tuple.checkpoint, tuple.metadata!, changed);
    const back = await saver.getTuple(config);
    if (back?.checkpoint.id !== tuple.checkpoint.id) throw new Error('put then getTuple gave another checkpoint');
    parent = config.configurable!;
  }
  return (performance.now() - t) / tuples.length;
}

export async function benchLangGraph(o: { dir: string; steps?: number; log?: (s: string) => void }): Promise<Record<string, number>> {
  const steps = o.steps ?? 1000;
  const root = path.join(o.dir, 'langgraph-bench');
  fs.mkdirSync(root, { recursive: true });
  o.log?.(`langgraph: a ${steps}-step StateGraph on AgentlogSaver and on the SQLite saver …`);
  const sqlite = SqliteSaver.fromConnString(path.join(root, 'checkpoints.sqlite'));
  const agentlog = new AgentlogSaver({ store: path.join(root, 'store') });
  const base = await run(sqlite, steps);
  const ours = await run(agentlog, steps);
  const tuples: CheckpointTuple[] = [];
  for await (const tuple of sqlite.list({ configurable: { thread_id: 'bench' } })) tuples.unshift(tuple);
  const replayBase = await replay(sqlite, tuples, 'replay');
  const replayOurs = await replay(agentlog, tuples, 'replay');
  const r = (x: number) => Math.round(x * 100) / 100;
  const figures = {
    langgraph_checkpoints: ours.checkpoints,
    langgraph_put_get_ms_per_step: r(replayOurs),
    langgraph_sqlite_put_get_ms_per_step: r(replayBase),
    langgraph_put_get_vs_sqlite: r(replayOurs / replayBase),
    langgraph_put_ms_per_step: r(ours.put_ms_per_step),
    langgraph_sqlite_put_ms_per_step: r(base.put_ms_per_step),
    langgraph_put_vs_sqlite: r(ours.put_ms_per_step / base.put_ms_per_step),
    langgraph_get_ms_per_step: r(ours.get_ms_per_step),
    langgraph_sqlite_get_ms_per_step: r(base.get_ms_per_step),
    langgraph_get_vs_sqlite: r(ours.get_ms_per_step / base.get_ms_per_step),
    langgraph_list_1000_ms: Math.round(ours.list_ms),
    langgraph_sqlite_list_1000_ms: Math.round(base.list_ms),
    langgraph_list_vs_sqlite: r(ours.list_ms / base.list_ms),
    langgraph_run_vs_sqlite: r(ours.run_ms / base.run_ms),
  };
  o.log?.(
    [
      `langgraph        put+getTuple ${figures.langgraph_put_get_ms_per_step} ms/step vs SQLite ${figures.langgraph_sqlite_put_get_ms_per_step}   ratio ${figures.langgraph_put_get_vs_sqlite}`,
      `                 inside the graph's run, put+putWrites ${figures.langgraph_put_ms_per_step} ms/step vs SQLite ${figures.langgraph_sqlite_put_ms_per_step}   ratio ${figures.langgraph_put_vs_sqlite} (overlapping calls summed)`,
      `                 getTuple ${figures.langgraph_get_ms_per_step} ms/checkpoint vs SQLite ${figures.langgraph_sqlite_get_ms_per_step}   ratio ${figures.langgraph_get_vs_sqlite}`,
      `                 list() of ${ours.checkpoints} checkpoints ${figures.langgraph_list_1000_ms} ms vs SQLite ${figures.langgraph_sqlite_list_1000_ms}   ratio ${figures.langgraph_list_vs_sqlite}`,
      `                 the whole ${steps}-step run: ratio ${figures.langgraph_run_vs_sqlite}`,
    ].join('\n'),
  );
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = fs.mkdtempSync(path.join(path.resolve('.bench'), 'langgraph-'));
  try {
    console.log(JSON.stringify(await benchLangGraph({ dir, steps: Number(process.argv[2]) || 1000, log: (s) => process.stderr.write(`${s}\n`) }), null, 2));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
