import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../core/store/store.js';
import { clock, tmpdir } from '../helpers/tmp.js';

// Issue 17, point 9: what a killed writer leaves (event-cache temporaries, temporary pack files, the
// .keep of a pack whose ref never moved) is removed by a later run: a file whose writer's pid is gone
// (on this host), or one older than ten minutes whoever wrote it; never a live writer's, never a
// .keep someone else wrote.

/** A pid that was just used and is gone now. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

/** A long timeline, so reading it writes the event cache (CACHE_MIN events or more). */
async function longStore(): Promise<{ dir: string; store: Store }> {
  const dir = path.join(tmpdir('agentlog-left-'), 'store');
  const { store } = Store.init(dir, { now: clock() });
  await store.create('talk', { kind: 'session' });
  const all: Promise<unknown>[] = [];
  for (let i = 0; i < 1100; i++) all.push(store.append('talk', { kind: 'note', text: `n ${i}` }));
  await Promise.all(all);
  return { dir, store };
}

describe('leftovers of killed writers (issue 17: 9)', () => {
  it("event-cache temporaries: a dead pid's is removed at the next cache write, a live writer's stays", async () => {
    const { dir } = await longStore();
    const cache = path.join(dir, '.git', 'agentlog', 'cache');
    fs.mkdirSync(cache, { recursive: true });
    const dead = path.join(cache, `${'a'.repeat(40)}.events.${deadPid()}.tmp`);
    const live = path.join(cache, `${'b'.repeat(40)}.events.${process.pid}.tmp`);
    fs.writeFileSync(dead, 'half a cache file');
    fs.writeFileSync(live, 'being written');
    const store = Store.open(dir);
    expect(store.readEvents(store.tipOf('talk')!).length).toBe(1101);
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
    expect(fs.readdirSync(cache).some((n) => n.endsWith('.events'))).toBe(true);
  });

  it('a writer killed (kill -9) while writing the event cache: its temporary file goes at the next run', async () => {
    const { dir } = await longStore();
    const cache = path.join(dir, '.git', 'agentlog', 'cache');
    // A process that writes a temporary file named the way the cache names them, then is killed
    // with SIGKILL before it can rename or remove it.
    fs.mkdirSync(cache, { recursive: true });
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const fs=require('node:fs');fs.writeFileSync(process.argv[1]+'/'+'c'.repeat(40)+'.events.'+process.pid+'.tmp','half');process.stdout.write('ok\\n');setInterval(()=>{},1000);`,
        cache,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    await new Promise((r) => child.stdout!.once('data', r));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    expect(fs.readdirSync(cache).filter((n) => n.endsWith('.tmp'))).toHaveLength(1);
    const store = Store.open(dir);
    store.readEvents(store.tipOf('talk')!);
    expect(fs.readdirSync(cache).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it("pack leftovers: a dead writer's temporary pack files and .keep go at the next append; a live writer's and a user's .keep stay", async () => {
    const dir = path.join(tmpdir('agentlog-left-'), 'store');
    const { store } = Store.init(dir, { now: clock() });
    await store.create('talk', { kind: 'session' });
    const packDir = path.join(dir, '.git', 'objects', 'pack');
    const pid = deadPid();
    const plant = (name: string, text: string) => {
      fs.writeFileSync(path.join(packDir, name), text);
      return path.join(packDir, name);
    };
    const deadTmp = plant(`tmp_pack_${pid}_pack-${'1'.repeat(40)}.idx`, 'half an index');
    const liveTmp = plant(`tmp_pack_${process.pid}_pack-${'2'.repeat(40)}.idx`, 'being written');
    const deadKeep = plant(`pack-${'3'.repeat(40)}.keep`, `agentlog ${pid} on ${os.hostname()}\n`);
    const deadPack = plant(`pack-${'3'.repeat(40)}.pack`, 'PACK half');
    const userKeep = plant(`pack-${'4'.repeat(40)}.keep`, 'mine\n');
    const userPack = plant(`pack-${'4'.repeat(40)}.pack`, 'PACK a pack git is receiving');
    // The next process that appends sweeps once.
    const next = Store.open(dir);
    await next.append('talk', { kind: 'note', text: 'after' });
    expect(fs.existsSync(deadTmp)).toBe(false);
    expect(fs.existsSync(deadKeep)).toBe(false);
    expect(fs.existsSync(liveTmp)).toBe(true);
    expect(fs.existsSync(userKeep)).toBe(true);
    expect(fs.existsSync(userPack)).toBe(true);
    // The dead writer's .pack, without its .idx and now unkept, is young: it goes once ten minutes old.
    expect(fs.existsSync(deadPack)).toBe(true);
    const old = new Date(Date.now() - 11 * 60_000);
    fs.utimesSync(deadPack, old, old);
    fs.utimesSync(userPack, old, old);
    await Store.open(dir).append('talk', { kind: 'note', text: 'later' });
    expect(fs.existsSync(deadPack)).toBe(false);
    expect(fs.existsSync(userPack)).toBe(true);
  });
});
