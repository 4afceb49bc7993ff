import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliOk } from '../helpers/cli.js';
import { git, tmpdir } from '../helpers/tmp.js';

/** A folder holding a store at `sessions/` with one timeline, and an empty folder `elsewhere/` beside it. */
async function storeAside(): Promise<{ root: string; store: string; elsewhere: string }> {
  const root = tmpdir();
  const store = path.join(root, 'sessions');
  const elsewhere = path.join(root, 'elsewhere');
  fs.mkdirSync(elsewhere);
  await cliOk(root, ['init', 'sessions']);
  await cliOk(root, ['new', '--title', 'Fix login', '--store', 'sessions']);
  return { root, store, elsewhere };
}

describe('global options, before or after the command', () => {
  it('--store DIR before the command is the same as after it', async () => {
    const { root, elsewhere } = await storeAside();
    const before = await cliOk(root, ['--store', 'sessions', 'ls']);
    const after = await cliOk(root, ['ls', '--store', 'sessions']);
    const inline = await cliOk(root, ['--store=sessions', 'ls']);
    expect(before.out).toMatch(/^fix-login\t/);
    expect(after.out).toBe(before.out);
    expect(inline.out).toBe(before.out);
    // Without it, from a folder with no store: the error says how to name one.
    const none = await cli(elsewhere, ['ls']);
    expect(none.code).toBe(1);
    expect(none.err).toContain('--store DIR');
    // Both given: the one after the command wins (the later one, as parseArgs reads a repeated option).
    expect((await cli(root, ['--store', 'nowhere', 'ls', '--store', 'sessions'])).code).toBe(0);
    expect((await cli(root, ['--store', 'sessions', 'ls', '--store', 'nowhere'])).err).toMatch(/store .*nowhere does not exist/);
  });

  it('-C DIR runs as if started in DIR: a relative --store, a store found above DIR, several -C compose', async () => {
    const { root, elsewhere, store } = await storeAside();
    expect((await cliOk(elsewhere, ['-C', '..', 'ls', '--store', 'sessions'])).out).toMatch(/^fix-login\t/);
    expect((await cliOk(elsewhere, ['-C', '..', '-C', 'sessions', 'ls'])).out).toMatch(/^fix-login\t/);
    expect((await cliOk(elsewhere, ['ls', '-C', store])).out).toMatch(/^fix-login\t/);
    // new with -C writes into that store: the real git CLI sees the branch.
    await cliOk(elsewhere, ['-C', store, 'new', '--title', 'second one']);
    expect(git(store, ['branch', '--format=%(refname:short)']).trim().split('\n').sort()).toEqual(['agentlog@store', 'fix-login', 'second-one']);
    const missing = await cli(root, ['-C', 'no-such-folder', 'ls']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('-C no-such-folder');
    expect(missing.err).toContain(path.join(root, 'no-such-folder'));
  });

  it('--json before the command, where the command has --json; a usage error where it has none', async () => {
    const { root } = await storeAside();
    const ls = await cliOk(root, ['--json', '--store', 'sessions', 'ls']);
    expect(JSON.parse(ls.out)).toEqual(JSON.parse((await cliOk(root, ['ls', '--json', '--store', 'sessions'])).out));
    const cat = await cli(root, ['--json', '--store', 'sessions', 'cat', 'fix-login']);
    expect(cat.code).toBe(2);
    expect(cat.err).toMatch(/^agentlog cat: cat has no --json output\nusage: agentlog cat/);
  });

  it('did-you-mean keeps working with global options around the command', async () => {
    const { root } = await storeAside();
    const cases: Array<[string[], string]> = [
      [['--store', 'sessions', 'shwo'], 'agentlog: unknown command "shwo"; did you mean "show"?\n'],
      [['-C', '.', 'lss'], 'agentlog: unknown command "lss"; did you mean "ls"?\n'],
      [['--stor', 'sessions', 'ls'], 'agentlog: unknown option --stor; did you mean --store?'],
      [['--no-colour', 'ls'], 'agentlog: unknown option --no-colour; did you mean --no-color?'],
      [['--store'], 'agentlog: --store needs a value\n'],
      [['--json=1', 'ls'], 'agentlog: --json takes no value\n'],
      [['--store', 'sessions', 'ls', '--jsn'], 'agentlog ls: unknown option --jsn; did you mean --json?\n'],
    ];
    for (const [args, err] of cases) {
      const r = await cli(root, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.startsWith(err), `${args.join(' ')}: ${r.err}`).toBe(true);
      expect(r.out).toBe('');
    }
  });

  it('--help and --version before or after; help lists the global options', async () => {
    const dir = tmpdir();
    const top = await cliOk(dir, ['--help']);
    for (const o of ['--store DIR', '-C DIR', '--json', '--no-color', '--no-pager', '--version']) expect(top.out).toContain(o);
    expect((await cliOk(dir, ['--store', 'x', '--help', 'show'])).out).toBe((await cliOk(dir, ['show', '--help'])).out);
    const version = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
    expect((await cliOk(dir, ['--version'])).out).toBe(`agentlog ${version}\n`);
    expect((await cliOk(dir, ['--no-color', '--version'])).out).toBe(`agentlog ${version}\n`);
  });
});
