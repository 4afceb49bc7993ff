import { STORE_REF } from './storeBranch.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentlogError } from '../errors.js';
import { addInfoLine, editConfig, enclosingWorkTree, findGitDir, readConfig } from '../git/repo.js';

// Finding a store on disk and making one (I1). Store.open and Store.init wrap these.

/** The git dir and work tree of the repository at `dir`; E_STORE when there is none. */
export function findStore(dir: string): { gitDir: string; workTree?: string } {
  const found = findGitDir(path.resolve(dir));
  if (!found) {
    throw new AgentlogError('E_STORE', `${dir} is not a git repository, so not an agentlog store (make one with: agentlog init ${dir})`, { dir });
  }
  return found;
}

/** True when `dir` holds a repository marked as an agentlog store by `init`. */
export function isMarked(dir: string): boolean {
  const found = findGitDir(path.resolve(dir));
  return !!found && readConfig(found.gitDir, 'agentlog.version') !== undefined;
}

/**
 * Make `dir` a store (idempotent): a new repository, or the mark added to an existing one. When
 * `dir` lies in another git working tree, the store is added to that repository's `.git/info/exclude`
 * (`excludedIn`: that working tree).
 */
export function initStore(dir: string): { created: boolean; excludedIn?: string } {
  const abs = path.resolve(dir);
  const existing = findGitDir(abs);
  let created = false;
  if (existing) {
    if (readConfig(existing.gitDir, 'agentlog.version') === undefined) {
      // Under git's config lock, as every config change (git/repo.ts editConfig).
      editConfig(existing.gitDir, (text) => `${text}${text && !text.endsWith('\n') ? '\n' : ''}[agentlog]\n\tversion = 1\n`);
    }
  } else {
    const gitDir = path.join(abs, '.git');
    for (const d of ['objects/info', 'objects/pack', 'refs/heads', 'refs/tags', 'info']) fs.mkdirSync(path.join(gitDir, d), { recursive: true });
    fs.writeFileSync(path.join(gitDir, 'HEAD'), `ref: ${STORE_REF}\n`); // made by Store.init (storeBranch.ts)
    fs.writeFileSync(path.join(gitDir, 'description'), 'An agentlog store: each branch is a timeline of agent events.\n');
    fs.writeFileSync(
      path.join(gitDir, 'config'),
      '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n\tlogallrefupdates = true\n[agentlog]\n\tversion = 1\n',
    );
    created = true;
  }
  return { created, excludedIn: excludeFromEnclosing(abs) };
}

/** Add the store to the enclosing repository's info/exclude; returns that repository's work tree. */
function excludeFromEnclosing(storeDir: string): string | undefined {
  const outer = enclosingWorkTree(storeDir);
  if (!outer) return undefined;
  const rel = path.relative(outer.workTree, storeDir).split(path.sep).join('/');
  if (!rel || rel.startsWith('..')) return undefined;
  addInfoLine(outer.gitDir, 'exclude', 'agentlog store', `/${rel}/`);
  return outer.workTree;
}
