import * as fs from 'node:fs';
import * as path from 'node:path';
import { findGitDir } from '../git/repo.js';
import { isMarked } from './init.js';

/**
 * Which store a folder uses: one rule for the CLI and the VS Code extension (issue 18). From the
 * folder upwards, the nearest of: the folder itself when it is a repository marked as a store (`agentlog
 * init DIR`, `agentlog demo`), or its `.agentlog/` when that is a git repository. A project opened on
 * a subfolder finds the store of the project above it, so nothing offers to make a second one.
 */
export function storeAbove(dir: string): string | undefined {
  for (let cur = path.resolve(dir); ; ) {
    if (findGitDir(cur)?.workTree && isMarked(cur)) return cur;
    const candidate = path.join(cur, '.agentlog');
    if (fs.existsSync(candidate) && findGitDir(candidate)) return candidate;
    const up = path.dirname(cur);
    if (up === cur) return undefined;
    cur = up;
  }
}

/**
 * The stores of a workspace (its folders, in order): the store above each folder (`storeAbove`); when
 * no folder has one, `env` (AGENTLOG_STORE, relative to the first folder) when it is a git
 * repository; else `setting` (a path relative to each folder, or absolute) where it is one.
 */
export function storesOf(folders: readonly string[], options: { env?: string; setting?: string } = {}): string[] {
  const found = new Set<string>();
  for (const f of folders) {
    const s = storeAbove(f);
    if (s) found.add(s);
  }
  if (found.size > 0) return [...found];
  if (options.env) {
    const dir = path.resolve(folders[0] ?? process.cwd(), options.env);
    if (findGitDir(dir)) return [dir];
  }
  if (options.setting)
    for (const f of folders) {
      const dir = path.resolve(f, options.setting);
      if (findGitDir(dir)) found.add(dir);
    }
  return [...found];
}
