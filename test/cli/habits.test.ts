import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli, cliOk, storeWithSession } from '../helpers/cli.js';
import { tmpdir } from '../helpers/tmp.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cli/bin/agentlog.js');

/** A store with three sessions: two titled alike, one imported-looking (agent, cwd), one forked. */
async function threeSessions(): Promise<string> {
  const dir = tmpdir();
  await cliOk(dir, ['init']);
  const events = (agent: string, cwd: string, title: string, ts: number) =>
    `${JSON.stringify({ kind: 'session', title, agent: { name: agent }, cwd, ts })}\n${JSON.stringify({ kind: 'message', role: 'user', content: [{ type: 'text', text: 'hi' }], ts: ts + 1000 })}\n`;
  const make = async (name: string, agent: string, cwd: string, title: string, ts: number) => {
    // A genesis with its own agent and cwd, as an import writes one.
    await cliOk(dir, ['new', '--name', name, '--title', title, '--agent', agent, '--workspace', cwd]);
    await cliOk(dir, ['append', name, '--json', '-'], { stdin: events(agent, cwd, title, ts).split('\n')[1] });
  };
  await make('claude/8c21b873-8509-4f1e-9d7a-5c0b1e2f3a4b', 'claude-code', '/home/ann/projects/webshop', 'List the files here', 1_763_900_000_000);
  await make(
    'codex/0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
    'codex',
    '/home/ann/projects/billing-service-with-a-long-name',
    'List the files here',
    1_764_000_000_000,
  );
  await make('fix-login', 'agentlog', '/home/ann/projects/webshop', 'Fix the login page that answers 500 after the password reset', 1_764_100_000_000);
  await cliOk(dir, ['fork', 'fix-login@0', '--name', 'fix-login-retry']);
  return dir;
}

describe('the habits of a CLI people judge in seconds', () => {
  it('a mistyped command or option: exit 2, the closest names, no Node text', async () => {
    const dir = tmpdir();
    const cases: Array<[string[], string]> = [
      [['shwo'], 'agentlog: unknown command "shwo"; did you mean "show"?\nsee every command: agentlog help\n'],
      [['lss'], 'agentlog: unknown command "lss"; did you mean "ls"?\nsee every command: agentlog help\n'],
      [['xyzzy'], 'agentlog: unknown command "xyzzy"\nsee every command: agentlog help\n'],
      [['help', 'verfy'], 'agentlog: unknown command "verfy"; did you mean "verify"?\nsee every command: agentlog help\n'],
      [['ls', '--jsn'], 'agentlog ls: unknown option --jsn; did you mean --json?\n'],
      [['verify', '--ful'], 'agentlog verify: unknown option --ful; did you mean --full?\n'],
      [['show', '-x'], 'agentlog show: unknown option -x\n'],
      [['ls', '--store'], 'agentlog ls: --store needs a value\n'],
      [['ls', '--json=yes'], 'agentlog ls: --json takes no value\n'],
    ];
    for (const [args, err] of cases) {
      const r = await cli(dir, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.startsWith(err), `${args.join(' ')}: ${r.err}`).toBe(true);
      expect(r.err).not.toMatch(/To specify a positional|Unknown option/);
      expect(r.out).toBe('');
    }
  });

  it('agentlog help CMD is agentlog CMD --help; agentlog help is the general help', async () => {
    const dir = tmpdir();
    for (const c of ['show', 'ls', 'push']) {
      const help = await cli(dir, ['help', c]);
      expect(help.code).toBe(0);
      expect(help.out).toBe((await cli(dir, [c, '--help'])).out);
      expect(help.out).toMatch(new RegExp(`^usage: agentlog ${c}`));
    }
    const top = await cli(dir, ['help']);
    expect(top.code).toBe(0);
    expect(top.out).toBe((await cli(dir, ['--help'])).out);
  });

  it('--json on init, new, fork, export, demo, and import with nothing found', async () => {
    const dir = tmpdir();
    const init = JSON.parse((await cliOk(dir, ['init', '--json'])).out);
    expect(init).toEqual({ store: fs.realpathSync(path.join(dir, '.agentlog')), created: true });
    expect(JSON.parse((await cliOk(dir, ['init', '--json'])).out).created).toBe(false);
    const made = JSON.parse((await cliOk(dir, ['new', '--title', 'Fix login', '--json'])).out);
    expect(made).toMatchObject({ name: 'fix-login', cid: { '/': expect.stringMatching(/^bafyrei/) }, commit: expect.stringMatching(/^[0-9a-f]{40}$/) });
    await cliOk(dir, ['append', 'fix-login', '--role', 'user', '--text', 'Login fails']);
    const forked = JSON.parse((await cliOk(dir, ['fork', 'fix-login@0', '--json'])).out);
    expect(forked).toMatchObject({ name: 'fix-login-at-0', from: 'fix-login', seq: 0, commit: made.commit });
    const file = path.join(dir, 'out.jsonl');
    const exported = JSON.parse((await cliOk(dir, ['export', 'claude', 'fix-login', '--out', file, '--json'])).out);
    expect(exported).toMatchObject({ file, format: 'claude', records: 1 });
    expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
    const noOut = await cli(dir, ['export', 'claude', 'fix-login', '--json']);
    expect(noOut.code).toBe(1);
    expect(noOut.err).toContain('--out FILE --json');
    const demo = JSON.parse((await cliOk(dir, ['demo', 'tour', '--json'])).out);
    expect(demo.store).toBe(fs.realpathSync(path.join(dir, 'tour')));
    expect(demo.timelines).toEqual([
      { name: 'fix-date-test', events: 12, ok: true },
      { name: 'fix-date-test-other-fix', events: 9, ok: true },
    ]);
    const none = await cliOk(dir, ['import', 'claude', '--json'], { env: { HOME: tmpdir() } });
    expect(JSON.parse(none.out)).toMatchObject({ sessions: 0, timelines: { created: 0, names: [] }, events: { appended: 0 } });
    expect(none.err).toMatch(/no claude sessions found/);
  });

  it('pull URL says to name the remote first; messages say what to type next', async () => {
    const { dir } = await storeWithSession();
    const r = await cli(dir, ['pull', 'https://git.example.com/me/sessions.git']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('name it first: agentlog remote add origin https://git.example.com/me/sessions.git');
    const p = await cli(dir, ['push', 'git@git.example.com:me/sessions.git']);
    expect(p.code).toBe(1);
    expect(p.err).toContain('name it first: agentlog remote add origin git@git.example.com:me/sessions.git');
    expect((await cli(tmpdir(), ['init'])).err).toMatch(/next: agentlog import claude/);
    expect((await cli(dir, ['remote', 'add', 'origin', 'https://git.example.com/me/sessions.git'])).err).toMatch(/next: agentlog push origin/);
    expect((await cli(dir, ['new', '--title', 'other'])).err).toMatch(/next: agentlog append other --role user/);
  });

  it('ls fits 80 and 120 columns: name, agent, project, date, events, title; no padding past the width; like titles numbered', async () => {
    const dir = await threeSessions();
    for (const columns of [80, 120]) {
      const ls = await cliOk(dir, ['ls'], { columns });
      const lines = ls.out.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^NAME +AGENT +PROJECT +UPDATED +EVENTS +TITLE$/);
      for (const l of lines) {
        expect([...l].length, l).toBeLessThanOrEqual(columns);
        expect(l).toBe(l.trimEnd());
      }
      expect(lines).toHaveLength(5);
      expect(lines[1]).toMatch(/^fix-login +agentl(og|…) +webshop +2025-11-25 19:46 +2 {2}Fix the login p/);
      expect(lines[2]).toMatch(/^ {2}└ fix-login-re.* +1 {2}fork at @0$/);
      // The same title twice: numbered (oldest first), the number kept when the title is cut.
      expect(lines[3]).toMatch(/^codex\/0199a1b2-c.* codex +billing.* +2025-11-24 16:00 +2 {2}List the fil.* #2$/);
      expect(lines[4]).toMatch(/^claude\/8c21b873-.* claude.* +webshop +2025-11-23 12:13 +2 {2}List the fil.* #1$/);
    }
    // 120 columns: the names and agents whole; 80: cut, with …
    const wide = (await cliOk(dir, ['ls'], { columns: 120 })).out;
    expect(wide).toContain('  └ fix-login-retry ');
    expect(wide).toMatch(/ claude-code +webshop /);
    expect(wide).toContain('List the files here #1');
    const narrow = (await cliOk(dir, ['ls'], { columns: 80 })).out;
    expect(narrow).not.toContain('fix-login-retry');
    expect(narrow).toMatch(/Fix the login p.*…\n/);
    // Piped: nothing cut, tab-separated, no header.
    const piped = (await cliOk(dir, ['ls'])).out;
    expect(piped.split('\n')[0]).toBe('fix-login\tagentlog\twebshop\t2025-11-25 19:46:41Z\t2\t\tFix the login page that answers 500 after the password reset');
  });

  it('ls filters: --agent, --project, --since, -n; a filter that matches nothing says how to see all', async () => {
    const dir = await threeSessions();
    const names = async (...args: string[]) =>
      (await cliOk(dir, ['ls', ...args])).out
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]);
    expect(await names()).toEqual([
      'fix-login',
      'fix-login-retry',
      'codex/0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      'claude/8c21b873-8509-4f1e-9d7a-5c0b1e2f3a4b',
    ]);
    expect(await names('--agent', 'claude')).toEqual(['claude/8c21b873-8509-4f1e-9d7a-5c0b1e2f3a4b']);
    expect(await names('--agent', 'Codex')).toEqual(['codex/0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b']);
    expect(await names('--project', 'webshop')).toEqual(['fix-login', 'fix-login-retry', 'claude/8c21b873-8509-4f1e-9d7a-5c0b1e2f3a4b']);
    expect(await names('--project', '/home/ann/projects')).toHaveLength(4);
    // Active on 2025-11-25 19:46, 2025-11-24 16:00 and 2025-11-23 12:13 (UTC).
    expect(await names('--since', '2025-11-24')).toEqual(['fix-login', 'fix-login-retry', 'codex/0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b']);
    expect(await names('--since', '2025-11-25T12:00Z')).toEqual(['fix-login', 'fix-login-retry']);
    expect(await names('-n', '1')).toEqual(['fix-login', 'fix-login-retry']);
    const json = JSON.parse((await cliOk(dir, ['ls', '--agent', 'codex', '--json'])).out);
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ agent: 'codex', cwd: '/home/ann/projects/billing-service-with-a-long-name', title: 'List the files here' });
    const none = await cliOk(dir, ['ls', '--agent', 'gemini']);
    expect(none.out).toBe('');
    expect(none.err).toBe('no session matches (3 in the store); list them all with: agentlog ls\n');
    for (const [args, why] of [
      [['--since', 'yesterday'], /--since "yesterday" is neither a date nor an age; try --since 2025-11-24 or --since 3d/],
      [['-n', '0'], /-n takes a number of sessions, 1 or more/],
    ] as const) {
      const r = await cli(dir, ['ls', ...args]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(why);
    }
  });

  it('ls through a real pseudo-terminal of 80 columns (the installed command as a person runs it)', async () => {
    const dir = await threeSessions();
    // script(1) gives the command a terminal; stty sets its width.
    const out = execFileSync('script', ['-qec', `stty cols 80; ${process.execPath} ${BIN} ls`, '/dev/null'], { cwd: dir, encoding: 'utf8' });
    const lines = out.replace(/\r/g, '').trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +AGENT +PROJECT +UPDATED +EVENTS +TITLE$/);
    expect(lines).toHaveLength(5);
    for (const l of lines) expect([...l].length, l).toBeLessThanOrEqual(80);
  });
});
