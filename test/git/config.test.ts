import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configValue, parseConfig } from '../../core/git/config.js';
import { readConfig } from '../../core/git/repo.js';
import { addRemote, listRemotes } from '../../core/sync/remotes.js';
import { git, tmpdir } from '../helpers/tmp.js';

/** Config files git reads without complaint; parseConfig must read each exactly as `git config --list` does. */
const CONFIGS: Array<[string, string]> = [
  ['what git init writes', '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n\tlogallrefupdates = true\n[agentlog]\n\tversion = 1\n'],
  ['a remote, as addRemote writes it', '[remote "origin"]\n\turl = https://host/owner/sessions.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n'],
  ['case: sections and keys fold, subsections do not', '[AgentLog]\n\tFsync = true\n[Remote "Origin"]\n\tURL = /a\n[remote "origin"]\n\turl = /b\n'],
  ['comments, blank lines, a boolean without "="', '# top\n; also\n\n[core]\n  bare\n  name = value # comment\n\t; indented comment\n'],
  ['quotes, escapes and inner whitespace', '[s]\n\tq = "  padded  "\n\te = a\\tb\\\\c\\"d\n\tw = one   two\t three  \n\th = "a # not a comment" ; a comment\n'],
  ['a continued line', '[s]\n\tk = first \\\n  second\n'],
  ['an escaped subsection and the old dotted form', '[remote "we\\"ird"]\n\turl = /w\n[branch.Main]\n\tremote = origin\n'],
  ['a key on the header line, and CRLF line ends', '[s] k = v\r\n[t]\r\n\tx = y\r\n'],
  ['the same key twice (the last wins for --get)', '[agentlog]\n\tversion = 1\n\tversion = 2\n'],
];

/** `git config --list -z` of a file: one `name\nvalue` (or just `name` for a bare boolean) per entry. */
function gitList(file: string): string[] {
  return git(path.dirname(file), ['config', '--file', file, '--list', '-z']).split('\0').filter(Boolean);
}

describe('git config (core/git/config.ts) reads what git reads', () => {
  it.each(CONFIGS)('%s', (_, text) => {
    const file = path.join(tmpdir(), 'config');
    fs.writeFileSync(file, text);
    const ours = parseConfig(text).map(
      (e) => `${e.section}${e.subsection !== undefined ? `.${e.subsection}` : ''}.${e.key}${e.value !== undefined ? `\n${e.value}` : ''}`,
    );
    expect(ours).toEqual(gitList(file));
    // --get: the last value; a key without "=" (which git prints as an empty line) reads "true", as readConfig always had it.
    for (const name of new Set(ours.map((o) => o.split('\n')[0]))) {
      const bare = !gitList(file)
        .findLast((l) => l.split('\n')[0] === name)!
        .includes('\n');
      const expected = bare ? 'true' : git(path.dirname(file), ['config', '--file', file, '--get', name]).replace(/\n$/, '');
      expect(configValue(parseConfig(text), name), name).toBe(expected);
    }
  });

  it('readConfig: a key without "=" reads "true", a missing key or file undefined', () => {
    const gitDir = tmpdir();
    expect(readConfig(gitDir, 'agentlog.version')).toBeUndefined();
    fs.writeFileSync(path.join(gitDir, 'config'), '[agentlog]\n\tfsync\n\tversion = 1\n');
    expect(readConfig(gitDir, 'agentlog.fsync')).toBe('true');
    expect(readConfig(gitDir, 'AgentLog.Version')).toBe('1');
    expect(readConfig(gitDir, 'agentlog.missing')).toBeUndefined();
  });

  it('what addRemote writes, git reads, and listRemotes reads back', () => {
    const dir = tmpdir();
    git(dir, ['init', '-q']);
    const gitDir = path.join(dir, '.git');
    addRemote(gitDir, 'origin', 'https://host/owner/sessions.git');
    addRemote(gitDir, 'b.ackup', '/srv/sessions');
    addRemote(gitDir, 'hash', '/srv/#team;sessions');
    expect(git(dir, ['remote', 'get-url', 'hash']).trim()).toBe('/srv/#team;sessions');
    expect(git(dir, ['remote', 'get-url', 'origin']).trim()).toBe('https://host/owner/sessions.git');
    expect(git(dir, ['config', 'remote.b.ackup.fetch']).trim()).toBe('+refs/heads/*:refs/remotes/b.ackup/*');
    git(dir, ['remote', 'add', 'other', '/x y']);
    expect(listRemotes(gitDir)).toEqual([
      { name: 'origin', url: 'https://host/owner/sessions.git' },
      { name: 'b.ackup', url: '/srv/sessions' },
      { name: 'hash', url: '/srv/#team;sessions' },
      { name: 'other', url: '/x y' },
    ]);
  });
});
