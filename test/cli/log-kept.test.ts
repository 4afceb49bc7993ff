import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventCache } from '../../core/store/eventCache.js';
import { Store } from '../../core/store/store.js';
import { cli } from '../helpers/cli.js';
import { clock, tmpdir } from '../helpers/tmp.js';

// `log` keeps what it printed of a long timeline (Store.derivedText) so that the next log of the same
// commit, in the same form and width, decodes no event.

async function longTimeline(n: number) {
  const dir = path.join(tmpdir(), 'store');
  const { store } = Store.init(dir, { now: clock(), autoGc: 'off' });
  store.beginBatch();
  await store.create('talk', { kind: 'session', title: 'a talk' });
  for (let i = 1; i <= n; i++)
    await store.append('talk', { kind: 'message', role: i % 2 ? 'user' : 'assistant', content: [{ type: 'text', text: `line ${i}` }] });
  await store.flushBatch();
  return { dir, tip: Store.open(dir).tipOf('talk')! };
}

/** The key the kept text of `tip` was written for (its file's header: "ALT1", u32 length, the key). */
function keptKey(dir: string, tip: string): string {
  const file = fs.readFileSync(path.join(dir, '.git', 'agentlog', 'cache', `${tip}.text`));
  return file.toString('utf8', 8, 8 + file.readUInt32BE(4));
}

describe('log keeps what it printed', () => {
  it('serves the next log of the same commit, form and width from what it kept', async () => {
    const { dir, tip } = await longTimeline(300);
    const first = await cli(dir, ['log', 'talk', '--store', dir]);
    expect(first.code).toBe(0);
    expect(first.out.split('\n')).toHaveLength(302);
    // What is served is the kept text: replaced by another, the next log prints that one.
    const cache = new EventCache(path.join(dir, '.git', 'agentlog', 'cache'));
    cache.writeText(tip, keptKey(dir, tip), 'kept\n');
    expect((await cli(dir, ['log', 'talk', '--store', dir])).out).toBe('kept\n');
    // Another width or form is made from the events again, and the same.
    const tty = await cli(dir, ['log', 'talk', '--store', dir], { columns: 90 });
    expect(tty.out).not.toBe('kept\n');
    expect(tty.out.split('\n')[1]).toMatch(/^1 +\w{8} +message +user: line 1$/);
    const json = JSON.parse((await cli(dir, ['log', 'talk', '--json', '--store', dir])).out) as unknown[];
    expect(json).toHaveLength(301);
    expect((await cli(dir, ['log', 'talk', '--json', '--store', dir])).out).toBe(`${JSON.stringify(json)}\n`);
  });

  it('rejects a damaged kept text: the log is made again', async () => {
    const { dir, tip } = await longTimeline(300);
    const first = (await cli(dir, ['log', 'talk', '--store', dir])).out;
    const file = path.join(dir, '.git', 'agentlog', 'cache', `${tip}.text`);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 10] ^= 0xff;
    fs.writeFileSync(file, bytes);
    expect((await cli(dir, ['log', 'talk', '--store', dir])).out).toBe(first);
  });
});
