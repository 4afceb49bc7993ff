import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sessionWith } from '../helpers/store.js';
import { git } from '../helpers/tmp.js';

describe('store', () => {
  it('rejects timeline names that git would refuse or that escape refs/heads', async () => {
    const { store } = await sessionWith(0);
    for (const bad of ['../x', 'a..b', 'x.lock', 'has space', 'a@b', 'HEAD', '', 'a/', '.hidden', 'a:b', 'x~1']) {
      await expect(store.create(bad, { kind: 'session' }), bad).rejects.toThrow(/not a valid timeline name/);
    }
    expect(fs.readdirSync(path.join(store.gitDir, 'refs/heads')).sort()).toEqual(['agentlog@store', 'talk']); // and the store's own branch
  });

  it('accepts only names git check-ref-format accepts under refs/heads/', async () => {
    const { store } = await sessionWith(0);
    const names = [
      'plain',
      'with/slash',
      'dots.in.name',
      'under_score',
      'UPPER-1',
      'a.lock.b',
      'tab\tname',
      'ends.',
      'x//y',
      'trailing/',
      '/lead',
      'a..b',
      'q?',
      'brace@{1}',
      'é-accent',
      'star*',
    ];
    for (const name of names) {
      let ours = true;
      try {
        await store.create(name, { kind: 'session' });
      } catch {
        ours = false;
      }
      let gits = true;
      try {
        git(store.dir, ['check-ref-format', `refs/heads/${name}`]);
      } catch {
        gits = false;
      }
      if (ours) expect(gits, name).toBe(true);
    }
  });
});
