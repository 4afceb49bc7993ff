import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sweepQuarantines } from '../../core/sync/fetch.js';
import { tmpdir } from '../helpers/tmp.js';

describe('quarantine folders', () => {
  it('a fetch sweeps the quarantines killed fetches left behind, and leaves recent ones', () => {
    const tmp = path.join(tmpdir(), 'agentlog-tmp');
    const old = path.join(tmp, 'fetch-1-1-1');
    const recent = path.join(tmp, 'fetch-2-2-2');
    for (const d of [old, recent]) fs.mkdirSync(path.join(d, 'objects', 'pack'), { recursive: true });
    const hoursAgo = new Date(Date.now() - 2 * 3_600_000);
    fs.utimesSync(old, hoursAgo, hoursAgo);
    sweepQuarantines(tmp);
    expect(fs.existsSync(old)).toBe(false);
    expect(fs.existsSync(recent)).toBe(true);
  });
});
