import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { indexPackFile } from '../../core/git/pack/indexPack.js';
import { sessionWith } from '../helpers/store.js';
import { git, tmpdir } from '../helpers/tmp.js';

// pack/receivedPack.ts: a pack just indexed, read by what indexing learnt of it (what a fetch checks
// the received timelines through, issue 20). Every object of a pack git made, with git's deltas at
// depth, reads back as git reads it.

it('reads every object of a pack git made (deltas at depth) as git cat-file does, and nothing else', async () => {
  const { dir, store } = await sessionWith(60);
  for (let i = 0; i < 3; i++) await store.branch(`f${i}`, store.history(store.tipOf('talk')!).next().value!.commit.parents[0]);
  git(dir, ['gc', '--quiet', '--aggressive']); // deltas between trees, long chains
  const tip = store.tipOf('talk')!;
  const packed = execFileSync('git', ['pack-objects', '--stdout', '--revs', '-q', '--depth=50'], { cwd: dir, input: `${tip}\n` });
  const out = path.join(tmpdir(), 'pack');
  fs.mkdirSync(out);
  const file = path.join(out, 'incoming');
  fs.writeFileSync(file, packed);
  const { reader, objects } = indexPackFile(file, out, { keep: true });
  expect(reader).toBeDefined();
  const listed = git(dir, ['rev-list', '--objects', tip])
    .trim()
    .split('\n')
    .map((l) => l.slice(0, 40));
  expect(objects).toBe(listed.length);
  const verify = git(out, ['verify-pack', '-v', path.join(out, fs.readdirSync(out).find((n) => n.endsWith('.idx'))!)]);
  expect(verify).toMatch(/chain length = [2-9]/); // deltas on deltas were read
  const batch = execFileSync('git', ['cat-file', '--batch'], { cwd: dir, input: `${listed.join('\n')}\n`, maxBuffer: 1 << 28 });
  let at = 0;
  for (const oid of listed) {
    const eol = batch.indexOf(10, at);
    const [, type, size] = batch.toString('latin1', at, eol).split(' ');
    const content = batch.subarray(eol + 1, eol + 1 + Number(size));
    at = eol + 1 + Number(size) + 1;
    // Read twice: once resolved, once from what it keeps.
    for (let k = 0; k < 2; k++) {
      const o = reader!.read(oid)!;
      expect(o.type).toBe(type);
      expect(o.content.equals(content)).toBe(true);
    }
  }
  expect(reader!.read('0'.repeat(40))).toBeUndefined();
  expect(reader!.read('../../etc/passwd')).toBeUndefined();
  reader!.close();
  expect(reader!.read(listed[0])).toBeUndefined();
});
