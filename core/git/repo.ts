import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentlogError } from '../errors.js';
import { configValue, parseConfig } from './config.js';
import { withLockNow } from './lock.js';

/**
 * Locate a git repository: `dir` may be a working tree (with `.git/` or a `.git` file pointing to
 * the git dir) or a bare repository. Returns the git dir and the working tree (undefined when bare).
 */
export function findGitDir(dir: string): { gitDir: string; workTree?: string } | undefined {
  const dotGit = path.join(dir, '.git');
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dotGit);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) return { gitDir: dotGit, workTree: dir };
  if (st?.isFile()) {
    const m = /^gitdir: (.*)$/m.exec(fs.readFileSync(dotGit, 'utf8'));
    if (m) return { gitDir: path.resolve(dir, m[1].trim()), workTree: dir };
  }
  if (isGitDir(dir)) return { gitDir: dir };
  return undefined;
}

export function isGitDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'HEAD')) && fs.existsSync(path.join(dir, 'objects')) && fs.existsSync(path.join(dir, 'refs'));
}

/** The nearest enclosing working tree of `dir` (not `dir` itself), walking upwards. */
export function enclosingWorkTree(dir: string): { gitDir: string; workTree: string } | undefined {
  let cur = path.dirname(path.resolve(dir));
  for (;;) {
    const found = findGitDir(cur);
    if (found?.workTree) return { gitDir: found.gitDir, workTree: found.workTree };
    const up = path.dirname(cur);
    if (up === cur) return undefined;
    cur = up;
  }
}

/** The common git dir (linked worktrees keep info/, config and refs there). */
export function commonDir(gitDir: string): string {
  try {
    return path.resolve(gitDir, fs.readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim());
  } catch {
    return gitDir;
  }
}

/** The repository's config file (in the common git dir: linked worktrees share it). */
export function configPath(gitDir: string): string {
  return path.join(commonDir(gitDir), 'config');
}

/** The text of the repository's config file; empty when there is none. */
export function readConfigText(gitDir: string): string {
  try {
    return fs.readFileSync(configPath(gitDir), 'utf8');
  } catch {
    return '';
  }
}

/** Read one key from the repository's config (`section.key` or `section.sub.key`, see configValue); undefined if absent. */
export function readConfig(gitDir: string, key: string): string | undefined {
  return configValue(parseConfig(readConfigText(gitDir)), key);
}

/** Rewrite .git/config under git's own lock (`config.lock`, lock.ts), failing at once when another process holds it. */
export function editConfig(gitDir: string, edit: (text: string) => string): void {
  const file = configPath(gitDir);
  withLockNow(
    file,
    {
      errors: {
        busy: (lock) =>
          new AgentlogError('E_LOCK', `${file} is locked by ${lock}; another git or agentlog process is changing it (if none is, delete the lock)`, { lock }),
      },
    },
    () => edit(readConfigText(gitDir)),
  );
}

/**
 * Add `line` (after a `# comment` line) to one of git's info files (`info/exclude`,
 * `info/attributes`) of `gitDir`'s common dir, unless the file already has it.
 */
export function addInfoLine(gitDir: string, name: 'exclude' | 'attributes', comment: string, line: string): void {
  const file = path.join(commonDir(gitDir), 'info', name);
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }
  if (!text.split('\n').includes(line)) fs.appendFileSync(file, `${text && !text.endsWith('\n') ? '\n' : ''}# ${comment}\n${line}\n`);
}
