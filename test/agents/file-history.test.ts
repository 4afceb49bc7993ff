import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../core/index.js';
import { agentBinaries, filesUnder, machine, runOk, sessionFiles } from '../helpers/agents.js';
import { cliOk } from '../helpers/cli.js';
import { startModelServer, type ModelServer } from '../helpers/model-server.js';

/**
 * Claude Code's file history from the real `claude`: two prompts whose scripted answers Edit and Write
 * files in a temporary project (`-p` keeps the history with CLAUDE_CODE_ENABLE_SDK_FILE_CHECKPOINTING=1,
 * as the SDK does; the interactive agent always does). The backups land in
 * ~/.claude/file-history/<session id>/ as test/import/claude-file-history.test.ts lays them out by
 * hand; `agentlog import claude` makes the snapshot of the second prompt a checkpoint, and `agentlog
 * restore` brings the files back as the first prompt left them.
 */
describe('claude file history', () => {
  let model: ModelServer;
  beforeAll(async () => {
    model = await startModelServer();
  });
  afterAll(() => model.close());

  it('a session whose edits Claude Code backed up is imported with a checkpoint, and restore brings the files back', async () => {
    const m = machine(model.url, 'fh');
    const env = { ...m.env, CLAUDE_CODE_ENABLE_SDK_FILE_CHECKPOINTING: '1' };
    const at = (f: string) => path.join(m.project, f);
    fs.writeFileSync(at('a.txt'), 'alpha\n');
    fs.writeFileSync(at('mine.txt'), 'not the agent’s\n');
    const claude = agentBinaries().claude;
    const tools = ['--allowedTools', 'Edit,Write', '--output-format', 'json'];
    model.script([
      [{ tool: 'Edit', input: { file_path: at('a.txt'), old_string: 'alpha', new_string: 'ALPHA' } }],
      [{ tool: 'Write', input: { file_path: at('sub/b.txt'), content: 'bee\n' } }],
      [{ text: 'done one' }],
    ]);
    const first = await runOk(claude, ['-p', 'first edit', ...tools], m.project, env);
    const id = JSON.parse(first.stdout.trim().split('\n').pop()!).session_id as string;
    model.script([
      [{ tool: 'Edit', input: { file_path: at('sub/b.txt'), old_string: 'bee', new_string: 'BEE' } }],
      [{ tool: 'Edit', input: { file_path: at('a.txt'), old_string: 'ALPHA', new_string: 'alpha2' } }],
      [{ text: 'done two' }],
    ]);
    await runOk(claude, ['-p', 'second edit', '--resume', id, ...tools], m.project, env);
    expect(model.pending()).toBe(0);
    expect(fs.readFileSync(at('a.txt'), 'utf8')).toBe('alpha2\n');

    // The layout the unit tests copy: backups named <hash>@v<n> in file-history/<session id>/.
    const backups = filesUnder(path.join(m.home, '.claude/file-history', id));
    expect(backups.length).toBeGreaterThanOrEqual(2);
    for (const b of backups) expect(b).toMatch(/^[0-9a-f]{16}@v[0-9]+$/);
    const file = sessionFiles(m).claude.find((f) => path.basename(f) === `${id}.jsonl`)!;

    await cliOk(m.project, ['init'], { env });
    const imported = await cliOk(m.project, ['import', 'claude', file], { env });
    expect(imported.err).toMatch(/Claude Code's file history: 1 checkpoint\(s\) holding 2 file backup\(s\)/);
    const store = Store.open(at('.agentlog'));
    const name = `claude/${id}`;
    const events = store.readEvents(store.tipOf(name)!);
    const seq = events.findIndex((e) => e.event.kind === 'checkpoint');
    expect(events[seq].event).toMatchObject({ partial: true, files: 2, label: 'Claude Code file history' });

    // Back to the files as the first prompt left them; the user's own file is not touched.
    await cliOk(m.project, ['restore', `${name}@${seq}`], { env });
    expect(fs.readFileSync(at('a.txt'), 'utf8')).toBe('ALPHA\n');
    expect(fs.readFileSync(at('sub/b.txt'), 'utf8')).toBe('bee\n');
    expect(fs.readFileSync(at('mine.txt'), 'utf8')).toBe('not the agent’s\n');
  });
});
