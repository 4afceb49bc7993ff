import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { importFiles } from '../../core/import/index.js';
import { Store } from '../../core/store/store.js';
import { cli, cliOk } from '../helpers/cli.js';
import { freshStore, jsonlFiles, OWN_FIXTURES } from '../helpers/sessions.js';
import { sharedFixtures } from '../helpers/shared.js';
import { tmpdir } from '../helpers/tmp.js';

/**
 * `agentlog show` as turns, run as a person runs it: the real CLI (the compiled dist/) under a
 * pseudo-terminal made by util-linux `script` (its size set with stty) at 80 and 120 columns, with
 * and without NO_COLOR, and into a pipe; options in-process.
 */
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cli/bin/agentlog.js');
const CLAUDE = 'claude/8508e415-7387-4376-9c1e-2d5d6c8aa097';
const CODEX = 'codex/01a23876-68de-78c2-a760-1bb3076db507';
const ESC = '\x1b[';
const shared = sharedFixtures();

/** The CLI under a pseudo-terminal of `columns` columns; its output with the terminal's \r\n made \n. */
function underPty(cwd: string, columns: number, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  // A terminal pages show's output (cli/pager.ts); cat as the pager hands it straight through.
  const base: NodeJS.ProcessEnv = { ...process.env, AGENTLOG_PAGER: 'cat', ...env };
  if (!('NO_COLOR' in env)) delete base.NO_COLOR;
  const r = spawnSync('script', ['-q', '-e', '-c', `stty cols ${columns} rows 50; exec ${quoted}`, '/dev/null'], {
    cwd,
    env: base,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  });
  expect(r.status, `script … agentlog ${args.join(' ')}: ${r.stderr}${r.stdout.slice(0, 2000)}`).toBe(0);
  return r.stdout.replace(/\r\n/g, '\n');
}

/** The CLI into a pipe. */
function piped(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, COLUMNS: '', ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
/** The lines wider than `columns` (counted in code points), to name them when any is. */
const tooWide = (out: string, columns: number) =>
  plain(out)
    .split('\n')
    .filter((l) => [...l].length > columns);

describe('agentlog show: turns', () => {
  let store: Store;
  beforeAll(async () => {
    store = freshStore();
    await importFiles(store, 'claude', jsonlFiles(path.join(OWN_FIXTURES, 'agents/claude-code-2.1.332')));
    await importFiles(store, 'codex', jsonlFiles(path.join(OWN_FIXTURES, 'agents/codex-0.171.0')));
  });

  for (const columns of [80, 120])
    it(`under a terminal of ${columns} columns: coloured, a block per turn, a line per tool call, every line within the width`, () => {
      for (const name of [CLAUDE, CODEX]) {
        const out = underPty(store.dir, columns, ['show', name]);
        expect(out).toContain(ESC);
        const text = plain(out);
        expect(text).toMatch(/^═══ list the files here/);
        expect(text).toMatch(/\n── 1 · user · \d{4}-\d\d-\d\d \d\d:\d\d .*─+ #\d+–\d+\n {2}list the files here\n/);
        expect(text).toMatch(/\n {2}● (Bash|shell|exec_command|shell_command) {2}\$ ls.* ✓ /);
        expect(text).toContain('The folder holds one file.');
        expect(tooWide(out, columns)).toEqual([]);
      }
    });

  it('no colour with NO_COLOR, nor into a pipe (lines within $COLUMNS there, else 80)', () => {
    const noColor = underPty(store.dir, 80, ['show', CLAUDE], { NO_COLOR: '1' });
    expect(noColor).not.toContain(ESC);
    expect(tooWide(noColor, 80)).toEqual([]);
    const out = piped(store.dir, ['show', CLAUDE]);
    expect(out).not.toContain(ESC);
    expect(out).toBe(plain(underPty(store.dir, 80, ['show', CLAUDE])));
    expect(tooWide(out, 80)).toEqual([]);
    const wide = piped(store.dir, ['show', CLAUDE], { COLUMNS: '100' });
    expect(wide).toBe(plain(underPty(store.dir, 100, ['show', CLAUDE])));
  });

  it('hides the bookkeeping with a count; --all lists it in place with seqs', async () => {
    const { out } = await cliOk(store.dir, ['show', CLAUDE]);
    const hidden = /, (\d+) hidden \(--all shows them\)/.exec(out);
    expect(Number(hidden?.[1])).toBeGreaterThan(0);
    expect(out).toMatch(/ {2}· \d+ hidden: .*attachment/);
    const all = (await cliOk(store.dir, ['show', CLAUDE, '--all'])).out;
    expect(all).not.toContain('hidden (--all');
    expect(all).toMatch(/\n {2}· attachment [^\n]*#\d+/);
    expect(all.length).toBeGreaterThan(out.length);
  });

  it('--full unfolds results; --turn N shows one turn; --raw gives its events; --json the turns', async () => {
    const folded = (await cliOk(store.dir, ['show', CLAUDE])).out;
    const full = (await cliOk(store.dir, ['show', CLAUDE, '--full'])).out;
    expect(full).toContain('╰─ result');
    expect(folded).not.toContain('╰─ result');
    const one = (await cliOk(store.dir, ['show', CLAUDE, '--turn', '1'])).out;
    expect(one).toMatch(/^\n── 1 · user/);
    expect(one).not.toContain('═══');
    const json = JSON.parse((await cliOk(store.dir, ['show', CLAUDE, '--json'])).out);
    const turn = json.turns.find((t: { index: number }) => t.index === 1);
    expect(turn.prompt.text).toBe('list the files here');
    const call = turn.steps.find((s: { type: string }) => s.type === 'tool').call;
    expect(call.view).toMatchObject({ kind: 'shell', command: 'ls' });
    expect(call.result.ref.seq).toBeGreaterThan(call.ref.seq);
    expect(turn.answer.text).toBe('The folder holds one file.');
    const raw = (await cliOk(store.dir, ['show', CLAUDE, '--turn', '1', '--raw'])).out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(raw.map((e: { seq: number }) => e.seq)).toEqual(Array.from({ length: turn.last - turn.first + 1 }, (_, i) => turn.first + i));
    expect(raw[0].cid['/']).toMatch(/^bafyrei/);
    const records = JSON.parse((await cliOk(store.dir, ['show', CLAUDE, '--records', '--json'])).out);
    expect(records.length).toBe(json.events);
  });

  it('rejects a turn that is not there, naming the turns there are', async () => {
    for (const n of ['99', 'x', '1.5']) {
      const r = await cli(store.dir, ['show', CLAUDE, '--turn', n]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`--turn ${n}: ${CLAUDE} has turns 0–1`));
    }
  });

  if (shared)
    it('a 2.4k-event Claude Code session and a Codex one at 80 columns: every line fits, tool calls summarised, the subagent named', async () => {
      const s = freshStore();
      await importFiles(s, 'claude', [path.join(shared, 'claude-code/spotter/ae4a77f8-aedd-4bc1-888f-c94edc91af04.jsonl')]);
      await importFiles(s, 'codex', [path.join(shared, 'codex/agentcmd/rollout-2025-09-24T19-22-20-01997e76-d124-7592-9cac-2ec05abbca08.jsonl')]);
      const claude = underPty(s.dir, 80, ['show', 'claude/ae4a77f8-aedd-4bc1-888f-c94edc91af04']);
      expect(tooWide(claude, 80)).toEqual([]);
      const text = plain(claude);
      expect(text).toMatch(/ {2}● Edit {2}\S+ {2}\+\d+ −\d+/);
      expect(text).toMatch(/ {4}↳ subagent:\n {6}claude\/ae4a77f8-aedd-4bc1-888f-c94edc91af04\.agent-a\w+\n/);
      expect(text).toMatch(/◆ compaction/);
      // Bookkeeping is most of this session: the turns view is far shorter than the old one.
      expect(text.split('\n').length).toBeLessThan(piped(s.dir, ['show', 'claude/ae4a77f8-aedd-4bc1-888f-c94edc91af04', '--records']).split('\n').length);
      const codex = underPty(s.dir, 120, ['show', 'codex/01997e76-d124-7592-9cac-2ec05abbca08', '--full']);
      expect(tooWide(codex, 120)).toEqual([]);
      expect(plain(codex)).toMatch(/ {2}● shell {2}[AMD] \S+ \+\d+ −\d+/);
      expect(plain(codex)).toMatch(/ {2}● update_plan {2}\d+ items: [✓▸○]/);
      expect(plain(codex)).toMatch(/✗ exit \d+/);
    });
});

describe('agentlog show: hostile text', () => {
  it('renders a 2 MB run of spaces, a 2 MB word and control characters in one pass, within the width, no escape of its own', async () => {
    const dir = tmpdir();
    const { store } = Store.init(path.join(dir, '.agentlog'));
    await store.create('h', { kind: 'session', title: 'hostile' });
    const spaces = `${' '.repeat(2_000_000)}x`;
    const word = 'w'.repeat(2_000_000);
    await store.append('h', { kind: 'message', role: 'user', content: [{ type: 'text', text: `${spaces}\n${word}\x1b[31mred\x07` }] });
    await store.append('h', {
      kind: 'message',
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'c', name: 'Bash', input: { command: `apply_patch ${' '.repeat(1_000_000)}` } }],
    });
    await store.append('h', { kind: 'message', role: 'user', content: [{ type: 'tool_result', tool_use_id: 'c', content: `${'\n'.repeat(1_000_000)}done` }] });
    for (const args of [
      ['show', 'h'],
      ['show', 'h', '--full', '--all'],
    ]) {
      const { out } = await cliOk(dir, args);
      expect(out).not.toContain('\x1b');
      expect(out).not.toContain('\x07');
      expect(tooWide(out, 100)).toEqual([]);
      expect(out.replace(/\n {2}/g, '')).toContain('w[31mred'); // the escape character removed, the rest is text
    }
  });
});
