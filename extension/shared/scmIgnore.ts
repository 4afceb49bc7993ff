import * as path from 'node:path';

/**
 * Which agentlog stores Source Control would list as repositories, and the `git.ignoredRepositories`
 * entries that hide them. VS Code's git extension (extensions/git/src/model.ts,
 * shouldRepositoryBeIgnored) skips a repository whose root equals an absolute entry, or a relative
 * entry joined to any workspace folder; it reads the setting without a resource (user and workspace
 * levels). The extension contributes `.agentlog` as a default; a store under another folder name
 * inside the workspace (the folder `agentlog demo` makes, `agentlog.storePath`) needs its own entry,
 * relative to its workspace folder so the settings file stays valid on another machine. A store
 * outside every workspace folder is not scanned by Source Control and needs none. Plain data: the
 * host (extension/src/scmIgnore.ts) asks the person before it writes the setting.
 */
export function missingIgnores(stores: readonly string[], folders: readonly string[], ignored: readonly string[]): string[] {
  const covered = (store: string) =>
    ignored.some((entry) => (path.isAbsolute(entry) ? samePath(entry, store) : folders.some((f) => samePath(path.join(f, entry), store))));
  const out: string[] = [];
  for (const store of stores) {
    if (covered(store)) continue;
    const folder = folders.find((f) => inside(f, store));
    if (folder === undefined) continue;
    const rel = path.relative(folder, store).split(path.sep).join('/') || '.';
    if (!out.includes(rel)) out.push(rel);
  }
  return out;
}

function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}

/** Whether `p` is `folder` itself or below it (a store at a workspace folder's root is one too). */
function inside(folder: string, p: string): boolean {
  const rel = path.relative(folder, p);
  return !rel.startsWith('..') && !path.isAbsolute(rel);
}
