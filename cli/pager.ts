import { type ChildProcess, spawn } from 'node:child_process';
import type { Output } from './command.js';

/**
 * Long output (show, log) through a pager, the way git does it: only when stdout is a terminal and
 * not with --no-pager; the pager is $AGENTLOG_PAGER, else $PAGER, else `less -FRX` (quits when the
 * text fits one screen, passes colours, leaves the screen as it was), run by `sh -c`; LESS=FRX and
 * LV=-c are set when unset, as git sets them. An empty pager or `cat` means none. The pager starts at
 * the first write, so a command that fails before printing anything starts none.
 */
export function pagerCommand(env: NodeJS.ProcessEnv): string | undefined {
  const chosen = env.AGENTLOG_PAGER ?? env.PAGER ?? 'less -FRX';
  const cmd = chosen.trim();
  return cmd === '' || cmd === 'cat' ? undefined : cmd;
}

export interface Paged {
  output: Output;
  /** Ends the pager's input and waits for the person to leave it. Never throws. */
  close(): Promise<void>;
}

/** An Output that starts `cmd` at its first write and writes into it; the pager's own output is the terminal. */
export function paged(cmd: string, env: NodeJS.ProcessEnv, terminal: Output): Paged {
  let child: ChildProcess | undefined;
  let gone = false; // the person quit the pager (EPIPE), or it failed to start: the rest is dropped
  let exited: Promise<void> = Promise.resolve();
  // Ctrl-C in the pager reaches this process too (one process group): as git does, it is ignored
  // while the pager runs, so that agentlog does not exit under a pager still drawing on the terminal.
  const ignore = () => {};
  const start = (): ChildProcess => {
    process.on('SIGINT', ignore);
    const c = spawn('/bin/sh', ['-c', cmd], {
      stdio: ['pipe', 'inherit', 'inherit'],
      env: { ...env, LESS: env.LESS ?? 'FRX', LV: env.LV ?? '-c' },
    });
    exited = new Promise((resolve) => {
      c.on('close', () => resolve());
      c.on('error', () => resolve());
    });
    c.on('error', () => {
      gone = true;
    });
    c.stdin?.on('error', () => {
      gone = true;
    });
    return c;
  };
  return {
    output: {
      write: (text) => {
        if (gone) return;
        child ??= start();
        child.stdin?.write(text);
      },
      isTTY: true, // the pager shows it on the terminal: colours stay
      columns: terminal.columns,
    },
    close: async () => {
      if (!child) return;
      child.stdin?.end();
      await exited;
      process.off('SIGINT', ignore);
    },
  };
}
