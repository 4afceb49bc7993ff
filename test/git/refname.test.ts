import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { timelineRef } from '../../core/git/refs.js';
import { badRefName, refNameProblem } from '../../core/git/refName.js';
import { checkRemoteName } from '../../core/sync/remotes.js';

/**
 * Ref names are checked once (core/git/refName.ts), with each caller's rules on top. These are the
 * checks as they were before, copied here as the reference: the new ones must accept exactly the
 * same names.
 */
function badRefNameBefore(name: string): boolean {
  // eslint-disable-next-line no-control-regex
  if (!name || /[\x00-\x20\x7f~^:?*[\\]/.test(name) || name.includes('..') || name.includes('@{') || name === '@') return true;
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//') || name.endsWith('.')) return true;
  return name.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'));
}

function timelineNameProblemBefore(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name.length > 200) return 'it is longer than 200 characters';
  if (name === 'HEAD') return 'HEAD names the checked-out commit';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return 'it holds a space, a control character or one of ~ ^ : ? * [ \\';
  if (name.includes('@')) return '"@" is kept for REV syntax (NAME@N)';
  if (name.includes('..')) return 'it holds ".."';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'it has an empty path component';
  if (name.endsWith('.')) return 'it ends with "."';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return 'a path component starts with "."';
    if (part.endsWith('.lock')) return 'a path component ends with ".lock"';
  }
  if (name.startsWith('-')) return 'it starts with "-"';
  return undefined;
}

function remoteNameOkBefore(name: string): boolean {
  return !(!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.endsWith('.lock') || name.includes('..') || name.length > 100);
}

const timelineProblem = (name: string): string | undefined => {
  try {
    timelineRef(name);
    return undefined;
  } catch (e) {
    return (e as Error).message.replace(/^".*" is not a valid timeline name: /s, '');
  }
};
const remoteOk = (name: string): boolean => {
  try {
    checkRemoteName(name);
    return true;
  } catch {
    return false;
  }
};

const TRICKY = [
  'main',
  'fix-login-2bseun7a',
  'team/alice/s1',
  'a@b',
  '@',
  '@{',
  'a@{1}',
  'a@',
  '@a',
  'a.b',
  'a.',
  'a..b',
  '.a',
  'a/.b',
  'a/b.',
  'x.lock',
  'x.lock/y',
  'y/x.lock',
  'a.lock.b',
  '.lock',
  'lock',
  '/abs',
  'abs/',
  'a//b',
  '../../config',
  'x/../y',
  'sp ace',
  'tab\there',
  'nl\nx',
  'del\x7f',
  'a~1',
  'a^',
  'a:b',
  'a?',
  'a*',
  'a[b',
  'a\\b',
  'a]b',
  'a{b}',
  '-dash',
  'a-',
  'HEAD',
  'head',
  'refs/heads/x',
  'é/ü',
  '日本',
  'a/b/c/d',
  'a.b.c',
  '_x',
  'x_',
  '',
  'a'.repeat(201),
  'a'.repeat(200),
  'b.ackup',
  'a.lock.',
  '..',
  '.',
  '/',
];

describe('ref names (core/git/refName.ts)', () => {
  it.each(TRICKY.map((n) => [JSON.stringify(n), n]))('%s: badRefName, timeline and remote names accept what they accepted', (_, name) => {
    expect(badRefName(name)).toBe(badRefNameBefore(name));
    expect(refNameProblem(name) !== undefined).toBe(badRefNameBefore(name));
    expect(timelineProblem(name)).toBe(timelineNameProblemBefore(name));
    expect(remoteOk(name)).toBe(remoteNameOkBefore(name));
  });

  it('badRefName agrees with git check-ref-format --allow-onelevel', () => {
    for (const name of TRICKY.filter((n) => !n.includes('\0'))) {
      let gitAccepts = true;
      try {
        // git's command line would read a leading "-" as an option; under "x/" the name is judged by the same rules.
        execFileSync('git', ['check-ref-format', '--allow-onelevel', name.startsWith('-') ? `x/${name}` : name], { stdio: 'ignore' });
      } catch {
        gitAccepts = false;
      }
      expect(badRefName(name), JSON.stringify(name)).toBe(!gitAccepts);
    }
  });

  it('random names over the characters that matter: all three checks as before', () => {
    const alphabet = ['a', 'b', '.', '/', '@', '{', '-', 'l', 'o', 'c', 'k', '.lock', ' ', '~', 'H', 'E', 'A', 'D', '_'];
    let seed = 42;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 5_000; i++) {
      let name = '';
      const len = next() % 9;
      for (let j = 0; j < len; j++) name += alphabet[next() % alphabet.length];
      expect(badRefName(name), JSON.stringify(name)).toBe(badRefNameBefore(name));
      expect(timelineProblem(name), JSON.stringify(name)).toBe(timelineNameProblemBefore(name));
      expect(remoteOk(name), JSON.stringify(name)).toBe(remoteNameOkBefore(name));
    }
  });
});
