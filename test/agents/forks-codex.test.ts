import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../core/index.js';
import { codexExec, machine, sessionFiles } from '../helpers/agents.js';
import { cli, cliOk } from '../helpers/cli.js';
import { startModelServer, type ModelServer } from '../helpers/model-server.js';
import { forkInLs, storeCommits } from './roundtrip.js';

/**
 * Codex sessions that continue another under a new id come back as forks of the timeline they left:
 * Codex's own `fork` (0.16x+: the fork file holds only its own records and names its source), and
 * `agentlog resume` from an older point continued on machine B.
 */
describe('codex forks', () => {
  let model: ModelServer;
  beforeAll(async () => {
    model = await startModelServer();
  });
  afterAll(() => model.close());

  async function sessionOnA() {
    const a = machine(model.url, 'a');
    model.script([[{ text: 'First answer.' }]]);
    const { sessionId: id } = await codexExec(a, 'first prompt');
    model.script([[{ text: 'Second answer.' }]]);
    await codexExec(a, 'second prompt', ['resume', id]);
    const storeA = path.join(a.project, '.agentlog');
    await cliOk(a.project, ['init'], { env: a.env });
    const file = sessionFiles(a).codex.find((f) => f.endsWith(`${id}.jsonl`))!;
    await cliOk(a.project, ['import', 'codex', file], { env: a.env });
    return { a, storeA, id, name: `codex/${id}` };
  }

  it('codex exec fork: a fork of the timeline at the records it names, nothing stored twice', async () => {
    const { a, storeA, id, name } = await sessionOnA();
    const source = storeCommits(storeA, name);
    model.script([[{ text: 'Forked answer.' }]]);
    const { sessionId: forkId } = await codexExec(a, 'forked prompt', ['fork', id]);
    expect(forkId).not.toBe(id);
    const forkFile = sessionFiles(a).codex.find((f) => f.endsWith(`${forkId}.jsonl`))!;
    const r = await cliOk(a.project, ['import', 'codex', forkFile, '--json'], { env: a.env });
    expect(r.err).toBe('');
    const forkName = `codex/${forkId}`;
    expect(Store.open(storeA).forkRecords()[forkName]).toBe(name);
    const fork = storeCommits(storeA, forkName);
    // It forked at the source's end (forked_from_ordinal_exclusive: every record of the source).
    expect(fork.slice(0, source.length)).toEqual(source);
    expect(JSON.parse(r.out).events.appended).toBe(fork.length - source.length);
    expect(await forkInLs(a.project, a.env, name, forkName)).toBe(source.length - 1);
    expect(JSON.parse((await cli(a.project, ['import', 'codex', forkFile, '--json'], { env: a.env })).out).events.appended).toBe(0);
  });

  it('resume from an older point, continued on machine B under the new id, comes back as a fork at that commit', async () => {
    const { storeA, name } = await sessionOnA();
    const source = storeCommits(storeA, name);
    const b = machine(model.url, 'b');
    const storeB = path.join(b.project, '.agentlog');
    await cliOk(path.dirname(b.project), ['clone', storeA, storeB], { env: b.env });
    const events = Store.open(storeB).readEvents(Store.open(storeB).tipOf(name)!);
    const at = events.findIndex((e) => e.event.kind === 'message' && JSON.stringify(e.event.content).includes('First answer.'));
    expect(at).toBeGreaterThan(0);
    const resumed = JSON.parse((await cliOk(b.project, ['resume', `${name}@${at}`, '--with', 'codex', '--json'], { env: b.env })).out);
    expect(resumed.newId).toBe(true);
    const start = model.requests.length;
    model.script([[{ text: 'Answer on B.' }]]);
    await codexExec(b, 'prompt on B', ['resume', resumed.sessionId]);
    const flat = JSON.stringify(model.requests.slice(start).find((q) => q.main)!.body.input);
    expect(flat).toContain('First answer.');
    expect(flat).not.toContain('Second answer.');
    const r = await cliOk(b.project, ['import', 'codex', resumed.file, '--json'], { env: b.env });
    expect(r.err).toBe('');
    const forkName = `codex/${resumed.sessionId}`;
    expect(Store.open(storeB).forkRecords()[forkName]).toBe(name);
    const fork = storeCommits(storeB, forkName);
    expect(fork.slice(0, at + 1)).toEqual(source.slice(0, at + 1));
    expect(fork[at + 1]).not.toBe(source[at + 1]);
    expect(JSON.parse(r.out).events.appended).toBe(fork.length - at - 1);
    expect(await forkInLs(b.project, b.env, name, forkName)).toBeGreaterThanOrEqual(at);
    expect(JSON.parse((await cliOk(b.project, ['import', 'codex', resumed.file, '--json'], { env: b.env })).out).events.appended).toBe(0);
  });
});
