import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { blocksOf, type Event } from '../../core/event/event.js';
import { describeRecord } from '../../core/formats/describe.js';
import { importFiles } from '../../core/import/index.js';
import { readTurns } from '../../core/reading/turns.js';
import type { Reading, Ref } from '../../core/reading/types.js';
import type { Store } from '../../core/store/store.js';
import { sharedFixtures } from '../helpers/shared.js';
import { freshStore, jsonLines, jsonlFiles, type Obj, OWN_FIXTURES } from '../helpers/sessions.js';

/**
 * The reading model (core/reading) on every real session we have: the project's own recordings of
 * the pinned agents, and every file of ../shared/fixtures (Claude Code 1.0–2.1 with sidechains,
 * subagents and a compaction; Codex 0.40). For each timeline: each event in exactly one turn, each
 * block in exactly one place, every tool call paired with the result that names its id, the
 * unanswered ones counted, the bookkeeping hidden and nothing else, and the turns counted from the
 * session file by a rule of this test's own.
 */
const shared = sharedFixtures();

interface Case {
  store: Store;
  /** Main session files by timeline name, with their format. */
  files: Map<string, { file: string; format: 'claude' | 'codex' }>;
}

async function importAll(files: { file: string; format: 'claude' | 'codex' }[]): Promise<Case> {
  const store = freshStore();
  const byName = new Map<string, { file: string; format: 'claude' | 'codex' }>();
  for (const f of files) {
    const before = new Set(store.timelines().keys());
    await importFiles(store, f.format, [f.file]);
    for (const name of store.timelines().keys()) if (!before.has(name) && !/\.(side|agent)-/.test(name)) byName.set(name, f);
  }
  return { store, files: byName };
}

/** Every place a reading puts a piece of an event, with the turn it is in (-1: the header). */
function placesOf(r: Reading): { ref: Ref; turn: number; what: string }[] {
  const out: { ref: Ref; turn: number; what: string }[] = [];
  if (r.session) out.push({ ref: r.session.ref, turn: -1, what: 'session' });
  for (const t of r.turns) {
    const at = (ref: Ref, what: string) => out.push({ ref, turn: t.index, what });
    if (t.prompt) {
      at(t.prompt.ref, 'prompt');
      for (const i of t.prompt.images) at(i.ref, 'prompt image');
    }
    for (const s of t.steps) {
      if (s.type === 'tool') {
        at(s.call.ref, 'call');
        if (s.call.result) out.push({ ref: s.call.result.ref, turn: -2, what: 'result' }); // a result may come in a later turn
      } else if (s.type === 'result') at(s.result.ref, 'orphan result');
      else at(s.ref, s.type);
    }
    if (t.answer) at(t.answer.ref, 'answer');
    for (const h of t.hidden) at(h.ref, `hidden ${h.why}`);
  }
  return out;
}

/** Turns counted from a Claude Code file, independently of core/reading: user records with typed text. */
function claudePrompts(file: string): number {
  let n = 0;
  for (const r of jsonLines(file) as Obj[]) {
    if (r.type !== 'user' || r.isMeta || r.isCompactSummary || r.isSidechain) continue;
    const c = r.message?.content;
    const texts: string[] = typeof c === 'string' ? [c] : Array.isArray(c) ? c.filter((b: Obj) => b?.type === 'text').map((b: Obj) => String(b.text)) : [];
    const harness = ['<system-reminder', '<local-command', '[Request interrupted', 'Caveat:', '<environment'];
    if (texts.some((t) => t !== '' && !harness.some((h) => t.trimStart().startsWith(h)))) n++;
  }
  return n;
}

/** Turns counted from a Codex rollout: the prompts its UI showed (event_msg user_message; 0.16x: item_completed of a UserMessage). */
function codexPrompts(file: string): number {
  return (jsonLines(file) as Obj[]).filter(
    (r) => r.type === 'event_msg' && (r.payload?.type === 'user_message' || (r.payload?.type === 'item_completed' && r.payload?.item?.type === 'UserMessage')),
  ).length;
}

function checkReading(name: string, events: Event[], r: Reading): void {
  expect(r.events, name).toBe(events.length);
  const places = placesOf(r);
  // Each (event, block) in exactly one place; each event in exactly one turn (results aside).
  const seen = new Map<string, string>();
  const turnOf = new Map<number, number>();
  for (const p of places) {
    const key = `${p.ref.seq}/${p.ref.block ?? '-'}`;
    expect(seen.get(key), `${name}: ${key} is both ${seen.get(key)} and ${p.what}`).toBeUndefined();
    seen.set(key, p.what);
    if (p.turn === -2) continue;
    const t = turnOf.get(p.ref.seq);
    expect(t === undefined || t === p.turn, `${name}: event #${p.ref.seq} is in turns ${t} and ${p.turn}`).toBe(true);
    turnOf.set(p.ref.seq, p.turn);
  }
  for (const e of events) {
    const blocks = e.kind === 'message' ? blocksOf(e.content) : [];
    if (seen.has(`${e.seq}/-`)) {
      // The whole event in one place (a system message, a summary, a record): none of its blocks elsewhere.
      expect(hasAnyBlock(seen, e.seq), `${name}: event #${e.seq} is whole in one place and in pieces in others`).toBe(false);
      continue;
    }
    if (blocks.length === 0) {
      expect(hasAnyBlock(seen, e.seq), `${name}: event #${e.seq} (${e.kind}) is nowhere`).toBe(true);
      continue;
    }
    // A message: every block somewhere (the prompt holds the texts joined to it, from its first block).
    const promptHere = places.find((p) => p.what === 'prompt' && p.ref.seq === e.seq);
    blocks.forEach((b, i) => {
      if (seen.has(`${e.seq}/${i}`)) return;
      expect(promptHere && b.type === 'text', `${name}: block ${i} (${b.type}) of event #${e.seq} is nowhere`).toBe(true);
    });
  }
  // Calls: one per tool_use block; each result is the tool_result that names its id.
  const uses = events.flatMap((e) => (e.kind === 'message' ? blocksOf(e.content).filter((b) => b.type === 'tool_use') : []));
  expect(r.calls, name).toBe(uses.length);
  const resultIds = new Set(
    events.flatMap((e) => (e.kind === 'message' ? blocksOf(e.content).filter((b) => b.type === 'tool_result') : [])).map((b) => b.tool_use_id),
  );
  let unanswered = 0;
  for (const t of r.turns)
    for (const s of t.steps) {
      if (s.type !== 'tool') continue;
      const c = s.call;
      if (!c.result) {
        if (!resultIds.has(c.id)) unanswered++;
        continue;
      }
      const block = blocksOf(events[c.result.ref.seq].content)[c.result.ref.block ?? -1];
      expect(block?.type, name).toBe('tool_result');
      expect(block.tool_use_id, `${name}: the result of ${c.id}`).toBe(c.id);
    }
  expect(r.unanswered, name).toBe(unanswered);
  // Hidden: the agents' bookkeeping and system reminders, and only those.
  const hidden = new Set(places.filter((p) => p.what.startsWith('hidden')).map((p) => p.ref.seq));
  for (const e of events) {
    const d = describeRecord(e);
    if (d?.quiet && e.kind !== 'codex.event_msg') expect(hidden.has(e.seq), `${name}: #${e.seq} ${d.label} is bookkeeping`).toBe(true);
    if (hidden.has(e.seq) && e.kind === 'message') {
      const hiddenBlocks = places.filter((p) => p.what === 'hidden reminder' && p.ref.seq === e.seq);
      for (const p of hiddenBlocks) expect(String(blocksOf(e.content)[p.ref.block ?? -1]?.text)).toMatch(/^\s*<system-reminder>/);
    } else if (hidden.has(e.seq)) expect(d?.quiet || d?.label === 'user_message', `${name}: #${e.seq} hidden`).toBeTruthy();
  }
  expect(r.hidden, name).toBe(places.filter((p) => p.what.startsWith('hidden')).length);
}

function hasAnyBlock(seen: Map<string, string>, seq: number): boolean {
  for (const k of seen.keys()) if (k.startsWith(`${seq}/`) && k !== `${seq}/-`) return true;
  return false;
}

function checkStore(c: Case): number {
  let timelines = 0;
  for (const [name, tip] of c.store.timelines()) {
    const events = c.store.readEvents(tip).map((e) => e.event);
    const r = readTurns(events);
    checkReading(name, events, r);
    const main = c.files.get(name);
    if (main) {
      const want = main.format === 'claude' ? claudePrompts(main.file) : codexPrompts(main.file);
      expect(r.turns.filter((t) => t.index > 0).length, `${name}: turns`).toBe(want);
    }
    timelines++;
  }
  return timelines;
}

describe('the reading model on real sessions', () => {
  it("the pinned agents' own recordings (this project's fixtures)", async () => {
    const c = await importAll([
      ...jsonlFiles(path.join(OWN_FIXTURES, 'agents/claude-code-2.1.332')).map((file) => ({ file, format: 'claude' as const })),
      ...jsonlFiles(path.join(OWN_FIXTURES, 'agents/codex-0.171.0')).map((file) => ({ file, format: 'codex' as const })),
    ]);
    expect(checkStore(c)).toBe(2);
  });

  if (shared) {
    let c: Case;
    beforeAll(async () => {
      const files = [
        ...jsonlFiles(path.join(shared, 'claude-code'))
          .filter((f) => !f.includes(`${path.sep}subagents${path.sep}`))
          .map((file) => ({ file, format: 'claude' as const })),
        ...jsonlFiles(path.join(shared, 'codex')).map((file) => ({ file, format: 'codex' as const })),
      ];
      c = await importAll(files);
    }, 120_000);

    it('every file of ../shared/fixtures: turns, pairs, hidden records, every event in one place', () => {
      expect(checkStore(c)).toBeGreaterThanOrEqual(28);
      expect(c.files.size).toBe(19);
    });

    it('a 2.4k-event Claude Code 2.1 session: 3 turns, 242 calls all answered, its bookkeeping hidden, the Task linked to its subagent', () => {
      const name = 'claude/ae4a77f8-aedd-4bc1-888f-c94edc91af04';
      const r = readTurns(c.store.readEvents(c.store.tipOf(name)!).map((e) => e.event));
      expect(r.turns.filter((t) => t.index > 0)).toHaveLength(3);
      expect([r.calls, r.unanswered]).toEqual([242, 0]);
      expect(r.hidden).toBeGreaterThan(r.events / 2);
      const calls = r.turns.flatMap((t) => t.steps.flatMap((s) => (s.type === 'tool' ? [s.call] : [])));
      const kinds = new Set(calls.map((k) => `${k.name}:${k.view.kind}`));
      for (const k of ['Bash:shell', 'Read:read', 'Edit:edit', 'Write:write', 'WebFetch:web', 'Glob:search', 'Grep:search', 'Task:agent'])
        expect(kinds).toContain(k);
      const task = calls.find((k) => k.name === 'Task')!;
      expect(task.subagent?.timeline).toMatch(/^claude\/ae4a77f8-aedd-4bc1-888f-c94edc91af04\.agent-/);
      expect(c.store.tipOf(task.subagent!.timeline)).toBeDefined();
      const sub = readTurns(c.store.readEvents(c.store.tipOf(task.subagent!.timeline)!).map((e) => e.event));
      expect(sub.session?.parent?.timeline).toBe(name);
      expect(r.turns.some((t) => t.steps.some((s) => s.type === 'notice' && s.kind === 'compaction'))).toBe(true);
    });

    it('Codex 0.40: shell calls with exit codes, apply_patch as patches, update_plan as a todo list, copies hidden', () => {
      const name = 'codex/01997e76-d124-7592-9cac-2ec05abbca08';
      const r = readTurns(c.store.readEvents(c.store.tipOf(name)!).map((e) => e.event));
      const calls = r.turns.flatMap((t) => t.steps.flatMap((s) => (s.type === 'tool' ? [s.call] : [])));
      const patches = calls.filter((k) => k.view.kind === 'patch');
      expect(patches.length).toBeGreaterThan(10);
      for (const p of patches) if (p.view.kind === 'patch') expect(p.view.files.length).toBeGreaterThan(0);
      const shells = calls.filter((k) => k.view.kind === 'shell');
      // Every shell result has its exit code, but those the sandbox refused to run (errors all the same).
      const noCode = shells.filter((k) => k.result?.exitCode === undefined);
      expect(noCode.length).toBeLessThan(shells.length / 10);
      for (const k of noCode) expect([k.result?.text.slice(0, 17), k.result?.isError]).toEqual(['failed in sandbox', true]);
      expect(shells.some((k) => k.result?.exitCode !== 0 && k.result?.isError)).toBe(true);
      expect(shells.every((k) => !k.result?.text.startsWith('{"output":'))).toBe(true);
      expect(calls.some((k) => k.view.kind === 'todo')).toBe(true);
      const copies = r.turns.flatMap((t) => t.hidden.filter((h) => h.why === 'copy'));
      expect(copies.length).toBeGreaterThanOrEqual(13);
    });
  }
});

describe('the reading model on events made here', () => {
  const ev = (seq: number, e: Record<string, unknown>): Event => ({ v: 1, seq, prev: null, ts: 1_000 + seq, ...e }) as unknown as Event;
  const user = (seq: number, ...content: unknown[]) => ev(seq, { kind: 'message', role: 'user', content });
  const assistant = (seq: number, ...content: unknown[]) => ev(seq, { kind: 'message', role: 'assistant', content });
  const text = (t: string) => ({ type: 'text', text: t });

  it('a prompt, steps and answer; a reminder hidden; a task notification opens a turn; an interruption is a notice', () => {
    const r = readTurns([
      ev(0, { kind: 'session', title: 't', agent: { name: 'claude-code', version: '2.1.0' } }),
      user(1, text('fix the bug'), text('<system-reminder>be brief</system-reminder>')),
      assistant(2, { type: 'thinking', thinking: 'hmm' }, text('Looking.'), {
        type: 'tool_use',
        id: 'a',
        name: 'Edit',
        input: { file_path: 'x.ts', old_string: 'a\nb\nc', new_string: 'a\nB\nc' },
      }),
      user(3, { type: 'tool_result', tool_use_id: 'a', content: 'ok' }),
      assistant(4, text('Fixed.')),
      user(5, text('<task-notification>\n<status>completed</status>\n<summary>Background command "npm test" completed</summary>\n</task-notification>')),
      assistant(6, { type: 'tool_use', id: 'b', name: 'shell', input: { command: 'npm test' } }),
      user(7, text('[Request interrupted by user for tool use]')),
    ]);
    expect(r.session).toMatchObject({ title: 't', agent: 'claude-code', version: '2.1.0' });
    expect(r.turns.map((t) => [t.index, t.prompt?.kind, t.prompt?.text])).toEqual([
      [1, 'user', 'fix the bug'],
      [2, 'notification', 'Background command "npm test" completed'],
    ]);
    const [one, two] = r.turns;
    expect(one.steps.map((s) => s.type)).toEqual(['thinking', 'text', 'tool']);
    expect(one.answer).toEqual({ ref: { seq: 4, block: 0 }, text: 'Fixed.' });
    expect(one.hidden).toEqual([
      { ref: { seq: 1, block: 1 }, kind: 'message', label: 'system reminder', why: 'reminder', text: '<system-reminder>be brief</system-reminder>' },
    ]);
    const edit = one.steps[2].type === 'tool' ? one.steps[2].call : undefined;
    expect(edit?.view).toEqual({ kind: 'edit', path: 'x.ts', edits: [{ old: 'a\nb\nc', new: 'a\nB\nc' }] });
    expect(edit?.result).toMatchObject({ ref: { seq: 3, block: 0 }, text: 'ok', isError: false });
    expect(two.steps.map((s) => (s.type === 'notice' ? s.kind : s.type))).toEqual(['tool', 'interrupted']);
    expect([r.calls, r.unanswered]).toEqual([2, 1]);
  });

  it("shell results: Codex 0.4x's JSON and 0.16x's head, agentlog run's exit code; a result with no call is kept as a step", () => {
    const r = readTurns([
      user(0, text('go')),
      assistant(1, { type: 'tool_use', id: 'c1', name: 'shell', input: { command: ['bash', '-lc', 'false'] } }),
      user(2, { type: 'tool_result', tool_use_id: 'c1', content: '{"output":"boom\\n","metadata":{"exit_code":1,"duration_seconds":0.1}}' }),
      assistant(3, { type: 'tool_use', id: 'c2', name: 'shell_command', input: { command: 'ls' } }),
      user(4, { type: 'tool_result', tool_use_id: 'c2', content: 'Exit code: 0\nWall time: 0.1 seconds\nOutput:\na\nb\n' }),
      assistant(5, { type: 'tool_use', id: 'c3', name: 'shell', input: { command: 'exit 3' } }),
      user(6, { type: 'tool_result', tool_use_id: 'c3', content: 'exit code 3\n' }),
      user(7, { type: 'tool_result', tool_use_id: 'gone', content: 'late' }),
    ]);
    const calls = r.turns[0].steps.flatMap((s) => (s.type === 'tool' ? [s.call] : []));
    expect(calls.map((c) => [c.view.kind === 'shell' ? c.view.command : '', c.result?.exitCode, c.result?.isError, c.result?.text])).toEqual([
      ['false', 1, true, 'boom\n'],
      ['ls', 0, false, 'a\nb\n'],
      ['exit 3', 3, true, ''],
    ]);
    expect(r.turns[0].steps.at(-1)).toMatchObject({ type: 'result', callId: 'gone', result: { text: 'late' } });
  });

  it('apply_patch (Codex custom tool, and inside a shell heredoc) is a patch with its files', () => {
    const patch = '*** Begin Patch\n*** Add File: a.ts\n+x\n+y\n*** Update File: b.ts\n*** Move to: c.ts\n@@\n-old\n+new\n*** Delete File: d.ts\n*** End Patch';
    const r = readTurns([
      user(0, text('go')),
      assistant(1, { type: 'tool_use', id: 'p1', name: 'apply_patch', input: { input: patch } }),
      assistant(2, { type: 'tool_use', id: 'p2', name: 'shell', input: { command: ['bash', '-lc', `apply_patch <<'PATCH'\n${patch}\nPATCH`] } }),
    ]);
    const views = r.turns[0].steps.flatMap((s) => (s.type === 'tool' ? [s.call.view] : []));
    const files = [
      { path: 'a.ts', op: 'add', added: 2, removed: 0 },
      { path: 'b.ts', op: 'update', moveTo: 'c.ts', added: 1, removed: 1 },
      { path: 'd.ts', op: 'delete', added: 0, removed: 0 },
    ];
    expect(views).toEqual([
      { kind: 'patch', files, patch },
      { kind: 'patch', files, patch },
    ]);
  });

  it('a Task result that started a subagent links to its timeline; bad inputs get the generic view', () => {
    const r = readTurns([
      user(0, text('go')),
      assistant(
        1,
        { type: 'tool_use', id: 't', name: 'Task', input: { description: 'look', prompt: 'look around' } },
        { type: 'tool_use', id: 'e', name: 'Edit', input: { file_path: 3 } },
      ),
      ev(2, {
        kind: 'message',
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 't', content: [text('done')] }],
        subagent: { timeline: 'claude/x.agent-1' },
      }),
    ]);
    const [task, bad] = r.turns[0].steps.flatMap((s) => (s.type === 'tool' ? [s.call] : []));
    expect(task.view).toEqual({ kind: 'agent', description: 'look', prompt: 'look around' });
    expect(task.subagent).toEqual({ timeline: 'claude/x.agent-1' });
    expect(task.result?.text).toBe('done');
    expect(bad.view).toEqual({ kind: 'generic', input: { file_path: 3 } });
  });

  it('is linear: 200,000 events of one turn read in one pass', () => {
    const events: Event[] = [user(0, text('go'))];
    for (let i = 1; i < 200_000; i += 2) {
      events.push(assistant(i, { type: 'tool_use', id: `c${i}`, name: 'Read', input: { file_path: `f${i}` } }));
      events.push(user(i + 1, { type: 'tool_result', tool_use_id: `c${i}`, content: 'x' }));
    }
    const r = readTurns(events);
    expect([r.turns.length, r.calls, r.unanswered]).toEqual([1, 100_000, 0]);
  });
});
