import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../core/index.js';
import { claudePrint, machine, readJsonl, sessionFiles, type Machine } from '../helpers/agents.js';
import { cli, cliOk } from '../helpers/cli.js';
import { startModelServer, type ModelServer } from '../helpers/model-server.js';
import { until } from '../helpers/wait.js';
import { startFollow, storeCommits, userTexts } from './roundtrip.js';

/**
 * Claude Code's round trip: a real `claude -p` session on machine A is imported, handed to machine B
 * (a clone of the store, another HOME and project folder) with `agentlog resume --with claude`,
 * continued there by the real `claude -p --resume`, and comes back to the same timeline.
 */
describe('claude round trip', () => {
  let model: ModelServer;
  beforeAll(async () => {
    model = await startModelServer();
  });
  afterAll(() => model.close());

  /** Machine A: a session with thinking, a Bash call and its result, imported into A's store. */
  async function sessionOnA(): Promise<{ a: Machine; storeA: string; id: string; file: string; name: string }> {
    const a = machine(model.url, 'a');
    model.script([
      [{ thinking: 'I should run echo.' }, { tool: 'Bash', input: { command: 'echo first-output', description: 'echo' } }],
      [{ text: 'It printed first-output.' }],
    ]);
    const { sessionId: id } = await claudePrint(a, 'first prompt: run echo');
    const file = sessionFiles(a).claude.find((f) => path.basename(f) === `${id}.jsonl`)!;
    expect(file).toBeDefined();
    const storeA = path.join(a.project, '.agentlog');
    await cliOk(a.project, ['init'], { env: a.env });
    await cliOk(a.project, ['import', 'claude', file], { env: a.env });
    return { a, storeA, id, file, name: `claude/${id}` };
  }

  it('a session resumed on machine B comes back to the same timeline: import and import --follow extend it, the earlier conversation reached the model', async () => {
    const { storeA, id, name } = await sessionOnA();
    const before = storeCommits(storeA, name);
    expect(before.length).toBeGreaterThan(4);

    // Machine B: a clone of the store, another HOME, another project folder.
    const b = machine(model.url, 'b');
    await cliOk(path.dirname(b.project), ['clone', storeA, path.join(b.project, '.agentlog')], { env: b.env });
    const resumed = JSON.parse((await cliOk(b.project, ['resume', name, '--with', 'claude', '--json'], { env: b.env })).out);
    expect(resumed.sessionId).toBe(id);
    expect(resumed.newId).toBe(false);
    const storeB = path.join(b.project, '.agentlog');

    // import --follow on B while the agent continues there.
    const following = startFollow(storeB, 'claude', [resumed.file]);
    const start = model.requests.length;
    model.script([[{ text: 'Second answer on B.' }]]);
    const { sessionId } = await claudePrint(b, 'second prompt on B', ['--resume', id]);
    expect(sessionId).toBe(id);
    expect(readJsonl(resumed.file).length).toBeGreaterThan(0);

    // Plain import of the continued file into another clone of A's store: the timeline it makes is
    // the one the follow on B must reach (imports are deterministic: same records, same commits).
    const c = machine(model.url, 'c');
    const storeC = path.join(c.project, '.agentlog');
    await cliOk(c.project, ['clone', storeA, storeC], { env: c.env });
    const plain = await cli(c.project, ['import', 'claude', resumed.file], { env: c.env });
    expect(plain.err).not.toMatch(/diverged|other events/);
    const expected = storeCommits(storeC, name);
    await until(() => storeCommits(storeB, name).length >= expected.length, 60_000, 100);
    await following.stop();
    expect(following.warnings).toEqual([]);

    // What reached the model on B: the whole earlier conversation, then the new prompt.
    const sent = model.requests.slice(start).filter((r) => r.main);
    expect(sent.length).toBe(1);
    const messages = sent[0].body.messages as { role: string; content: unknown }[];
    const flat = JSON.stringify(messages);
    expect(userTexts(messages)).toEqual(
      expect.arrayContaining([expect.stringContaining('first prompt: run echo'), expect.stringContaining('second prompt on B')]),
    );
    for (const piece of ['I should run echo.', '"name":"Bash"', 'first-output', 'It printed first-output.']) expect(flat).toContain(piece);
    expect(flat.indexOf('first prompt: run echo')).toBeLessThan(flat.indexOf('second prompt on B'));

    // The same timeline, extended: the shared part has the same commits, nothing diverged.
    const after = storeCommits(storeB, name);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after).toEqual(expected);
    expect(after.length).toBeGreaterThan(before.length);
    const again = await cli(b.project, ['import', 'claude', resumed.file, '--json'], { env: b.env });
    expect(again.err).not.toMatch(/diverged|other events/);
    expect(JSON.parse(again.out).events.appended).toBe(0);
    expect(storeCommits(storeB, name)).toEqual(after);
    expect(Object.keys(Store.open(storeB).forkRecords())).toEqual([]);
  });

  it('same machine, untouched file: resume keeps the id, and the continuation extends the timeline', async () => {
    const { a, storeA, id, file, name } = await sessionOnA();
    const before = storeCommits(storeA, name);
    const resumed = JSON.parse((await cliOk(a.project, ['resume', name, '--with', 'claude', '--json'], { env: a.env })).out);
    expect(resumed).toMatchObject({ sessionId: id, newId: false, file });
    model.script([[{ text: 'Continued on A.' }]]);
    await claudePrint(a, 'continue on A', ['--resume', id]);
    const r = await cli(a.project, ['import', 'claude', file], { env: a.env });
    expect(r.err).not.toMatch(/diverged|other events/);
    const after = storeCommits(storeA, name);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.length).toBeGreaterThan(before.length);
  });

  it('a session that ran a subagent: resume on machine B writes the subagent transcript too, and the re-import finds it unchanged', async () => {
    const a = machine(model.url, 'a');
    model.script([
      [{ tool: 'Agent', input: { description: 'look around', prompt: 'subagent task: say done', subagent_type: 'general-purpose' } }],
      [{ text: 'Subagent done.' }],
      [{ text: 'The subagent said done.' }],
    ]);
    const { sessionId: id } = await claudePrint(a, 'prompt that starts a subagent');
    expect(model.pending()).toBe(0);
    const file = sessionFiles(a).claude.find((f) => path.basename(f) === `${id}.jsonl`)!;
    const subsOnA = sessionFiles(a).claude.filter((f) => f.includes(`${path.sep}${id}${path.sep}subagents${path.sep}`));
    expect(subsOnA.length).toBeGreaterThan(0);
    const storeA = path.join(a.project, '.agentlog');
    await cliOk(a.project, ['init'], { env: a.env });
    await cliOk(a.project, ['import', 'claude', file], { env: a.env });
    const agentTimelines = [...Store.open(storeA).timelines().keys()].filter((n) => n.startsWith(`claude/${id}.agent-`));
    expect(agentTimelines.length).toBe(subsOnA.length);

    const b = machine(model.url, 'b');
    const storeB = path.join(b.project, '.agentlog');
    await cliOk(path.dirname(b.project), ['clone', storeA, storeB], { env: b.env });
    const resumed = JSON.parse((await cliOk(b.project, ['resume', `claude/${id}`, '--with', 'claude', '--json'], { env: b.env })).out);
    expect(resumed.subagents.map((f: string) => path.basename(f)).sort()).toEqual(subsOnA.map((f) => path.basename(f)).sort());
    for (const f of subsOnA) {
      const onB = resumed.subagents.find((g: string) => path.basename(g) === path.basename(f));
      expect(readJsonl(onB)).toEqual(readJsonl(f));
    }
    const before = agentTimelines.map((n) => storeCommits(storeB, n));
    model.script([[{ text: 'Continued on B.' }]]);
    await claudePrint(b, 'continue on B', ['--resume', id]);
    const r = await cli(b.project, ['import', 'claude', resumed.file, '--json'], { env: b.env });
    expect(r.err).not.toMatch(/diverged|other events/);
    expect(agentTimelines.map((n) => storeCommits(storeB, n))).toEqual(before);
    expect(storeCommits(storeB, `claude/${id}`).length).toBeGreaterThan(storeCommits(storeA, `claude/${id}`).length);
  });
});
