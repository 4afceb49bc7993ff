/**
 * A checkpoint's cost (bench.ts calls benchWorkspace): a 10,000-file workspace (200 folders of 50
 * files, about 2 KB each) checkpointed once, then again after each one-file change, against `git add
 * -A && git write-tree` on the same folder after the same change, with git's own index (its stat cache)
 * kept between rounds as ours is. Both write only the changed blob and the trees above it; git runs as
 * two processes, the checkpoint in-process and including its append (the event, its commit, the ref).
 * Medians of ROUNDS rounds, each measured in the same run on the same folder.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store } from '../../core/store/store.js';
import { checkpoint } from '../../core/workspace/index.js';

const ROUNDS = 7;

export async function benchWorkspace(o: { dir: string; files?: number; log?: (s: string) => void }): Promise<Record<string, number>> {
  const files = o.files ?? 10_000;
  const root = path.join(o.dir, 'workspace-bench');
  const ws = path.join(root, 'ws');
  const folders = Math.ceil(files / 50);
  o.log?.(`workspace: ${files} files, a checkpoint after each one-file change vs git add -A && git write-tree …`);
  const line = 'const value = compute(input, options); // a line of a source file, about forty bytes\n';
  for (let i = 0; i < files; i++) {
    const dir = path.join(ws, `pkg${Math.floor(i / 50) % folders}`, `mod${Math.floor(i / 500)}`);
    if (i % 50 === 0) fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `file${i}.ts`), `// file ${i}\n${line.repeat(24)}`);
  }
  const { store } = Store.init(path.join(root, 'store'));
  await store.create('work', { kind: 'session', title: 'bench', cwd: ws });
  const gitDir = path.join(root, 'oracle.git');
  const env = { ...process.env, GIT_DIR: gitDir, GIT_WORK_TREE: ws, GIT_CONFIG_NOSYSTEM: '1', HOME: root };
  execFileSync('git', ['init', '-q', '--bare', gitDir]);
  execFileSync('git', ['config', 'core.bare', 'false'], { env });
  const gitSnapshot = () => {
    execFileSync('git', ['add', '-A'], { env, cwd: ws });
    return execFileSync('git', ['write-tree'], { env, cwd: ws, encoding: 'utf8' }).trim();
  };
  const time = async (f: () => unknown): Promise<number> => {
    const t = performance.now();
    await f();
    return performance.now() - t;
  };
  const firstOurs = await time(() => checkpoint(store, 'work', ws));
  const firstGit = await time(gitSnapshot);
  const ours: number[] = [];
  const theirs: number[] = [];
  let written = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const i = (r * 1543) % files;
    const file = path.join(ws, `pkg${Math.floor(i / 50) % folders}`, `mod${Math.floor(i / 500)}`, `file${i}.ts`);
    fs.appendFileSync(file, `// changed in round ${r}\n`);
    let tree = '';
    ours.push(
      await time(async () => {
        const cp = await checkpoint(store, 'work', ws);
        written = cp.written;
        tree = cp.tree;
      }),
    );
    let gitTree = '';
    theirs.push(await time(() => (gitTree = gitSnapshot())));
    if (gitTree !== tree) throw new Error(`round ${r}: the checkpoint's tree ${tree} is not git's ${gitTree}`);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const round = (x: number) => Math.round(x * 100) / 100;
  const figures = {
    workspace_files: files,
    workspace_first_checkpoint_ms: round(firstOurs),
    workspace_first_git_add_write_tree_ms: round(firstGit),
    workspace_checkpoint_one_change_ms: round(med(ours)),
    workspace_git_add_write_tree_one_change_ms: round(med(theirs)),
    workspace_checkpoint_vs_git: round(med(ours) / med(theirs)),
    workspace_objects_written_one_change: written,
  };
  o.log?.(
    `checkpoint       ${files} files, one changed: ${figures.workspace_checkpoint_one_change_ms} ms (${written} objects written)   vs git add -A && git write-tree ${figures.workspace_git_add_write_tree_one_change_ms} ms   ratio ${figures.workspace_checkpoint_vs_git} (target ≤ 1)`,
  );
  o.log?.(`                 first checkpoint ${figures.workspace_first_checkpoint_ms} ms   vs git ${figures.workspace_first_git_add_write_tree_ms} ms`);
  return figures;
}
