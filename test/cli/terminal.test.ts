import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli, cliOk, storeWithSession } from '../helpers/cli.js';
import { git, tmpdir } from '../helpers/tmp.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cli/bin/agentlog.js');

/** The environment a person's shell would give: ours without any pager or colour setting of the machine running the tests. */
function shellEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const k of ['PAGER', 'AGENTLOG_PAGER', 'NO_COLOR', 'LESS']) if (!(k in extra)) delete env[k];
  return env;
}

/** `agentlog ARGS` in a real pseudo-terminal (script(1)), 80 columns wide; what the terminal showed, \r\n as \n. */
function onTerminal(cwd: string, args: string, extra: Record<string, string> = {}): string {
  const out = execFileSync('script', ['-qec', `stty cols 80; ${process.execPath} ${BIN} ${args}`, '/dev/null'], {
    cwd,
    encoding: 'utf8',
    env: shellEnv(extra),
  });
  return out.replace(/\r\n/g, '\n');
}

/** `agentlog ARGS` with stdout a pipe. */
function piped(cwd: string, args: string[], extra: Record<string, string> = {}): string {
  return execFileSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: shellEnv(extra) });
}

async function session() {
  return storeWithSession({ messages: ['Login fails after the password reset', 'I will look at the handler', 'Thanks'] });
}

describe('terminal habits: pager, colour, completion', () => {
  it('show and log page through $AGENTLOG_PAGER, else $PAGER, on a terminal only; --no-pager and a pipe page nothing', async () => {
    const { dir, name } = await session();
    const mark = { AGENTLOG_PAGER: 'sed s/^/PAGED:/' };
    const paged = onTerminal(dir, `log ${name}`, mark).trimEnd().split('\n');
    expect(paged).toHaveLength(4);
    for (const line of paged) expect(line).toMatch(/^PAGED:\d/);
    expect(onTerminal(dir, `show ${name}`, { PAGER: 'sed s/^/VIA-PAGER:/' })).toMatch(/^VIA-PAGER:/m);
    // AGENTLOG_PAGER wins over PAGER.
    expect(onTerminal(dir, `log ${name}`, { ...mark, PAGER: 'sed s/^/VIA-PAGER:/' })).not.toContain('VIA-PAGER');
    expect(onTerminal(dir, `log ${name} --no-pager`, mark)).not.toContain('PAGED:');
    expect(onTerminal(dir, `--no-pager log ${name}`, mark)).not.toContain('PAGED:');
    expect(onTerminal(dir, `log ${name}`, { AGENTLOG_PAGER: 'cat' })).toMatch(/^0 /);
    // Not every command pages: ls prints straight to the terminal.
    expect(onTerminal(dir, 'ls', mark)).not.toContain('PAGED:');
    // Piped: no pager, whatever is set.
    const plain = piped(dir, ['log', name], mark);
    expect(plain).not.toContain('PAGED:');
    expect(plain.trimEnd().split('\n')).toHaveLength(4);
    // The default, less -FRX: the text fits one screen, so less prints it and quits.
    const byLess = onTerminal(dir, `log ${name}`);
    expect(byLess).toMatch(/^0 .*\n1 .*\n2 .*\n3 /m);
  });

  it('colours on a terminal only; NO_COLOR and --no-color take them away', async () => {
    const { dir, name } = await session();
    const opts = { AGENTLOG_PAGER: 'cat' };
    expect(onTerminal(dir, `show ${name}`, opts)).toContain('\x1b[');
    expect(onTerminal(dir, `show ${name}`, { ...opts, NO_COLOR: '1' })).not.toContain('\x1b[');
    expect(onTerminal(dir, `show ${name} --no-color`, opts)).not.toContain('\x1b[');
    expect(onTerminal(dir, `--no-color show ${name}`, opts)).not.toContain('\x1b[');
    // NO_COLOR set but empty counts as unset (no-color.org).
    expect(onTerminal(dir, `show ${name}`, { ...opts, NO_COLOR: '' })).toContain('\x1b[');
    expect(piped(dir, ['show', name])).not.toContain('\x1b[');
    // Through the pager the colours stay (less -R shows them).
    expect(onTerminal(dir, `show ${name}`, { AGENTLOG_PAGER: 'sed s/^/P:/' })).toMatch(/^P:.*\x1b\[/m);
  });

  it('completion bash completes commands, options, timelines and remotes in a real bash', async () => {
    const { dir } = await storeWithSession({ title: 'Fix login' });
    await cliOk(dir, ['new', '--title', 'Fix other']);
    await cliOk(dir, ['remote', 'add', 'origin', 'https://git.example.com/me/sessions.git']);
    const store = path.join(dir, '.agentlog');
    git(store, ['update-ref', 'refs/remotes/origin/from-elsewhere', git(store, ['rev-parse', 'refs/heads/fix-login']).trim()]);
    const bin = tmpdir();
    fs.writeFileSync(path.join(bin, 'agentlog'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`, { mode: 0o755 });
    const scriptFile = path.join(bin, 'agentlog.bash');
    fs.writeFileSync(scriptFile, (await cliOk(dir, ['completion', 'bash'])).out);
    const elsewhere = tmpdir();
    // Every case in one real bash (each name lookup runs the installed agentlog): [cwd, words].
    const cases: Array<[string, string[]]> = [
      [dir, ['agentlog', 'sh']],
      [dir, ['agentlog', 're']],
      [dir, ['agentlog', 'show', 'fix']],
      [dir, ['agentlog', 'log', '']],
      [dir, ['agentlog', 'show', '--f']],
      [dir, ['agentlog', 'ls', '--no']],
      [dir, ['agentlog', '--st']],
      [dir, ['agentlog', 'push', '']],
      [dir, ['agentlog', 'push', 'origin', 'fix-l']],
      [dir, ['agentlog', 'capture', 'install', '']],
      [dir, ['agentlog', 'completion', '']],
      // The store named on the line is the one asked, from any folder; with none, nothing (and no error on the line).
      [elsewhere, ['agentlog', '--store', store, 'show', 'fix-o']],
      [elsewhere, ['agentlog', '-C', dir, 'delete', 'fix-o']],
      [elsewhere, ['agentlog', 'show', 'fix-o']],
    ];
    const q = (w: string) => `'${w.replace(/'/g, "'\\''")}'`;
    const script = [
      `source ${q(scriptFile)}`,
      ...cases.map(
        ([cwd, words]) =>
          `cd ${q(cwd)}; COMP_WORDS=(${words.map(q).join(' ')}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); _agentlog; echo "\${COMPREPLY[*]}"`,
      ),
    ].join('\n');
    const answers = execFileSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8', env: shellEnv({ PATH: `${bin}:${process.env.PATH}` }) })
      .split('\n')
      .slice(0, cases.length)
      .map((l) => l.split(' ').filter(Boolean).sort().join(' '));
    expect(answers).toEqual([
      'show',
      'redact remote rename restore resume',
      'fix-login fix-other',
      'fix-login fix-other from-elsewhere',
      '--full',
      '--no-color --no-pager',
      '--store',
      'origin',
      'fix-login',
      'claude codex',
      'bash fish zsh',
      'fix-other',
      'fix-other',
      '',
    ]);
  });

  it('completion zsh and fish: every command, its options, names asked of agentlog; a bad shell is refused', async () => {
    const dir = tmpdir();
    const zsh = (await cliOk(dir, ['completion', 'zsh'])).out;
    expect(zsh.startsWith('#compdef agentlog\n')).toBe(true);
    expect(zsh).toContain("'show:the session as turns");
    expect(zsh).toContain("      show) opts='--json --turn --full --all --raw --records' ;;");
    expect(zsh).toContain('completion $kind');
    expect(zsh.trimEnd().endsWith('compdef _agentlog agentlog')).toBe(true);
    const fish = (await cliOk(dir, ['completion', 'fish'])).out;
    expect(fish).toContain("complete -c agentlog -n __fish_use_subcommand -a show -d 'the session as turns");
    expect(fish).toContain("complete -c agentlog -n '__fish_seen_subcommand_from show' -l turn -r");
    expect(fish).toContain("complete -c agentlog -n '__fish_seen_subcommand_from push' -a '(__agentlog_names remotes)'");
    expect(fish).toContain("complete -c agentlog -n '__fish_seen_subcommand_from delete' -a '(__agentlog_names timelines)'");
    // bash and zsh scripts parse (bash -n; zsh is not installed here, so its text is checked above).
    const bash = (await cliOk(dir, ['completion', 'bash'])).out;
    execFileSync('bash', ['-n'], { input: bash });
    const bad = await cli(dir, ['completion', 'powershell']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('say which shell: agentlog completion bash|zsh|fish');
  });
});
