import { describe, expect, it } from 'vitest';
import { DETAIL_LIMIT, describeCall, workspaceChoice } from '../../extension/shared/agentRun.js';
import { isWebviewMessage } from '../../extension/shared/protocol.js';

describe('what the panel says about an agent run', () => {
  it('works in the session’s folder when it exists, else the VS Code folder, and says which', () => {
    expect(workspaceChoice('/w/app', true, '/vs')).toEqual({ dir: '/w/app', note: "working in /w/app (the session's folder)" });
    expect(workspaceChoice('/w/app', false, '/vs')).toEqual({
      dir: '/vs',
      note: "working in /vs (the VS Code workspace folder: the session's folder /w/app is not on this machine)",
    });
    expect(workspaceChoice(undefined, false, '/vs')).toEqual({ dir: '/vs', note: 'working in /vs (the VS Code workspace folder)' });
    expect(workspaceChoice(42, false, undefined)).toEqual({ error: 'no folder is open in VS Code: open the folder the agent should work in' });
  });

  it('puts a call in words for its approval card, cut when long', () => {
    expect(describeCall('shell', { command: 'npm test' })).toBe('$ npm test');
    expect(describeCall('edit_file', { path: 'a.ts', old_string: 'x', new_string: 'y' })).toBe('edit a.ts:\n- x\n+ y');
    expect(describeCall('write_file', { path: 'b', content: 'B' })).toBe('write b:\nB');
    expect(describeCall('read_file', { path: 'c' })).toBe('read_file {\n  "path": "c"\n}');
    expect(describeCall('shell', { command: 7 })).toBe('shell {\n  "command": 7\n}');
    const long = describeCall('write_file', { path: 'big', content: 'z'.repeat(10_000) });
    expect(long.length).toBeLessThan(DETAIL_LIMIT + 100);
    expect(long).toMatch(/… \(6011 more characters\)$/);
  });

  it('rejects a malformed approval message from the page', () => {
    expect(isWebviewMessage({ type: 'approval', id: 1, allow: true })).toBe(true);
    expect(isWebviewMessage({ type: 'approval', id: '1', allow: true })).toBe(false);
    expect(isWebviewMessage({ type: 'approval', id: 1, allow: 'yes' })).toBe(false);
    expect(isWebviewMessage({ type: 'approval', id: 1.5, allow: false })).toBe(false);
  });
});
