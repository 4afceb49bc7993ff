import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureFile } from '../../core/capture/captureFile.js';
import { importFiles } from '../../core/import/index.js';
import { freshStore, jsonlFiles, type Obj, OWN_FIXTURES } from '../helpers/sessions.js';
import { tmpdir } from '../helpers/tmp.js';

// Claude Code 2.1 Workflow agents live one level below the session's subagents/ folder and are planned
// with their main file only: a SubagentStop hook names the main transcript, which may not have changed.
const REAL = jsonlFiles(path.join(OWN_FIXTURES, 'agents/claude-code-2.1.332'))[0];
const ID = '8508e415-7387-4376-9c1e-2d5d6c8aa097';

function record(n: number, parent: string | null): Obj {
  const base = { isSidechain: true, userType: 'external', cwd: '/tmp/p', sessionId: ID, version: '2.1.332', agentId: 'a1find' };
  const uuid = `a1find00-0000-4000-8000-00000000000${n}`;
  return n === 1
    ? { ...base, parentUuid: parent, type: 'user', message: { role: 'user', content: 'Find the files' }, uuid, timestamp: '2026-12-02T20:32:28.000Z' }
    : {
        ...base,
        parentUuid: parent,
        type: 'assistant',
        message: { id: 'msg_a1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'a.txt' }] },
        uuid,
        timestamp: '2026-12-02T20:32:29.000Z',
      };
}

describe('capture of a session with Workflow agents', () => {
  it('a Workflow agent that grew while its main file did not is captured (the main file is imported whole)', async () => {
    const dir = tmpdir('capture-workflows-');
    const main = path.join(dir, `${ID}.jsonl`);
    fs.copyFileSync(REAL, main);
    const agent = path.join(dir, ID, 'subagents', 'workflows', 'wf_7f3a9c21', 'agent-a1find.jsonl');
    fs.mkdirSync(path.dirname(agent), { recursive: true });
    const first = record(1, null);
    fs.writeFileSync(agent, `${JSON.stringify(first)}\n`);
    const store = freshStore();
    await captureFile(store, 'claude', main);
    fs.appendFileSync(agent, `${JSON.stringify(record(2, first.uuid as string))}\n`);
    const again = await captureFile(store, 'claude', main);
    expect(again.mode).toBe('full');
    const whole = freshStore();
    await importFiles(whole, 'claude', [main]);
    const name = `claude/${ID}.agent-a1find`;
    expect(whole.readEvents(whole.tipOf(name)!).length).toBe(3); // genesis and the two records
    expect(new Map(store.timelines())).toEqual(new Map(whole.timelines()));
  });
});
