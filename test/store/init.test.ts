import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../core/store/store.js';
import { git, tmpdir } from '../helpers/tmp.js';

describe('store', () => {
  it('init makes a marked, non-bare git repository and is idempotent', () => {
    const dir = path.join(tmpdir(), 's');
    expect(Store.init(dir).created).toBe(true);
    expect(Store.init(dir).created).toBe(false);
    expect(git(dir, ['rev-parse', '--is-bare-repository']).trim()).toBe('false');
    expect(git(dir, ['config', 'agentlog.version']).trim()).toBe('1');
    expect(Store.isMarked(dir)).toBe(true);
  });

  it('init inside another working tree adds the store to its info/exclude', () => {
    const project = tmpdir();
    git(project, ['init', '-q']);
    fs.writeFileSync(path.join(project, 'app.js'), 'x');
    const { excludedIn } = Store.init(path.join(project, '.agentlog'));
    expect(excludedIn).toBe(project);
    expect(fs.readFileSync(path.join(project, '.git/info/exclude'), 'utf8')).toContain('/.agentlog/');
    Store.init(path.join(project, '.agentlog'));
    expect(fs.readFileSync(path.join(project, '.git/info/exclude'), 'utf8').match(/\/\.agentlog\//g)).toHaveLength(1);
    expect(git(project, ['status', '--porcelain', '--untracked-files=all'])).toBe('?? app.js\n');
  });
});
