import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportTimeline } from '../../core/export/index.js';
import { follow } from '../../core/import/follow.js';
import { importFiles } from '../../core/import/index.js';
import { cliOk } from '../helpers/cli.js';
import { freshStore, jsonLines, jsonlFiles, type Obj, OWN_FIXTURES } from '../helpers/sessions.js';
import { tmpdir } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';

// Claude Code 2.1 puts the agents of a Workflow run one level below the session's subagents:
// <id>/subagents/workflows/wf_<run>/agent-<agent id>.jsonl, with the run's journal.jsonl and each
// agent's agent-<agent id>.meta.json beside them.
const REAL = jsonlFiles(path.join(OWN_FIXTURES, 'agents/claude-code-2.1.332'))[0];
const ID = '8508e415-7387-4376-9c1e-2d5d6c8aa097';
const RUN = 'wf_7f3a9c21';

/** A workflow agent's records: its prompt and its answer, as Claude Code writes a subagent's. */
function agentRecords(agentId: string, prompt: string, answer: string): Obj[] {
  const base = { isSidechain: true, userType: 'external', cwd: '/tmp/formats-gen/proj', sessionId: ID, version: '2.1.332', agentId };
  const u1 = `${agentId}-0000-4000-8000-000000000001`;
  const u2 = `${agentId}-0000-4000-8000-000000000002`;
  return [
    { ...base, parentUuid: null, type: 'user', message: { role: 'user', content: prompt }, uuid: u1, timestamp: '2026-12-02T20:32:28.000Z' },
    {
      ...base,
      parentUuid: u1,
      type: 'assistant',
      message: { id: `msg_${agentId}`, type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: answer }] },
      uuid: u2,
      timestamp: '2026-12-02T20:32:29.000Z',
    },
  ];
}

const write = (file: string, records: Obj[]) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
};

/** A project folder with the real 2.1.332 session, one Task subagent and a Workflow run of two agents. */
function session(): { main: string; agents: string[] } {
  const dir = tmpdir('claude-workflows-');
  const main = path.join(dir, `${ID}.jsonl`);
  fs.copyFileSync(REAL, main);
  write(path.join(dir, ID, 'subagents', 'agent-a0task.jsonl'), agentRecords('a0task', 'Look around', 'Nothing here.'));
  const run = path.join(dir, ID, 'subagents', 'workflows', RUN);
  const agents = [path.join(run, 'agent-a1find.jsonl'), path.join(run, 'agent-a2sum.jsonl')];
  write(agents[0], agentRecords('a1find', 'Find the files', 'a.txt'));
  write(agents[1], agentRecords('a2sum', 'Summarize them', 'One file.'));
  fs.writeFileSync(path.join(run, 'agent-a1find.meta.json'), JSON.stringify({ agentType: 'general-purpose', description: 'find' }));
  write(path.join(run, 'journal.jsonl'), [{ agentId: 'a1find', result: 'a.txt' }]);
  // Not a run folder: left alone.
  write(path.join(dir, ID, 'subagents', 'workflows', 'scripts', 'agent-zz.jsonl'), agentRecords('zz', 'x', 'y'));
  return { main, agents };
}

describe('Claude Code Workflow agents', () => {
  it('are imported as subagent timelines of their session, linked to the run, and export back equal', async () => {
    const { main, agents } = session();
    const store = freshStore();
    const s = await importFiles(store, 'claude', [main]);
    expect(s.warnings).toEqual([]);
    expect(s.timelines.names.sort()).toEqual([`claude/${ID}`, `claude/${ID}.agent-a0task`, `claude/${ID}.agent-a1find`, `claude/${ID}.agent-a2sum`]);
    const genesis = store.readEvents(store.tipOf(`claude/${ID}.agent-a1find`)!)[0].event as Obj;
    expect(genesis).toMatchObject({
      kind: 'session',
      title: 'Find the files',
      parent: { timeline: `claude/${ID}`, agentId: 'a1find', workflow: RUN },
      origin: { format: 'claude-code', id: ID, file: `${ID}/subagents/workflows/${RUN}/agent-a1find.jsonl` },
    });
    for (const [i, agent] of ['a1find', 'a2sum'].entries()) {
      expect(exportTimeline(store, store.tipOf(`claude/${ID}.agent-${agent}`)!, 'claude').records).toEqual(jsonLines(agents[i]));
    }
    expect((await importFiles(store, 'claude', [main])).events.appended).toBe(0);
    // ls nests them under their session.
    const ls = JSON.parse((await cliOk(store.dir, ['ls', '--json'])).out) as Obj[];
    const sub = ls.filter((x) => x.parent === `claude/${ID}`).map((x) => x.timelines[0].name);
    expect(sub.sort()).toEqual([`claude/${ID}.agent-a0task`, `claude/${ID}.agent-a1find`, `claude/${ID}.agent-a2sum`]);
  });

  it('import --follow picks up a Workflow agent that appears and grows while it runs', async () => {
    const { main } = session();
    const store = freshStore();
    const controller = new AbortController();
    const running = follow(store, 'claude', [main], { interval: 25, signal: controller.signal });
    await until(() => store.tipOf(`claude/${ID}.agent-a1find`) !== undefined);
    const late = path.join(path.dirname(main), ID, 'subagents', 'workflows', 'wf_second', 'agent-a3late.jsonl');
    const [prompt, answer] = agentRecords('a3late', 'Check again', 'Still one file.');
    write(late, [prompt]);
    await until(() => store.tipOf(`claude/${ID}.agent-a3late`) !== undefined);
    fs.appendFileSync(late, `${JSON.stringify(answer)}\n`);
    await until(() => store.readEvents(store.tipOf(`claude/${ID}.agent-a3late`)!).length === 3);
    controller.abort();
    await running;
  });
});
