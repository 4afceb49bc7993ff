import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../core/index.js';
import { codexExec, machine, readJsonl, sessionFiles, type Machine } from '../helpers/agents.js';
import { cli, cliOk } from '../helpers/cli.js';
import { startModelServer, type ModelServer } from '../helpers/model-server.js';
import { until } from '../helpers/wait.js';
import { inputTexts, startFollow, storeCommits } from './roundtrip.js';

/**
 * Codex CLI's round trip: a real `codex exec` session on machine A is imported, handed to machine B
 * (a clone of the store, another HOME/CODEX_HOME and project folder) with `agentlog resume --with
 * codex`, continued there by the real `codex exec resume`, and comes back to the same timeline.
 */
describe('codex round trip', () => {
  let model: ModelServer;
  beforeAll(async () => {
    model = await startModelServer();
  });
  afterAll(() => model.close());

  /** Machine A: a session with reasoning, a shell call and its output, imported into A's store. */
  async function sessionOnA(): Promise<{ a: Machine; storeA: string; id: string; file: string; name: string }> {
    const a = machine(model.url, 'a');
    model.script([[{ thinking: 'I should run echo.' }, { tool: 'exec_command', input: { cmd: 'echo first-output' } }], [{ text: 'It printed first-output.' }]]);
    const { sessionId: id } = await codexExec(a, 'first prompt: run echo');
    const file = sessionFiles(a).codex.find((f) => f.endsWith(`${id}.jsonl`))!;
    expect(file).toBeDefined();
    const storeA = path.join(a.project, '.agentlog');
    await cliOk(a.project, ['init'], { env: a.env });
    await cliOk(a.project, ['import', 'codex', file], { env: a.env });
    return { a, storeA, id, file, name: `codex/${id}` };
  }

  it('a session resumed on machine B comes back to the same timeline: import and import --follow extend it, the earlier conversation reached the model', async () => {
    const { a, storeA, id, name, file } = await sessionOnA();
    const before = storeCommits(storeA, name);
    expect(before.length).toBeGreaterThan(4);

    const b = machine(model.url, 'b');
    const storeB = path.join(b.project, '.agentlog');
    await cliOk(path.dirname(b.project), ['clone', storeA, storeB], { env: b.env });
    const resumed = JSON.parse((await cliOk(b.project, ['resume', name, '--with', 'codex', '--json'], { env: b.env })).out);
    expect(resumed).toMatchObject({ sessionId: id, newId: false });
    // The same file name as on A (part of the genesis), not one made from session_meta's timestamp.
    expect(path.relative(b.codexHome, resumed.file)).toBe(path.relative(a.codexHome, file));

    const following = startFollow(storeB, 'codex', [resumed.file]);
    const start = model.requests.length;
    model.script([[{ text: 'Second answer on B.' }]]);
    const { sessionId } = await codexExec(b, 'second prompt on B', ['resume', id]);
    expect(sessionId).toBe(id);
    expect(readJsonl(resumed.file).length).toBeGreaterThan(0);

    // What reached the model on B: the whole earlier conversation, then the new prompt.
    const sent = model.requests.slice(start).filter((r) => r.main);
    expect(sent.length).toBe(1);
    const input = sent[0].body.input as Record<string, unknown>[];
    const flat = JSON.stringify(input);
    const texts = inputTexts(input);
    expect(texts.some((t) => t.includes('first prompt: run echo'))).toBe(true);
    expect(texts.some((t) => t.includes('second prompt on B'))).toBe(true);
    for (const piece of ['"type":"reasoning"', '"name":"exec_command"', '"type":"function_call_output"', 'first-output', 'It printed first-output.'])
      expect(flat).toContain(piece);
    expect(flat.indexOf('first prompt: run echo')).toBeLessThan(flat.indexOf('second prompt on B'));

    // Plain import into another clone of A's store: the timeline the follow on B must reach.
    const c = machine(model.url, 'c');
    const storeC = path.join(c.project, '.agentlog');
    await cliOk(c.project, ['clone', storeA, storeC], { env: c.env });
    const plain = await cli(c.project, ['import', 'codex', resumed.file], { env: c.env });
    expect(plain.err).not.toMatch(/diverged|other events/);
    const expected = storeCommits(storeC, name);
    await until(() => storeCommits(storeB, name).length >= expected.length, 60_000, 100);
    await following.stop();
    expect(following.warnings).toEqual([]);

    const after = storeCommits(storeB, name);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after).toEqual(expected);
    expect(after.length).toBeGreaterThan(before.length);
    const again = await cli(b.project, ['import', 'codex', resumed.file, '--json'], { env: b.env });
    expect(again.err).not.toMatch(/diverged|other events/);
    expect(JSON.parse(again.out).events.appended).toBe(0);
    expect(Object.keys(Store.open(storeB).forkRecords())).toEqual([]);
  });

  it('same machine, untouched file: resume keeps the id, and the continuation extends the timeline', async () => {
    const { a, storeA, id, file, name } = await sessionOnA();
    const before = storeCommits(storeA, name);
    const resumed = JSON.parse((await cliOk(a.project, ['resume', name, '--with', 'codex', '--json'], { env: a.env })).out);
    expect(resumed).toMatchObject({ sessionId: id, newId: false, file });
    model.script([[{ text: 'Continued on A.' }]]);
    await codexExec(a, 'continue on A', ['resume', id]);
    const r = await cli(a.project, ['import', 'codex', file], { env: a.env });
    expect(r.err).not.toMatch(/diverged|other events/);
    const after = storeCommits(storeA, name);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.length).toBeGreaterThan(before.length);
  });
});
