import { describe, expect, it } from 'vitest';
import { badRefName } from '../../core/git/refName.js';
import { defaultCloneDir } from '../../core/sync/clone.js';
import { normalizeUrl } from '../../core/sync/remotes.js';
import { ok } from '../helpers/sync.js';
import { tmpdir } from '../helpers/tmp.js';

describe('sync names', () => {
  it.each([
    ['main', false],
    ['fix-login-2bseun7a', false],
    ['team/alice/s1', false],
    ['a@b', false],
    ['../../config', true],
    ['x/../y', true],
    ['/abs', true],
    ['a//b', true],
    ['.hidden', true],
    ['x.lock', true],
    ['sp ace', true],
    ['a@{1}', true],
    ['', true],
  ])('remote branch name %j is refused: %s', (name, refused) => {
    expect(badRefName(name)).toBe(refused);
  });

  it('--help of every sync command says which URLs need the git CLI and where credentials come from', async () => {
    for (const c of ['remote', 'push', 'pull', 'clone']) {
      const r = await ok(tmpdir(), [c, '--help']);
      expect(r.out).toContain('http:// and https:// remotes are spoken to directly');
      expect(r.out).toContain('go\nthrough the git CLI');
      expect(r.out).toContain('AGENTLOG_TOKEN');
    }
  });

  it('stores local paths absolute and leaves URLs as given; clone folders come from the URL', () => {
    expect(normalizeUrl('../remote.git', '/home/me/work')).toBe('/home/me/remote.git');
    expect(normalizeUrl('https://host/me/s.git', '/x')).toBe('https://host/me/s.git');
    expect(normalizeUrl('git@host:me/s.git', '/x')).toBe('git@host:me/s.git');
    expect(normalizeUrl('ssh://host/me/s.git', '/x')).toBe('ssh://host/me/s.git');
    expect(() => normalizeUrl('https://me:tok@host/s.git', '/x')).toThrow(/never stores one/);
    // never an option for the git CLI
    expect(() => normalizeUrl('--upload-pack=touch x;false :y', '/x')).toThrow(/starts with "-"/);
    expect(normalizeUrl('./-odd', '/x')).toBe('/x/-odd');
    expect(defaultCloneDir('https://host/me/sessions.git')).toBe('sessions');
    expect(defaultCloneDir('/srv/git/sessions.git/')).toBe('sessions');
    expect(defaultCloneDir('git@host:me/work')).toBe('work');
  });
});
