import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { ObjectStore } from '../../core/git/objects.js';

/**
 * `git verify-pack -v` of every pack of a git dir: how many objects, each delta as `oid size base`
 * (size: the delta's), and the longest chain (from its "chain length = N" lines). verify-pack fails
 * (and so this throws) on a pack git does not accept.
 */
export function verifyPacks(gitDir: string): { objects: number; deltas: Set<string>; maxChain: number } {
  const packDir = path.join(gitDir, 'objects', 'pack');
  const deltas = new Set<string>();
  let objects = 0;
  let maxChain = 0;
  for (const idx of fs.readdirSync(packDir).filter((n) => n.endsWith('.idx'))) {
    const out = execFileSync('git', ['verify-pack', '-v', path.join(packDir, idx)], { encoding: 'utf8', maxBuffer: 1 << 28 });
    for (const line of out.split('\n')) {
      const f = line.split(/\s+/);
      if (/^[0-9a-f]{40}$/.test(f[0]) && ['commit', 'tree', 'blob', 'tag'].includes(f[1])) {
        objects++;
        if (f.length >= 7) deltas.add(`${f[0]} ${f[2]} ${f[6]}`);
      }
      const chain = /^chain length = (\d+):/.exec(line);
      if (chain) maxChain = Math.max(maxChain, Number(chain[1]));
    }
  }
  return { objects, deltas, maxChain };
}

/** Every object git holds reads back the same through the store's reader as through `git cat-file --batch`; returns how many. */
export function sameThroughGitAndStore(gitDir: string): number {
  const objects = new ObjectStore(gitDir);
  const out = execFileSync('git', ['--git-dir', gitDir, 'cat-file', '--batch-all-objects', '--batch'], { maxBuffer: 1 << 30 });
  let pos = 0;
  let n = 0;
  while (pos < out.length) {
    const nl = out.indexOf(0x0a, pos);
    const [oid, type, size] = out.toString('latin1', pos, nl).split(' ');
    const content = out.subarray(nl + 1, nl + 1 + Number(size));
    pos = nl + 1 + Number(size) + 1;
    const ours = objects.read(oid);
    expect(ours.type, oid).toBe(type);
    expect(ours.content.equals(content), oid).toBe(true);
    n++;
  }
  return n;
}
