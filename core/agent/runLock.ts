// One `run` per timeline at a time: a lock file in the store's git dir (agentlog/run/) naming the
// process and host that holds it. A lock whose process is provably gone (same host) is taken over.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentlogError } from '../errors.js';
import { ownerGone, ownerRecord } from '../git/lock.js';

export interface RunLock {
  file: string;
  release(): void;
}

export function takeRunLock(commonDir: string, name: string): RunLock {
  const dir = path.join(commonDir, 'agentlog', 'run');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${createHash('sha256').update(name).digest('hex').slice(0, 32)}.lock`);
  const record = `${ownerRecord().trimEnd().slice(0, -1)},"timeline":${JSON.stringify(name)}}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, record, { flag: 'wx' });
      return {
        file,
        release: () => {
          try {
            if (fs.readFileSync(file, 'utf8') === record) fs.rmSync(file);
          } catch {
            /* gone already */
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new AgentlogError('E_LOCK', `cannot make the run lock ${file}: ${(e as Error).message}`, { lock: file });
    }
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue; // released meanwhile
    }
    let owner: { pid: number; host: string; boot: string; start: string } | undefined;
    try {
      const o = JSON.parse(text) as Record<string, unknown>;
      if (Number.isSafeInteger(o.pid) && typeof o.host === 'string')
        owner = { pid: o.pid as number, host: o.host, boot: String(o.boot ?? ''), start: String(o.start ?? '') };
    } catch {
      owner = undefined;
    }
    if (owner && ownerGone(owner)) {
      fs.rmSync(file, { force: true });
      continue;
    }
    const who = owner ? `process ${owner.pid} on ${owner.host}` : 'another process';
    throw new AgentlogError(
      'E_LOCK',
      `timeline ${name} is being run by ${who}; two runs never interleave on one timeline: wait for it to end, or stop it (lock: ${file})`,
      { lock: file, timeline: name, ...(owner ? { pid: owner.pid, host: owner.host } : {}) },
    );
  }
  throw new AgentlogError('E_LOCK', `cannot take the run lock of ${name} (${file}): it keeps changing`, { lock: file });
}
