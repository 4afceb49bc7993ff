/**
 * What takes the space in a store (issue 20, "Storage near the compressed size"):
 *
 *   tsx test/bench/scale/storage.ts STORE [JSONL_BYTES]
 *
 * Objects by type (count, bytes as git would inflate them, bytes on disk) as the store keeps them,
 * then the same after `git gc --aggressive` of a copy (deltas found by git, zlib at git's default
 * level), with `git count-objects -v` of both and the event cache. Reads the store, never writes it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { du } from './measure.js';

interface ByType {
  count: number;
  size: number;
  disk: number;
}

const git = (cwd: string, args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });

/** Objects by type: how many, their size, their size on disk (deltas and zlib counted). */
export function objectsByType(repo: string): Record<string, ByType> {
  const out: Record<string, ByType> = {};
  const text = git(repo, ['cat-file', '--batch-all-objects', '--batch-check=%(objecttype) %(objectsize) %(objectsize:disk)']);
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [type, size, disk] = line.split(' ');
    if (!out[type]) out[type] = { count: 0, size: 0, disk: 0 };
    const t = out[type];
    t.count++;
    t.size += Number(size);
    t.disk += Number(disk);
  }
  return out;
}

/** `git count-objects -v` as a map. */
export function countObjects(repo: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of git(repo, ['count-objects', '-v']).split('\n')) {
    const m = /^([a-z-]+): (\d+)$/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/** How many objects `verify-pack -v` says are deltas, and their chain lengths, over every pack. */
export function deltaStats(repo: string): { objects: number; deltas: number; maxChain: number } {
  const packDir = path.join(repo, '.git', 'objects', 'pack');
  let objects = 0;
  let deltas = 0;
  let maxChain = 0;
  for (const idx of fs.readdirSync(packDir).filter((f) => f.endsWith('.idx'))) {
    const text = git(repo, ['verify-pack', '-v', path.join(packDir, idx)]);
    for (const line of text.split('\n')) {
      const f = line.split(/\s+/);
      if (/^[0-9a-f]{40}$/.test(f[0]) && ['commit', 'tree', 'blob', 'tag'].includes(f[1])) {
        objects++;
        if (f.length >= 7) {
          deltas++;
          maxChain = Math.max(maxChain, Number(f[5]));
        }
      }
    }
  }
  return { objects, deltas, maxChain };
}

/**
 * What grouping a session's events would give: every event blob, in the order `git rev-list --objects
 * --all` walks them (timeline by timeline), as one stream compressed by zlib -6 (what a git pack
 * applies to each object) and by zstd -3. A bound for blobs that hold many events each.
 */
export function groupedBlobs(repo: string): { raw: number; zlib: number; zstd?: number } {
  const ids = git(repo, ['rev-list', '--objects', '--all'])
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter(Boolean);
  const blobs = spawnSync('git', ['cat-file', '--batch-check=%(objecttype) %(objectname)'], {
    cwd: repo,
    input: ids.join('\n'),
    maxBuffer: 1 << 30,
    encoding: 'utf8',
  })
    .stdout.split('\n')
    .filter((l) => l.startsWith('blob '))
    .map((l) => l.slice(5));
  const stream = execFileSync('git', ['cat-file', '--batch'], { cwd: repo, input: blobs.join('\n'), maxBuffer: 2 ** 31 });
  const z = spawnSync('zstd', ['-3', '-c', '-q'], { input: stream, maxBuffer: 2 ** 31 });
  return { raw: stream.length, zlib: deflateSync(stream, { level: 6 }).length, zstd: z.status === 0 ? z.stdout.length : undefined };
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

function table(title: string, t: Record<string, ByType>, jsonl: number): string[] {
  const total = Object.values(t).reduce((s, x) => s + x.disk, 0);
  const lines = [
    `${title}: ${mb(total)} on disk${jsonl ? ` (${(total / jsonl).toFixed(2)}× the JSONL)` : ''}`,
    '',
    '| type | count | bytes (inflated) | bytes on disk | share | per object on disk |',
    '|---|---|---|---|---|---|',
  ];
  for (const [type, x] of Object.entries(t).sort((a, b) => b[1].disk - a[1].disk)) {
    lines.push(
      `| ${type} | ${x.count.toLocaleString('en')} | ${mb(x.size)} | ${mb(x.disk)} | ${((100 * x.disk) / total).toFixed(0)}% | ${Math.round(x.disk / x.count)} B |`,
    );
  }
  return lines;
}

export function storageReport(store: string, jsonl: number): string {
  const out: string[] = [];
  const before = objectsByType(store);
  const cache = du(path.join(store, '.git', 'agentlog', 'cache'));
  const counted = countObjects(store);
  out.push(...table('The store as agentlog wrote it', before, jsonl));
  out.push('', `git count-objects -v: ${JSON.stringify(counted)}; event cache ${mb(cache)}; .git/objects ${mb(du(path.join(store, '.git', 'objects')))}`);
  const commits = before.commit?.count ?? 0;
  const g = groupedBlobs(store);
  out.push(
    `every event blob as one stream (timeline by timeline): ${mb(g.raw)}; zlib -6 ${mb(g.zlib)}${jsonl ? ` (${(g.zlib / jsonl).toFixed(2)}× the JSONL)` : ''}; zstd -3 ${g.zstd === undefined ? 'not measured (no zstd CLI)' : `${mb(g.zstd)}${jsonl ? ` (${(g.zstd / jsonl).toFixed(2)}×)` : ''}`}`,
  );
  if (commits)
    out.push(
      `per event (commit): ${((before.tree?.count ?? 0) / commits).toFixed(2)} trees, ${Math.round((before.commit?.size ?? 0) / commits)}-byte commit, ${Math.round((before.blob?.size ?? 0) / (before.blob?.count || 1))}-byte blob (inflated)`,
    );
  const copy = fs.mkdtempSync(path.join(path.dirname(store), 'gc-aggressive-'));
  try {
    execFileSync('cp', ['-a', path.join(store, '.git'), copy]);
    const t0 = performance.now();
    git(copy, ['gc', '--aggressive', '--prune=now', '--quiet']);
    const ms = performance.now() - t0;
    const after = objectsByType(copy);
    const d = deltaStats(copy);
    out.push('', ...table(`After \`git gc --aggressive\` of a copy (${(ms / 1000).toFixed(0)} s)`, after, jsonl));
    out.push(
      '',
      `git count-objects -v: ${JSON.stringify(countObjects(copy))}; verify-pack: ${d.deltas.toLocaleString('en')} of ${d.objects.toLocaleString('en')} objects stored as deltas (longest chain ${d.maxChain})`,
    );
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
  return out.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [store, jsonl] = process.argv.slice(2);
  if (!store) throw new Error('usage: tsx test/bench/scale/storage.ts STORE [JSONL_BYTES]');
  process.stdout.write(`${storageReport(path.resolve(store), Number(jsonl ?? 0))}\n`);
}
