import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Event, type EventInput, importFiles, patchSides, Store } from '../../core/index.js';
import { callPath, type DocRef, documentName, documentText } from '../../extension/shared/documents.js';
import type { HostMessage } from '../../extension/shared/protocol.js';
import { PREVIEW_CHARS, type StepVM, type TurnVM } from '../../extension/shared/turnView.js';
import { insideFolder, PanelController, type PanelHost } from '../../extension/src/panelController.js';
import { demoStore } from '../helpers/extension-fixtures.js';
import { freshStore } from '../helpers/sessions.js';
import { sharedFixtures } from '../helpers/shared.js';
import { git, tmpdir } from '../helpers/tmp.js';

/** A host that records what the panel asks VS Code for: documents (with their text), diffs, files, timelines, warnings. */
function host(store: Store, folder?: string) {
  const posts: HostMessage[] = [];
  const docs: { ref: DocRef; text: string | undefined }[] = [];
  const diffs: { before: string | undefined; after: string | undefined; title: string }[] = [];
  const files: string[] = [];
  const opened: [string, number | null][] = [];
  const warned: string[] = [];
  const textOf = (ref: DocRef) => documentText(store.readEvents(store.tipOf(ref.timeline)!)[ref.seq].event, ref);
  const h: PanelHost = {
    post: (m) => void posts.push(m),
    copy: async () => {},
    linkFor: () => '',
    askForkName: async (s) => s,
    openTimeline: (_s, t, seq) => void opened.push([t, seq]),
    model: async () => ({ error: 'none' }),
    modelLabel: () => 'none',
    approvePolicy: () => 'writes',
    workspaceFolder: () => folder,
    setTitle: () => {},
    info: () => {},
    warn: (m) => void warned.push(m),
    openDocument: async (ref) => void docs.push({ ref, text: textOf(ref) }),
    openDiff: async (b, a, title) => void diffs.push({ before: textOf(b), after: textOf(a), title }),
    openFile: async (f) => void files.push(f),
  };
  return { h, posts, docs, diffs, files, opened, warned };
}

/** Open a panel and load every older page: all the turns the page would hold, and the messages. */
async function readAll(store: Store, timeline: string, folder?: string) {
  const r = host(store, folder);
  const c = new PanelController(store, timeline, r.h);
  await c.onMessage({ type: 'ready' });
  const reset = r.posts.findLast((p) => p.type === 'reset') as Extract<HostMessage, { type: 'reset' }>;
  let turns: TurnVM[] = reset.turns;
  let first = reset.firstSeq;
  let more = reset.hasOlder;
  while (more) {
    await c.onMessage({ type: 'loadOlder', beforeSeq: first });
    const older = r.posts.at(-1) as Extract<HostMessage, { type: 'older' }>;
    expect(older.type).toBe('older');
    expect(older.firstSeq).toBeLessThan(first);
    turns = [...older.turns, ...turns];
    first = older.firstSeq;
    more = older.hasOlder;
  }
  return { r, c, turns, reset, first };
}

const tools = (turns: TurnVM[]) => turns.flatMap((t) => t.steps.filter((s): s is Extract<StepVM, { t: 'tool' }> => s.t === 'tool'));

describe('the panel over the reading model', () => {
  it('opens a diff, a whole output and a file of the session folder; refuses a path outside it', async () => {
    const { store, workspace } = await demoStore(0);
    fs.writeFileSync(path.join(workspace, 'a.ts'), 'const a = 2;\n');
    const big = Array.from({ length: 5000 }, (_, i) => `out ${i}`).join('\n');
    await store.append('demo', { kind: 'message', role: 'user', content: [{ type: 'text', text: 'Change a' }] });
    await store.append('demo', {
      kind: 'message',
      role: 'assistant',
      content: [
        {
          type: 'tool_use',
          id: 'e1',
          name: 'Edit',
          input: { file_path: path.join('/src/app', 'a.ts'), old_string: 'const a = 1;', new_string: 'const a = 2;' },
        },
        { type: 'tool_use', id: 'b1', name: 'Bash', input: { command: 'seq 5000' } },
        { type: 'tool_use', id: 'r1', name: 'Read', input: { file_path: '../../etc/passwd' } },
      ],
    });
    await store.append('demo', {
      kind: 'message',
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'e1', content: 'ok' },
        { type: 'tool_result', tool_use_id: 'b1', content: big },
        { type: 'tool_result', tool_use_id: 'r1', content: 'no' },
      ],
    });
    // The session's cwd (/src/app) is not on this machine: paths are read against the workspace folder.
    const { r, c, turns } = await readAll(store, 'demo', workspace);
    expect(turns).toHaveLength(1);
    const [edit, bash, read] = tools(turns);
    expect(edit.view).toMatchObject({
      kind: 'edit',
      path: '/src/app/a.ts',
      diff: [
        { op: '-', text: 'const a = 1;' },
        { op: '+', text: 'const a = 2;' },
      ],
    });
    // The page gets the output's start; the whole opens in an editor.
    expect(bash.result?.output).toMatchObject({ chars: big.length, lines: 5000, cut: true });
    expect(bash.result?.output.text).toBe(big.slice(0, PREVIEW_CHARS));
    await c.onMessage({ type: 'openDiff', seq: 2, block: 0 });
    expect(r.diffs).toEqual([{ before: 'const a = 1;', after: 'const a = 2;', title: 'a.ts (event #2, demo)' }]);
    await c.onMessage({ type: 'openDoc', seq: 3, block: 1, part: 'output' });
    expect(r.docs[0].text).toBe(big);
    await c.onMessage({ type: 'openPath', seq: 2, block: 0 });
    expect(r.files).toEqual([fs.realpathSync(path.join(workspace, 'a.ts'))]);
    await c.onMessage({ type: 'openPath', seq: 2, block: 2 });
    expect(r.files).toHaveLength(1);
    expect(r.warned.at(-1)).toMatch(/outside the session's folder/);
    await c.onMessage({ type: 'openTimeline', timeline: 'no-such', seq: null });
    expect(r.warned.at(-1)).toMatch(/no timeline no-such/);
    expect(read.view).toMatchObject({ kind: 'read', path: '../../etc/passwd' });
  });

  it('a turn of 1,200 events in parts: parallel calls (a record each, then their results) are never parted from their results', async () => {
    const store = freshStore();
    await store.create('long', { kind: 'session', ts: 1000, title: 'long turn' });
    await store.append('long', { kind: 'message', role: 'user', ts: 1001, content: [{ type: 'text', text: 'Check every file' }] });
    const group = 4; // calls a, b, c, d, then their results, as Claude Code writes parallel calls
    const events: EventInput[] = [];
    for (let g = 0; g < 1200 / (2 * group); g++) {
      for (let k = 0; k < group; k++)
        events.push({
          kind: 'message',
          role: 'assistant',
          ts: 2000 + g,
          content: [{ type: 'tool_use', id: `c${g}-${k}`, name: 'Bash', input: { command: `ls dir${g}/${k}` } }],
        });
      for (let k = 0; k < group; k++)
        events.push({
          kind: 'message',
          role: 'user',
          ts: 2000 + g,
          content: [{ type: 'tool_result', tool_use_id: `c${g}-${k}`, content: `listing ${g}/${k}` }],
        });
    }
    const chain = {}; // written together, a commit each (as an import writes them)
    await Promise.all(events.map((e, i) => store.append('long', e, { seq: i + 2, chain })));
    await store.append('long', { kind: 'message', role: 'assistant', ts: 9000, content: [{ type: 'text', text: 'All checked.' }] });
    const { turns } = await readAll(store, 'long');
    expect(turns.filter((t) => t.continued).length).toBeGreaterThan(1); // shown in parts
    const calls = tools(turns);
    expect(calls).toHaveLength(600);
    // Every call holds its result; no result stands alone at the start of a part.
    expect(calls.filter((k) => !k.result).map((k) => k.id)).toEqual([]);
    expect(turns.flatMap((t) => t.steps.filter((st) => st.t === 'result'))).toEqual([]);
    for (let i = 1; i < turns.length; i++) expect(turns[i].first).toBe(turns[i - 1].last + 1);
  });

  it('insideFolder: relative and recorded-absolute paths inside; .., other absolute paths and links out are refused', () => {
    const dir = tmpdir('agentlog-inside-');
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src', 'x.ts'), '');
    fs.symlinkSync('/etc', path.join(dir, 'out'));
    expect(insideFolder(dir, 'src/x.ts')).toEqual({ path: path.join(fs.realpathSync(dir), 'src', 'x.ts') });
    expect(insideFolder(dir, '/home/u/proj/src/x.ts', '/home/u/proj')).toEqual({ path: path.join(fs.realpathSync(dir), 'src', 'x.ts') });
    expect(insideFolder(dir, '../x')).toMatchObject({ error: expect.stringMatching(/outside/) });
    expect(insideFolder(dir, '/etc/passwd', '/home/u/proj')).toMatchObject({ error: expect.stringMatching(/outside/) });
    expect(insideFolder(dir, 'out/passwd')).toMatchObject({ error: expect.stringMatching(/through a link/) });
    expect(insideFolder(dir, 'src/gone.ts')).toMatchObject({ error: expect.stringMatching(/does not exist/) });
  });

  it('names the timeline and event a fork left, and the forks that leave a timeline', async () => {
    const { store } = await demoStore(6);
    const at3 = [...store.history(store.tipOf('demo')!)].find((h) => h.seq === 3)!.oid;
    await store.branch('demo-try', at3, 'demo');
    const fork = await readAll(store, 'demo-try');
    expect(fork.reset.header.forkOf).toEqual({ timeline: 'demo', seq: 3 });
    const main = await readAll(store, 'demo');
    expect(main.reset.header.forks).toEqual([{ timeline: 'demo-try', seq: 3 }]);
    await main.c.onMessage({ type: 'openTimeline', timeline: 'demo', seq: 3 });
    expect(main.r.opened).toEqual([['demo', 3]]);
  });

  it('a timeline deleted while open, and one that is not an agentlog timeline, say so and offer nothing', async () => {
    const { store, dir } = await demoStore(3);
    const r = host(store);
    const c = new PanelController(store, 'demo', r.h);
    await c.onMessage({ type: 'ready' });
    git(dir, ['branch', '-D', 'demo']);
    c.refresh();
    const gone = r.posts.at(-1) as Extract<HostMessage, { type: 'reset' }>;
    expect(gone).toMatchObject({ type: 'reset', turns: [], header: { tipSeq: -1, gone: expect.stringMatching(/no longer exists/) } });
    await c.onMessage({ type: 'openDoc', seq: 1, part: 'raw' });
    expect(r.warned.at(-1)).toMatch(/no longer in the store/);
    // A plain git branch in the store: a commit whose tree holds no events.
    const plain = tmpdir('agentlog-plain-');
    git(plain, ['init', '-q']);
    fs.writeFileSync(path.join(plain, 'README'), 'not events\n');
    git(plain, ['add', 'README']);
    git(plain, ['-c', 'user.name=a', '-c', 'user.email=a@b', 'commit', '-qm', 'plain']);
    git(dir, ['fetch', '-q', plain, 'HEAD:refs/heads/plain']);
    const p = host(Store.open(dir));
    const pc = new PanelController(Store.open(dir), 'plain', p.h);
    await pc.onMessage({ type: 'ready' });
    expect(p.posts.at(-1)).toMatchObject({ type: 'reset', turns: [], header: { gone: expect.stringMatching(/^The timeline plain cannot be read: /) } });
  });
});

describe('the documents a panel opens', () => {
  const ev = (content: unknown[]) => ({ v: 1, kind: 'message', role: 'assistant', seq: 3, prev: null, ts: 1, content }) as unknown as Event;
  const patch = [
    '*** Begin Patch',
    '*** Update File: src/a.ts',
    '@@ fn',
    ' keep',
    '-old',
    '+new',
    '@@ other',
    ' more',
    '+added',
    '*** Add File: b.md',
    '+# B',
    '*** End Patch',
  ].join('\n');

  it("a patch's files as two sides each, hunks apart; an edit's and a write's sides; the raw event", () => {
    const e = ev([
      { type: 'tool_use', id: 'p', name: 'apply_patch', input: { input: patch } },
      {
        type: 'tool_use',
        id: 'e',
        name: 'MultiEdit',
        input: {
          file_path: 'x.ts',
          edits: [
            { old_string: 'a', new_string: 'b' },
            { old_string: 'c', new_string: 'd' },
          ],
        },
      },
      { type: 'tool_use', id: 'w', name: 'Write', input: { file_path: 'n.ts', content: 'hello' } },
    ]);
    expect(patchSides(patch, 0)).toEqual({ path: 'src/a.ts', before: 'keep\nold\n\nmore', after: 'keep\nnew\n\nmore\nadded' });
    expect(patchSides(patch, 1)).toEqual({ path: 'b.md', before: '', after: '# B' });
    expect(patchSides(patch, 2)).toBeUndefined();
    expect([documentText(e, { block: 0, part: 'before', file: 1 }), documentText(e, { block: 0, part: 'after', file: 1 })]).toEqual(['', '# B']);
    expect(documentName(e, { seq: 3, block: 0, part: 'after', file: 0 })).toBe('a.ts');
    expect([documentText(e, { block: 1, part: 'before' }), documentText(e, { block: 1, part: 'after', file: 1 })]).toEqual(['a\n\n⋯\n\nc', 'd']);
    expect([documentText(e, { block: 2, part: 'before' }), documentText(e, { block: 2, part: 'after' }), documentText(e, { block: 2, part: 'input' })]).toEqual(
      ['', 'hello', 'hello'],
    );
    expect(documentText(e, { block: 2, part: 'output' })).toBeUndefined();
    expect(documentText(e, { block: 9, part: 'text' })).toBeUndefined();
    expect(JSON.parse(documentText(e, { part: 'raw' })!)).toMatchObject({ kind: 'message', seq: 3 });
    expect(callPath(e, 0, 1)).toBe('b.md');
    expect(callPath(e, 2)).toBe('n.ts');
  });
});

const shared = sharedFixtures();
describe('the panel on real sessions (../shared/fixtures)', () => {
  if (!shared) {
    it('needs ../shared/fixtures', () => console.log('note: ../shared/fixtures is absent: the panel was not run on the real sessions'));
    return;
  }
  let store: Store;
  beforeAll(async () => {
    store = freshStore();
    await importFiles(store, 'claude', [path.join(shared, 'claude-code/spotter/ae4a77f8-aedd-4bc1-888f-c94edc91af04.jsonl')]);
    await importFiles(store, 'codex', [path.join(shared, 'codex/agentcmd/rollout-2025-09-24T19-22-20-01997e76-d124-7592-9cac-2ec05abbca08.jsonl')]);
  }, 120_000);

  it('a 2.4k-event Claude Code session: whole turns page by page, 242 calls each with its result, bookkeeping hidden, the Task opens its subagent', async () => {
    const name = 'claude/ae4a77f8-aedd-4bc1-888f-c94edc91af04';
    const { r, c, turns, first } = await readAll(store, name);
    expect(first).toBe(0);
    const calls = tools(turns);
    expect(calls).toHaveLength(242);
    // Its last turn (2,000+ events) comes in parts, none parting a call from its result (parallel
    // calls, a record each, included): every call holds its result, no result stands alone.
    const parts = turns.filter((t) => t.continued).length;
    const orphans = turns.flatMap((t) => t.steps.filter((st) => st.t === 'result'));
    expect(parts).toBeGreaterThan(0);
    expect(orphans).toEqual([]);
    expect(calls.filter((k) => !k.result).map((k) => k.id)).toEqual([]);
    const hidden = turns.reduce((n, t) => n + t.hidden.length, 0);
    expect(hidden).toBeGreaterThan(1200);
    // Every turn is whole: no event in two turns, none left out between the first and the tip.
    for (let i = 1; i < turns.length; i++) expect(turns[i].first).toBe(turns[i - 1].last + 1);
    const edit = calls.find((k) => k.view.kind === 'edit')!;
    await c.onMessage({ type: 'openDiff', seq: edit.seq, block: edit.block! });
    expect(r.diffs[0].before).not.toBe(r.diffs[0].after);
    expect(r.diffs[0].before!.length + r.diffs[0].after!.length).toBeGreaterThan(0);
    const task = calls.find((k) => k.view.kind === 'agent')!;
    expect(task.subagent).toMatch(/\.agent-/);
    await c.onMessage({ type: 'openTimeline', timeline: task.subagent!, seq: null });
    expect(r.opened).toEqual([[task.subagent, null]]);
    const sub = await readAll(store, task.subagent!);
    expect(sub.reset.header.startedBy).toBe(name);
  });

  it('a Codex session: apply_patch as files with a diff each, shell exit codes', async () => {
    const name = 'codex/01997e76-d124-7592-9cac-2ec05abbca08';
    const { r, c, turns } = await readAll(store, name);
    const calls = tools(turns);
    const patch = calls.find((k) => k.view.kind === 'patch' && k.view.files.some((f) => f.op === 'update'))!;
    const v = patch.view as Extract<typeof patch.view, { kind: 'patch' }>;
    const file = v.files.findIndex((f) => f.op === 'update');
    await c.onMessage({ type: 'openDiff', seq: patch.seq, block: patch.block!, file });
    expect(r.diffs).toHaveLength(1);
    expect(r.diffs[0].before).not.toBe(r.diffs[0].after);
    expect(r.diffs[0].title).toContain(path.basename(v.files[file].path));
    expect(calls.some((k) => k.result?.exitCode !== undefined && k.result.exitCode !== 0)).toBe(true);
    expect(turns.some((t) => t.hidden.some((h) => h.why === 'copy'))).toBe(true);
  });
});
