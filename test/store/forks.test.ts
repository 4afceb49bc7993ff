import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSessions } from '../../core/timeline/sessions.js';
import { resolveRev } from '../../core/timeline/rev.js';
import { sessionWith } from '../helpers/store.js';

describe('store', () => {
  it('keeps every fork record when forks are made at once, and names a clashing ref clearly', async () => {
    const { store } = await sessionWith(3);
    const at1 = resolveRev(store, 'talk@1').commit;
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.branch(`talk-f${i}`, at1, 'talk')));
    expect(Object.keys(store.forkRecords()).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `talk-f${i}`));
    await store.branch('group/one', at1, 'talk');
    await expect(store.branch('group', at1, 'talk')).rejects.toThrow(/conflicting name/);
  });

  it('nests forks under the timeline they left', async () => {
    const { store } = await sessionWith(5);
    const at2 = resolveRev(store, 'talk@2');
    await store.branch('talk-retry', at2.commit, 'talk');
    await store.append('talk-retry', { kind: 'note', text: 'other way' });
    const s = listSessions(store).find((x) => x.title === 'a talk')!;
    expect(s.timelines.map((t) => t.name)).toEqual(['talk']);
    expect(s.timelines[0].forks.map((f) => [f.name, f.forkSeq, f.length])).toEqual([['talk-retry', 2, 4]]);
    // A session started by a timeline (a subagent) names it in its genesis.
    await store.create('talk-agent', { kind: 'session', title: 'subtask', parent: { timeline: 'talk' } });
    const child = listSessions(store).find((x) => x.title === 'subtask');
    expect(child?.parent).toBe('talk');
    // Without agentlog's record (a plain git clone), the commit graph says the same.
    fs.rmSync(path.join(store.gitDir, 'agentlog', 'forks.json'));
    expect(
      listSessions(store)
        .find((x) => x.title === 'a talk')!
        .timelines[0].forks.map((f) => f.name),
    ).toEqual(['talk-retry']);
  });
});
