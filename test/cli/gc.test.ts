/**
 * `agentlog gc` and the automatic gc after a writing command (issue 20): an append's command never
 * merges inside the append; the gc runs after its output (in-process with `wait`, as a detached
 * `agentlog gc --auto` child by default), and keeps the pack count bounded.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AUTO_GC } from '../../core/store/gc.js';
import { Store } from '../../core/store/store.js';
import { verifyTimeline } from '../../core/timeline/verify.js';
import { cliOk, storeWithSession } from '../helpers/cli.js';
import { git } from '../helpers/tmp.js';

// The built CLI (dist/, made by `npm test`'s tsc step), run as a separate process.
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cli/bin/agentlog.js');

function packCount(storeDir: string): number {
  return fs.readdirSync(path.join(storeDir, 'objects/pack')).filter((n) => n.endsWith('.pack')).length;
}

async function appendMany(dir: string, name: string, n: number, autoGc: 'wait' | 'off', counts: number[] = []): Promise<number[]> {
  for (let i = 0; i < n; i++) {
    await cliOk(dir, ['append', name, '--role', 'user', '--text', `note ${i}`], { autoGc });
    counts.push(packCount(path.join(dir, '.agentlog/.git')));
  }
  return counts;
}

describe('agentlog gc', () => {
  it('merges what appends left into one pack; --json says what it did; the store reads back whole', async () => {
    const { dir, name } = await storeWithSession();
    await appendMany(dir, name, AUTO_GC.maxPacks + 8, 'off');
    const gitDir = path.join(dir, '.agentlog/.git');
    const before = packCount(gitDir);
    expect(before).toBeGreaterThan(AUTO_GC.maxPacks + 8);
    const r = JSON.parse((await cliOk(dir, ['gc', '--json'])).out);
    expect(r).toMatchObject({ ran: true, before: { packs: before }, after: { packs: 1 } });
    expect(packCount(gitDir)).toBe(1);
    const text = await cliOk(dir, ['gc']);
    expect(text.err).toMatch(/^gc: nothing to merge; 1 pack\(s\)/);
    const store = Store.open(path.join(dir, '.agentlog'));
    expect(verifyTimeline(store, name, store.tipOf(name)!).problem).toBeUndefined();
    expect(git(path.join(dir, '.agentlog'), ['fsck', '--strict', '--no-dangling', '--no-progress']).trim()).toBe('');
    expect((await cliOk(dir, ['gc', '--auto'])).err).toBe(''); // not due: quiet
  });

  it('after each writing command (AGENTLOG_AUTO_GC=wait), the pack count stays bounded', async () => {
    const { dir, name } = await storeWithSession();
    const counts = await appendMany(dir, name, 3 * AUTO_GC.maxPacks, 'wait');
    expect(Math.max(...counts)).toBeLessThanOrEqual(AUTO_GC.maxPacks);
    expect(counts.slice(0, AUTO_GC.maxPacks - 4)).toEqual(Array.from({ length: AUTO_GC.maxPacks - 4 }, (_, i) => counts[0] + i)); // no gc before it is due
    expect(counts.some((c, i) => i > 0 && c < counts[i - 1])).toBe(true); // and one after
  });

  it('by default a writing command starts `agentlog gc --auto` detached, and that child merges the packs', async () => {
    const { dir, name } = await storeWithSession();
    await appendMany(dir, name, AUTO_GC.maxPacks, 'off');
    const gitDir = path.join(dir, '.agentlog/.git');
    const before = packCount(gitDir);
    const env = { ...process.env, AGENTLOG_AUTO_GC: '' };
    const r = spawnSync(process.execPath, [BIN, 'append', name, '--role', 'user', '--text', 'the last one'], { cwd: dir, env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    // The command has exited; its child works on. Wait for it (it holds gc.lock while it runs).
    const lock = path.join(gitDir, 'agentlog/gc.lock');
    for (let i = 0; i < 600 && (packCount(gitDir) > AUTO_GC.maxPacks || fs.existsSync(lock)); i++) await new Promise((ok) => setTimeout(ok, 100));
    expect(packCount(gitDir)).toBeLessThan(before);
    expect(packCount(gitDir)).toBeLessThanOrEqual(AUTO_GC.maxPacks);
  }, 120_000);
});
