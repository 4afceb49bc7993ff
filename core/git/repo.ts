import * as fs from 'node:fs';
import * as path from 'node:path';

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

/** Read one key from a git config file (`section.key` or `section.sub.key`); undefined if absent. */
export function readConfig(gitDir: string, key: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(commonDir(gitDir), 'config'), 'utf8');
  } catch {
    return undefined;
  }
  const dot = key.lastIndexOf('.');
  const want = key.slice(0, dot).toLowerCase();
  const name = key.slice(dot + 1).toLowerCase();
  let section = '';
  let value: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const sec = /^\[([^\s\]"]+)(?:\s+"(.*)")?\]$/.exec(line);
    if (sec) {
      section = sec[2] !== undefined ? `${sec[1].toLowerCase()}.${sec[2]}` : sec[1].toLowerCase();
      continue;
    }
    if (section !== want) continue;
    const kv = /^([A-Za-z0-9-]+)\s*(?:=\s*(.*))?$/.exec(line);
    if (kv && kv[1].toLowerCase() === name) value = kv[2] === undefined ? 'true' : kv[2].replace(/^"(.*)"$/, '$1');
  }
  return value;
}
