import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importFiles } from '../../core/import/index.js';
import { freshStore, jsonlFiles, OWN_FIXTURES } from '../helpers/sessions.js';

// Two imports of the same session at once (a plain `import` while a capture hook runs): one of them
// loses the race to create each timeline or fork branch, and must go on from what the other wrote.
const files = jsonlFiles(path.join(OWN_FIXTURES, 'claude-code')).filter((f) => path.basename(path.dirname(f)) !== 'subagents');

describe('imports racing', () => {
  it.each(files)('%s: two imports at once both succeed and leave what one import makes', async (file) => {
    const store = freshStore();
    const [a, b] = await Promise.all([importFiles(store, 'claude', [file]), importFiles(store, 'claude', [file])]);
    expect(a.timelines.diverged + b.timelines.diverged).toBe(0);
    const once = freshStore();
    await importFiles(once, 'claude', [file]);
    expect(new Map(store.timelines())).toEqual(new Map(once.timelines()));
  });

  // Six at once lose one timeline each pass, in turn: a fixed three passes failed every time here.
  it.each(files)('%s: six imports at once all succeed and leave what one import makes', async (file) => {
    const store = freshStore();
    const all = await Promise.all([1, 2, 3, 4, 5, 6].map(() => importFiles(store, 'claude', [file])));
    expect(all.reduce((n, r) => n + r.timelines.diverged, 0)).toBe(0);
    const once = freshStore();
    await importFiles(once, 'claude', [file]);
    expect(new Map(store.timelines())).toEqual(new Map(once.timelines()));
  });
});
