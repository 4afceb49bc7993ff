import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverStore } from '../../cli/main.js';
import { storeAbove, storesOf } from '../../core/store/discover.js';
import { Store } from '../../core/store/store.js';
import { findStores } from '../../extension/src/storeReader.js';
import { cliOk } from '../helpers/cli.js';
import { git, tmpdir } from '../helpers/tmp.js';

/**
 * Store discovery, one rule for the CLI and the VS Code extension (issue 18 point 5): the store above
 * a folder (the folder itself when it is a store, else the nearest .agentlog/ upward), then
 * AGENTLOG_STORE, then the setting. Real folders, real stores made by `agentlog init` / `demo`.
 */
const mkdir = (...parts: string[]) => {
  const d = path.join(...parts);
  fs.mkdirSync(d, { recursive: true });
  return d;
};

describe('store discovery', () => {
  it('a subfolder of a project finds the project’s .agentlog, in the CLI and the extension alike', async () => {
    const project = tmpdir();
    git(project, ['init', '-q']);
    await cliOk(project, ['init']);
    const store = path.join(project, '.agentlog');
    const sub = mkdir(project, 'src', 'deep');
    expect(storeAbove(sub)).toBe(store);
    expect(discoverStore(sub, undefined, {})).toBe(store);
    expect(findStores([sub], '.agentlog')).toEqual([store]);
    // The CLI run there reads that store.
    await cliOk(sub, ['new', '--title', 'from below']);
    expect((await cliOk(project, ['ls'])).out).toContain('from below');
  });

  it('the folder `agentlog demo` makes is its own store, and so is any folder under it', async () => {
    const cwd = tmpdir();
    const demo = (await cliOk(cwd, ['demo'])).out.trim().split('\n').pop()!;
    expect(Store.isMarked(demo)).toBe(true);
    expect(findStores([demo], '.agentlog')).toEqual([demo]);
    expect(storeAbove(mkdir(demo, 'notes'))).toBe(demo);
  });

  it('the nearest store wins; two folders of one project share it, listed once', async () => {
    const root = tmpdir();
    Store.init(path.join(root, '.agentlog'));
    const inner = mkdir(root, 'packages', 'a');
    Store.init(path.join(inner, '.agentlog'));
    const other = mkdir(root, 'packages', 'b');
    expect(storesOf([inner, other, root])).toEqual([path.join(inner, '.agentlog'), path.join(root, '.agentlog')]);
  });

  it('with no store above: AGENTLOG_STORE, then the setting; a plain git repository is no store', () => {
    const ws = tmpdir();
    git(ws, ['init', '-q']);
    expect(storeAbove(ws)).toBeUndefined();
    expect(storesOf([ws])).toEqual([]);
    const elsewhere = path.join(tmpdir(), 'sessions');
    Store.init(elsewhere);
    expect(storesOf([ws], { env: elsewhere, setting: 'custom' })).toEqual([elsewhere]);
    const custom = path.join(ws, 'custom');
    Store.init(custom);
    // AGENTLOG_STORE that is no repository: the setting, relative to the folder.
    expect(storesOf([ws], { env: path.join(ws, 'missing'), setting: 'custom' })).toEqual([custom]);
    expect(storesOf([ws], { env: elsewhere, setting: 'custom' })).toEqual([elsewhere]);
    expect(findStores([ws], 'custom', elsewhere)).toEqual([elsewhere]);
  });
});
