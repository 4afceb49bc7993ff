import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SessionKey, SessionStoreEntry } from '@anthropic-ai/claude-agent-sdk';
import { describe, expect, it } from 'vitest';
import { AgentlogError, importFiles, Store, verifyTimeline } from '../../core/index.js';
import { AgentlogSessionStore } from '../../packages/claude-agent-sdk/src/index.js';
import { git, tmpdir } from '../helpers/tmp.js';

/**
 * The SessionStore contracts (the SDK's reference adapters are held to these; its suite is not
 * published, so they are written here from the interface's documentation), then what agentlog adds:
 * a session is the timeline `agentlog import claude` makes of the same file, uuid is the idempotency
 * key, and concurrent writers meet at the store's compare-and-swap.
 */

const PROJECT = '-home-user-proj';
const SID = '6f1c2c3e-0000-4000-8000-000000000001';

/** Transcript lines shaped as Claude Code writes them: a prompt, then alternating answers and prompts. */
function turn(sessionId: string, n: number, parent: string | null, opts: { agent?: string } = {}): SessionStoreEntry[] {
  const base = { sessionId, cwd: '/home/user/proj', version: '2.1.332', userType: 'external', isSidechain: opts.agent !== undefined };
  const u = `${opts.agent ?? 'main'}-u${n}-${sessionId.slice(-6)}`;
  const a = `${opts.agent ?? 'main'}-a${n}-${sessionId.slice(-6)}`;
  const ts = (k: number) => new Date(Date.UTC(2026, 11, 3, 10, 0, 2 * n + k)).toISOString();
  return [
    {
      ...base,
      ...(opts.agent ? { agentId: opts.agent } : {}),
      type: 'user',
      uuid: u,
      parentUuid: parent,
      timestamp: ts(0),
      message: { role: 'user', content: `prompt ${n}` },
    },
    {
      ...base,
      ...(opts.agent ? { agentId: opts.agent } : {}),
      type: 'assistant',
      uuid: a,
      parentUuid: u,
      timestamp: ts(1),
      message: {
        id: `msg_${n}`,
        type: 'message',
        role: 'assistant',
        model: 'claude-x',
        content: [{ type: 'text', text: `answer ${n}` }],
        stop_reason: 'end_turn',
      },
    },
  ];
}

function conversation(sessionId: string, turns: number, opts: { agent?: string } = {}): SessionStoreEntry[] {
  const out: SessionStoreEntry[] = [];
  for (let n = 0; n < turns; n++) out.push(...turn(sessionId, n, (out[out.length - 1]?.uuid as string | undefined) ?? null, opts));
  return out;
}

const main = (sessionId = SID, projectKey = PROJECT): SessionKey => ({ projectKey, sessionId });
const sub = (agent: string, sessionId = SID): SessionKey => ({ projectKey: PROJECT, sessionId, subpath: `subagents/agent-${agent}` });

function fresh(): { root: string; s: AgentlogSessionStore } {
  const root = tmpdir('agentlog-sdk-');
  return { root, s: new AgentlogSessionStore({ root }) };
}

describe('AgentlogSessionStore: the SessionStore contracts', () => {
  it('1. load gives back what append wrote, in order', async () => {
    const { s } = fresh();
    const entries = conversation(SID, 3);
    await s.append(main(), entries);
    expect(await s.load(main())).toEqual(entries);
  });

  it('2. load of a key never written is null', async () => {
    const { s } = fresh();
    expect(await s.load(main())).toBeNull();
    await s.append(main(), conversation(SID, 1));
    expect(await s.load(main('6f1c2c3e-0000-4000-8000-000000000002'))).toBeNull();
    expect(await s.load(sub('abc'))).toBeNull();
  });

  it('3. several appends keep the order of the calls', async () => {
    const { s } = fresh();
    const entries = conversation(SID, 4);
    for (let i = 0; i < entries.length; i += 3) await s.append(main(), entries.slice(i, i + 3));
    expect(await s.load(main())).toEqual(entries);
  });

  it('4. an empty append is a no-op', async () => {
    const { root, s } = fresh();
    await s.append(main(), []);
    expect(await s.load(main())).toBeNull();
    expect(fs.existsSync(root) && fs.readdirSync(root)).toEqual([]);
    const entries = conversation(SID, 1);
    await s.append(main(), entries);
    const tip = s.storeFor(PROJECT)!.tipOf(`claude/${SID}`);
    await s.append(main(), []);
    expect(s.storeFor(PROJECT)!.tipOf(`claude/${SID}`)).toBe(tip);
    expect(await s.load(main())).toEqual(entries);
  });

  it('5. a subagent key is independent of the main key', async () => {
    const { s } = fresh();
    const mainEntries = conversation(SID, 2);
    const agentEntries = conversation(SID, 2, { agent: 'a1b2c3' });
    await s.append(main(), mainEntries);
    await s.append(sub('a1b2c3'), agentEntries);
    expect(await s.load(main())).toEqual(mainEntries);
    expect(await s.load(sub('a1b2c3'))).toEqual(agentEntries);
  });

  it('6. projects are isolated: the same session id in two projects is two sessions', async () => {
    const { s } = fresh();
    const a = conversation(SID, 1);
    const b = conversation(SID, 2);
    await s.append(main(SID, 'project-a'), a);
    await s.append(main(SID, 'project/b with spaces'), b);
    expect(await s.load(main(SID, 'project-a'))).toEqual(a);
    expect(await s.load(main(SID, 'project/b with spaces'))).toEqual(b);
    expect(await s.listSessions('project-c')).toEqual([]);
  });

  it('7. listSessions returns the ids of a project, with integer mtimes', async () => {
    const { s } = fresh();
    const other = '6f1c2c3e-0000-4000-8000-000000000002';
    await s.append(main(), conversation(SID, 1));
    await s.append(main(other), conversation(other, 1));
    const listed = await s.listSessions(PROJECT);
    expect(listed.map((x) => x.sessionId).sort()).toEqual([SID, other].sort());
    for (const x of listed) expect(Number.isInteger(x.mtime) && x.mtime > 0).toBe(true);
  });

  it('8. listSessions leaves out subagent keys', async () => {
    const { s } = fresh();
    await s.append(main(), conversation(SID, 1));
    await s.append(sub('a1b2c3'), conversation(SID, 1, { agent: 'a1b2c3' }));
    expect((await s.listSessions(PROJECT)).map((x) => x.sessionId)).toEqual([SID]);
  });

  it('9. deleting the main key removes its subagents too', async () => {
    const { s } = fresh();
    await s.append(main(), conversation(SID, 1));
    await s.append(sub('a1b2c3'), conversation(SID, 1, { agent: 'a1b2c3' }));
    await s.delete(main());
    expect(await s.load(main())).toBeNull();
    expect(await s.load(sub('a1b2c3'))).toBeNull();
    expect(await s.listSessions(PROJECT)).toEqual([]);
    expect(await s.listSubkeys(main())).toEqual([]);
    expect(git(s.storeFor(PROJECT)!.dir, ['branch', '--list', 'claude/*'])).toBe('');
    // As `agentlog delete`: each tip is in its branch's reflog, so the session can be brought back.
    const store = s.storeFor(PROJECT)!;
    const back = await store.undeleteTimeline(`claude/${SID}`);
    expect(store.tipOf(`claude/${SID}`)).toBe(back.commit);
  });

  it('10. deleting a subagent key removes only it', async () => {
    const { s } = fresh();
    const mainEntries = conversation(SID, 1);
    const keep = conversation(SID, 1, { agent: 'keep01' });
    await s.append(main(), mainEntries);
    await s.append(sub('gone01'), conversation(SID, 1, { agent: 'gone01' }));
    await s.append(sub('keep01'), keep);
    await s.delete(sub('gone01'));
    expect(await s.load(sub('gone01'))).toBeNull();
    expect(await s.load(sub('keep01'))).toEqual(keep);
    expect(await s.load(main())).toEqual(mainEntries);
  });

  it('11. listSubkeys returns the subagent keys only', async () => {
    const { s } = fresh();
    await s.append(main(), conversation(SID, 1));
    await s.append(sub('a1b2c3'), conversation(SID, 1, { agent: 'a1b2c3' }));
    await s.append({ ...main(), subpath: 'subagents/workflows/wf_run1/agent-d4e5' }, conversation(SID, 1, { agent: 'd4e5' }));
    expect(await s.listSubkeys(main())).toEqual(['subagents/agent-a1b2c3', 'subagents/workflows/wf_run1/agent-d4e5']);
    expect(await s.listSubkeys(main('6f1c2c3e-0000-4000-8000-000000000002'))).toEqual([]);
  });

  it('12. uuid is the idempotency key: a replayed batch adds nothing; entries without uuid are always added', async () => {
    const { s } = fresh();
    const entries = conversation(SID, 2);
    await s.append(main(), entries.slice(0, 3));
    await s.append(main(), entries); // a retry of the first batch with more after it
    await s.append(main(), entries);
    const title = { type: 'custom-title', customTitle: 'mine', sessionId: SID };
    await s.append(main(), [title]);
    await s.append(main(), [title]);
    expect(await s.load(main())).toEqual([...entries, title, title]);
  });

  it('13. entries come back deep-equal whatever their shape (unknown types and keys, nulls, unicode, big numbers)', async () => {
    const { s } = fresh();
    const odd: SessionStoreEntry[] = [
      ...conversation(SID, 1),
      { type: 'file-history-snapshot', messageId: 'x', snapshot: { trackedFileBackups: {}, timestamp: '2026-12-03T10:00:09.000Z' }, isSnapshotUpdate: false },
      { type: 'mode', mode: 'plan', n: 2 ** 53 - 1, f: 0.5, nothing: null, text: 'zwölf \u{1F600} "quoted"\n' },
    ];
    await s.append(main(), odd);
    expect(await s.load(main())).toEqual(odd);
  });
});

describe('AgentlogSessionStore: a session is the timeline import makes', () => {
  it('appended in batches, it has the events and CIDs `agentlog import claude` gives the same file, and verifies', async () => {
    const { root, s } = fresh();
    const entries = [...conversation(SID, 5), { type: 'summary', summary: 'five turns', leafUuid: 'x' }];
    for (let i = 0; i < entries.length; i += 4) await s.append(main(), entries.slice(i, i + 4));
    const file = path.join(root, `${SID}.jsonl`);
    fs.writeFileSync(file, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    const other = Store.init(path.join(root, 'imported')).store;
    await importFiles(other, 'claude', [file]);
    const ours = s.storeFor(PROJECT)!;
    const name = `claude/${SID}`;
    expect(ours.readEvents(ours.tipOf(name)!).map((e) => e.cid.toString())).toEqual(other.readEvents(other.tipOf(name)!).map((e) => e.cid.toString()));
    expect(verifyTimeline(ours, name, ours.tipOf(name)!).problem).toBeUndefined();
    expect(git(ours.dir, ['fsck', '--strict'])).toBe('');
  });

  it('a session imported (or captured) first is continued, not duplicated', async () => {
    const { root, s } = fresh();
    const entries = conversation(SID, 3);
    const file = path.join(root, `${SID}.jsonl`);
    fs.writeFileSync(
      file,
      entries
        .slice(0, 4)
        .map((e) => `${JSON.stringify(e)}\n`)
        .join(''),
    );
    await importFiles(s.storeFor(PROJECT)!, 'claude', [file]);
    await s.append(main(), entries);
    expect(await s.load(main())).toEqual(entries);
    expect(s.storeFor(PROJECT)!.readEvents(s.storeFor(PROJECT)!.tipOf(`claude/${SID}`)!).length).toBe(entries.length + 1);
  });

  it('the first entries wait until the genesis is known, then become the timeline', async () => {
    const { s } = fresh();
    const queued = { type: 'queue-operation', operation: 'enqueue', sessionId: SID, timestamp: '2026-12-03T09:59:59.000Z' };
    await s.append(main(), [queued]);
    expect(s.storeFor(PROJECT)!.tipOf(`claude/${SID}`)).toBeUndefined();
    expect(await s.load(main())).toEqual([queued]);
    expect((await s.listSessions(PROJECT)).map((x) => x.sessionId)).toEqual([SID]);
    const entries = conversation(SID, 1);
    await s.append(main(), entries);
    expect(s.storeFor(PROJECT)!.tipOf(`claude/${SID}`)).toBeDefined();
    expect(await s.load(main())).toEqual([queued, ...entries]);
  });

  it('concurrent appends from two adapters (two processes) on one session lose nothing', async () => {
    const { root, s } = fresh();
    const t = new AgentlogSessionStore({ root });
    const entries = conversation(SID, 1);
    await s.append(main(), entries);
    const extra = (who: string, n: number): SessionStoreEntry[] =>
      Array.from({ length: n }, (_, i) => ({
        type: 'system',
        subtype: 'informational',
        uuid: `${who}-${i}`,
        parentUuid: null,
        sessionId: SID,
        content: `${who} ${i}`,
      }));
    await Promise.all([
      ...Array.from({ length: 4 }, (_, i) => s.append(main(), extra(`s${i}`, 2))),
      ...Array.from({ length: 4 }, (_, i) => t.append(main(), extra(`t${i}`, 2))),
    ]);
    const loaded = (await s.load(main()))!;
    expect(loaded.slice(0, entries.length)).toEqual(entries);
    expect(loaded.map((e) => e.uuid).sort()).toEqual(
      [...entries.map((e) => e.uuid), ...['s', 't'].flatMap((w) => [0, 1, 2, 3].flatMap((i) => [`${w}${i}-0`, `${w}${i}-1`]))].sort(),
    );
    const store = s.storeFor(PROJECT)!;
    expect(verifyTimeline(store, `claude/${SID}`, store.tipOf(`claude/${SID}`)!).problem).toBeUndefined();
  });

  it('rejects keys and entries that are not what the SDK sends, naming them', async () => {
    const { s } = fresh();
    const bad = async (key: unknown, entries: unknown) => {
      const e = await s.append(key as SessionKey, entries as SessionStoreEntry[]).catch((x) => x);
      expect(e).toBeInstanceOf(AgentlogError);
      return (e as AgentlogError).message;
    };
    expect(await bad({ projectKey: PROJECT, sessionId: '../x' }, [])).toMatch(/not a file name/);
    expect(await bad({ projectKey: PROJECT, sessionId: SID, subpath: '../../etc/agent-x' }, [])).toMatch(/not a subagent transcript/);
    expect(await bad({ projectKey: PROJECT, sessionId: SID, subpath: 'subagents/workflows/wf_1/journal' }, [])).toMatch(/not a subagent transcript/);
    expect(await bad({ projectKey: '', sessionId: SID }, [])).toMatch(/project key/);
    expect(await bad(main(), [{ uuid: 'x' }])).toMatch(/entry 0 .* not a transcript line/);
    expect(await bad(main(), [...conversation(SID, 1), { type: 'x', text: '\ud800' }])).toMatch(/cannot be stored/);
  });
});

describe('AgentlogSessionStore: a session continuing another (forkSession, uuids kept)', () => {
  it('is import’s fork of it, listed and loaded under its own id', async () => {
    const { s } = fresh();
    const first = conversation(SID, 1);
    await s.append(main(), first);
    const other = '6f1c2c3e-0000-4000-8000-000000000009';
    const copied = first.map((e) => ({ ...e, sessionId: other }));
    const continued = [...copied, ...turn(other, 7, first[first.length - 1].uuid as string)];
    await s.append(main(other), continued);
    expect(await s.load(main(other))).toEqual(continued);
    expect(await s.load(main())).toEqual(first);
    expect((await s.listSessions(PROJECT)).map((x) => x.sessionId).sort()).toEqual([SID, other]);
    // Stored once: the continuation's timeline shares the first session's commits.
    const store = s.storeFor(PROJECT)!;
    expect(git(store.dir, ['merge-base', '--is-ancestor', store.tipOf(`claude/${SID}`)!, store.tipOf(`claude/${other}`)!])).toBe('');
  });
});
