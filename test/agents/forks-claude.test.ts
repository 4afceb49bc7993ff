import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../core/index.js';
import { claudePrint, machine, sessionFiles } from '../helpers/agents.js';
import { cli, cliOk } from '../helpers/cli.js';
import { startModelServer, type ModelServer } from '../helpers/model-server.js';
import { forkInLs, storeCommits } from './roundtrip.js';

/**
 * Claude Code sessions that continue another under a new id come back as forks of the timeline they
 * left, branching at the commit they share, nothing stored twice: Claude's own `--fork-session`, and
 * `agentlog resume` from an older point (a new id) continued by the real agent on machine B.
 */
describe('claude forks', () => {
  let model: ModelServer;
  beforeAll(async () => {
    model = await startModelServer();
  });
  afterAll(() => model.close());

  async function sessionOnA() {
    const a = machine(model.url, 'a');
    model.script([[{ tool: 'Bash', input: { command: 'echo one', description: 'echo' } }], [{ text: 'First answer.' }]]);
    const { sessionId: id } = await claudePrint(a, 'first prompt');
    model.script([[{ text: 'Second answer.' }]]);
    await claudePrint(a, 'second prompt', ['--resume', id]);
    const storeA = path.join(a.project, '.agentlog');
    await cliOk(a.project, ['init'], { env: a.env });
    const file = sessionFiles(a).claude.find((f) => path.basename(f) === `${id}.jsonl`)!;
    await cliOk(a.project, ['import', 'claude', file], { env: a.env });
    return { a, storeA, id, name: `claude/${id}` };
  }

  it('claude --resume ID --fork-session: the new session is a fork of the timeline, sharing its commits, holding only its own events', async () => {
    const { a, storeA, id, name } = await sessionOnA();
    const source = storeCommits(storeA, name);
    model.script([[{ text: 'Forked answer.' }]]);
    const { sessionId: forkId } = await claudePrint(a, 'forked prompt', ['--resume', id, '--fork-session']);
    expect(forkId).not.toBe(id);
    const forkFile = sessionFiles(a).claude.find((f) => path.basename(f) === `${forkId}.jsonl`)!;
    const r = await cliOk(a.project, ['import', 'claude', forkFile, '--json'], { env: a.env });
    expect(r.err).toBe('');
    const forkName = `claude/${forkId}`;
    const store = Store.open(storeA);
    expect(store.forkRecords()[forkName]).toBe(name);
    const fork = storeCommits(storeA, forkName);
    const shared = fork.findIndex((c, i) => c !== source[i]);
    expect(shared).toBeGreaterThan(3);
    expect(fork.slice(0, shared)).toEqual(source.slice(0, shared));
    // Only its own records were added: fewer events than the file's records that copy the source's.
    const appended = JSON.parse(r.out).events.appended;
    expect(appended).toBe(fork.length - shared);
    // Its own events hold the new prompt and no record (by uuid) of the source's.
    const uuids = (events: { event: Record<string, unknown> }[]) =>
      events.flatMap((e) => {
        const u = ((e.event.source as Record<string, unknown> | undefined)?.record as Record<string, unknown> | undefined)?.uuid;
        return typeof u === 'string' ? [u] : [];
      });
    const own = store.readEvents(store.tipOf(forkName)!).slice(shared);
    expect(own.some((e) => e.event.kind === 'message' && JSON.stringify(e.event.content).includes('forked prompt'))).toBe(true);
    const sourceUuids = new Set(uuids(store.readEvents(store.tipOf(name)!)));
    expect(uuids(own).filter((u) => sourceUuids.has(u))).toEqual([]);
    expect(await forkInLs(a.project, a.env, name, forkName)).toBe(shared - 1);
    // Again: nothing new, nothing diverged; the source is untouched.
    const again = await cli(a.project, ['import', 'claude', forkFile, '--json'], { env: a.env });
    expect(again.err).toBe('');
    expect(JSON.parse(again.out).events.appended).toBe(0);
    expect(storeCommits(storeA, name)).toEqual(source);
  });

  it('resume from an older point, continued on machine B under the new id, comes back as a fork at that commit', async () => {
    const { storeA, name } = await sessionOnA();
    const source = storeCommits(storeA, name);
    const b = machine(model.url, 'b');
    const storeB = path.join(b.project, '.agentlog');
    await cliOk(path.dirname(b.project), ['clone', storeA, storeB], { env: b.env });
    // The seq of the first assistant answer's last record: resume from there.
    const events = Store.open(storeB).readEvents(Store.open(storeB).tipOf(name)!);
    const at = events.findIndex((e) => JSON.stringify(e.event).includes('First answer.'));
    expect(at).toBeGreaterThan(0);
    const resumed = JSON.parse((await cliOk(b.project, ['resume', `${name}@${at}`, '--with', 'claude', '--json'], { env: b.env })).out);
    expect(resumed.newId).toBe(true);
    const start = model.requests.length;
    model.script([[{ text: 'Answer on B.' }]]);
    await claudePrint(b, 'prompt on B', ['--resume', resumed.sessionId]);
    const flat = JSON.stringify(model.requests.slice(start).find((q) => q.main)!.body.messages);
    expect(flat).toContain('First answer.');
    expect(flat).not.toContain('Second answer.');
    const r = await cliOk(b.project, ['import', 'claude', resumed.file, '--json'], { env: b.env });
    expect(r.err).toBe('');
    const forkName = `claude/${resumed.sessionId}`;
    expect(Store.open(storeB).forkRecords()[forkName]).toBe(name);
    const fork = storeCommits(storeB, forkName);
    expect(fork.slice(0, at + 1)).toEqual(source.slice(0, at + 1));
    expect(fork[at + 1]).not.toBe(source[at + 1]);
    expect(JSON.parse(r.out).events.appended).toBe(fork.length - at - 1);
    // ls nests it under the timeline, from the last event they share (Claude may write a record
    // again as it resumes, the same event as the source's next one: ls counts it as shared).
    expect(await forkInLs(b.project, b.env, name, forkName)).toBeGreaterThanOrEqual(at);
    expect((await cliOk(b.project, ['import', 'claude', resumed.file, '--json'], { env: b.env })).out).toMatch(/"appended":0/);
  });
});
