/**
 * An append's pack (issue 20): objects from COMPRESS_FROM bytes on are deflated, smaller ones stored;
 * real git reads both (`git verify-pack`, `git cat-file`), and the deflated ones take less room.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ObjectStore } from '../../core/git/objects.js';
import { COMPRESS_FROM, writePack } from '../../core/git/pack/writePack.js';
import { git, tmpdir } from '../helpers/tmp.js';

describe('pack compression', () => {
  it('deflates objects from COMPRESS_FROM bytes on, stores smaller ones; git reads both', () => {
    const dir = path.join(tmpdir(), 'repo');
    git(path.dirname(dir), ['init', '-q', dir]);
    const text = (n: number, seed: string) => Buffer.from(`{"role":"assistant","text":"${seed} ${'the same words again '.repeat(n)}"}`);
    const contents = [text(2, 'small'), text(Math.ceil(COMPRESS_FROM / 20), 'large'), text(500, 'larger')];
    const entries = contents.map((content) => ({ type: 'blob' as const, content, oid: ObjectStore.hash('blob', content) }));
    const pack = writePack(path.join(dir, '.git/objects/pack'), entries);
    pack.release();
    // verify-pack -v: "<oid> blob <size> <size in pack> <offset>"
    const rows = execFileSync('git', ['verify-pack', '-v', `${pack.name}.idx`], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => /^[0-9a-f]{40} blob/.test(l))
      .map((l) => l.split(/\s+/));
    expect(rows).toHaveLength(3);
    for (const [i, e] of entries.entries()) {
      const row = rows.find((r) => r[0] === e.oid)!;
      const [size, inPack] = [Number(row[2]), Number(row[3])];
      expect(size).toBe(e.content.length);
      if (e.content.length >= COMPRESS_FROM) expect(inPack, `entry ${i}`).toBeLessThan(size / 2);
      else expect(inPack, `entry ${i}`).toBeGreaterThan(size); // stored: header and zlib framing on top
      expect(git(dir, ['cat-file', 'blob', e.oid])).toBe(e.content.toString());
    }
    expect(git(dir, ['fsck', '--strict', '--no-dangling', '--no-progress']).trim()).toBe('');
  });
});
