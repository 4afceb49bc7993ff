// A shell command for the model: /bin/sh -c in the workspace, no terminal (stdin empty, TERM=dumb), in
// its own process group (killed whole at the timeout), its output kept to a cap (head and tail).

import { spawn } from 'node:child_process';

export interface ShellResult {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  output: string;
}

export function runShell(command: string, cwd: string, timeoutMs: number, cap: number): Promise<ShellResult> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TERM: 'dumb', GIT_TERMINAL_PROMPT: '0', PAGER: 'cat', GIT_PAGER: 'cat' },
    });
    const half = Math.floor(cap / 2);
    let head = Buffer.alloc(0);
    let tail = Buffer.alloc(0);
    let dropped = 0;
    const take = (chunk: Buffer) => {
      if (head.length < half) {
        const room = half - head.length;
        head = Buffer.concat([head, chunk.subarray(0, room)]);
        chunk = chunk.subarray(room);
      }
      if (!chunk.length) return;
      tail = Buffer.concat([tail, chunk]);
      if (tail.length > half) {
        dropped += tail.length - half;
        tail = tail.subarray(tail.length - half);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone already */
      }
    }, timeoutMs);
    const finish = (code: number | null, signal: string | null, extra = '') => {
      clearTimeout(timer);
      const middle = dropped ? `\n[… ${dropped} bytes of output not shown …]\n` : '';
      resolve({ code, signal, timedOut, output: head.toString('utf8') + middle + tail.toString('utf8') + extra });
    };
    child.on('error', (e) => finish(127, null, `\n${e.message}`));
    child.on('close', (code, signal) => finish(code, signal));
  });
}
