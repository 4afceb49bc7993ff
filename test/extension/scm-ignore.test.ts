import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingIgnores } from '../../extension/shared/scmIgnore.js';

/**
 * Which stores Source Control would still list, and the git.ignoredRepositories entries that hide
 * them, by the rule of VS Code's git extension (extensions/git/src/model.ts shouldRepositoryBeIgnored:
 * an absolute entry equal to the repository root, or a relative one joined to a workspace folder).
 */
describe('Source Control: the stores to hide', () => {
  const ws = path.resolve('/work/project');
  const other = path.resolve('/work/other');

  it('the default .agentlog covers a store of that name in any workspace folder; another name needs its own entry, relative', () => {
    const stores = [path.join(ws, '.agentlog'), path.join(other, '.agentlog'), path.join(ws, 'demo', 'sessions')];
    expect(missingIgnores(stores, [ws, other], ['.agentlog'])).toEqual(['demo/sessions']);
  });

  it('an entry already there (relative or absolute) covers its store; nothing is asked twice', () => {
    const store = path.join(ws, 'logs');
    expect(missingIgnores([store], [ws], ['.agentlog', 'logs'])).toEqual([]);
    expect(missingIgnores([store], [ws], [store])).toEqual([]);
    expect(missingIgnores([store, store], [ws], [])).toEqual(['logs']);
  });

  it('a store at the root of a workspace folder (the demo folder opened as the workspace) is the folder itself: "."', () => {
    expect(missingIgnores([ws], [ws], ['.agentlog'])).toEqual(['.']);
    // and "." hides it by the git extension's rule (the folder joined with ".")
    expect(missingIgnores([ws], [ws], ['.'])).toEqual([]);
  });

  it('a store outside every workspace folder (found above one, or by AGENTLOG_STORE) is not scanned by Source Control: no entry', () => {
    expect(missingIgnores([path.resolve('/elsewhere/.agentlog'), path.resolve('/work/.agentlog-up')], [ws], [])).toEqual([]);
  });
});
