import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sessionWith } from '../helpers/store.js';
import { git } from '../helpers/tmp.js';

describe('store', () => {
  it('lays out the log as it was when git checks out an older commit', async () => {
    const { dir } = await sessionWith(300);
    git(dir, ['checkout', '-q', 'talk~100']);
    const files = (fs.readdirSync(path.join(dir, 'events'), { recursive: true }) as string[]).filter((f) => f.endsWith('.cbor')).sort();
    expect(files).toHaveLength(201);
    expect(files[files.length - 1]).toBe('000000/06/000000200.cbor');
  });

  it('appending to the checked-out timeline detaches HEAD, so git status stays clean', async () => {
    const { dir, store } = await sessionWith(3);
    git(dir, ['checkout', '-q', 'talk']);
    await store.append('talk', { kind: 'note', text: 'one more' });
    expect(git(dir, ['status', '--porcelain'])).toBe('');
    expect(git(dir, ['status'])).toMatch(/HEAD detached at/);
    git(dir, ['checkout', '-q', 'talk']);
    expect(fs.readdirSync(path.join(dir, 'events/000000/00'))).toHaveLength(5);
  });
});
