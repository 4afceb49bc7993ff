import { Readable } from 'node:stream';
import { expect } from 'vitest';
import { main, type MainOptions } from '../../cli/main.js';
import { clock, tmpdir } from './tmp.js';

export interface CliOptions {
  /** What the command reads on standard input (default: nothing). */
  stdin?: string;
  /** The environment it sees (default: an empty one). */
  env?: NodeJS.ProcessEnv;
  /** Whether its stderr is a terminal (progress bars). */
  tty?: boolean;
  /** Its stdout as a terminal this many columns wide (default: a pipe). */
  columns?: number;
  /** Its clock (default: a fresh deterministic one, helpers/tmp.ts clock()). */
  now?: () => number;
  /** How the automatic gc runs after it (default: wait, in-process, so that no test leaves a child behind). */
  autoGc?: 'detach' | 'wait' | 'off';
  /** How the secrets scan after a capture or an import runs (default: off; test/secrets/flags.test.ts turns it on). */
  autoScan?: 'detach' | 'wait' | 'off';
}

/** Run the CLI in-process with captured output, a fresh deterministic clock and the given stdin. */
export async function cli(cwd: string, args: string[], opts: CliOptions = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const context: MainOptions = {
    cwd,
    env: opts.env ?? {},
    now: opts.now ?? clock(),
    autoGc: opts.autoGc ?? 'wait',
    autoScan: opts.autoScan ?? 'off',
    stdout: {
      write: (t) => {
        out += t;
      },
      isTTY: opts.columns !== undefined,
      columns: opts.columns ?? 100,
    },
    stderr: {
      write: (t) => {
        err += t;
      },
      isTTY: !!opts.tty,
      columns: 100,
    },
    stdin: () => Readable.from([opts.stdin ?? '']),
  };
  const code = await main(args, context);
  return { code, out, err };
}

/** `cli`, expecting exit code 0 (the failure names the command and its stderr). */
export async function cliOk(cwd: string, args: string[], opts: CliOptions = {}) {
  const r = await cli(cwd, args, opts);
  expect(r.code, `agentlog ${args.join(' ')}: ${r.err}`).toBe(0);
  return r;
}

/**
 * A fresh folder with a store (.agentlog, by `agentlog init`) holding one session made by `agentlog
 * new --title`, then `messages` appended (user, assistant, user, …); returns the folder and the timeline.
 */
export async function storeWithSession(opts: { title?: string; messages?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<{ dir: string; name: string }> {
  const { title = 'Fix login', messages = [], env } = opts;
  const dir = tmpdir();
  await cliOk(dir, ['init'], { env });
  const name = (await cliOk(dir, ['new', '--title', title], { env })).out.trim().split('\n').pop()!;
  for (const [i, text] of messages.entries()) await cliOk(dir, ['append', name, '--role', i % 2 ? 'assistant' : 'user', '--text', text], { env });
  return { dir, name };
}
