import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importFiles } from '../../core/import/index.js';
import { freshStore, jsonlFiles, OWN_FIXTURES } from '../helpers/sessions.js';

// The real CLI (the compiled dist/, as installed) writing into a pipe whose reader goes away after
// the first chunk, as `agentlog show --json … | head` does.
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cli/bin/agentlog.js');
const REAL = jsonlFiles(path.join(OWN_FIXTURES, 'agents/claude-code-2.1.332'))[0];
const TIMELINE = 'claude/8508e415-7387-4376-9c1e-2d5d6c8aa097';

/** Run the CLI, close its stdout after the first chunk; its exit code or signal, and its stderr. */
function intoClosedPipe(cwd: string, args: string[]): Promise<{ code: number | null; signal: string | null; err: string; got: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let got = 0;
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.stdout.once('data', (d) => {
      got = d.length;
      child.stdout.destroy(); // the reader goes away: the child's next write meets a closed pipe
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, err, got }));
  });
}

describe('writing to a closed pipe', () => {
  it('show --json, show, export and log end quietly (exit 0 or SIGPIPE), never a stack trace', async () => {
    const store = freshStore();
    await importFiles(store, 'claude', [REAL]);
    // Each writes more than a pipe holds (64 KiB), so that writes go on after the reader left.
    for (const args of [
      ['show', '--json', TIMELINE],
      ['export', 'claude', TIMELINE],
      ['export', 'codex', TIMELINE],
      ['log', TIMELINE],
      ['show', TIMELINE],
    ]) {
      const r = await intoClosedPipe(store.dir, args);
      expect(r.got, args.join(' ')).toBeGreaterThan(0);
      expect(r.err, args.join(' ')).toBe('');
      expect(r.code === 0 || r.code === 141 || r.signal === 'SIGPIPE', `${args.join(' ')}: ${r.code} ${r.signal}`).toBe(true);
    }
  });

  it('any other write error (a full disk) is one line on stderr and exit code 1', async () => {
    const store = freshStore();
    await importFiles(store, 'claude', [REAL]);
    const full = fs.openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [BIN, 'show', '--json', TIMELINE], { cwd: store.dir, stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
      expect(r.stderr).toBe('agentlog: cannot write the output: ENOSPC: no space left on device, write\n');
      expect(r.status).toBe(1);
    } finally {
      fs.closeSync(full);
    }
  });
});
