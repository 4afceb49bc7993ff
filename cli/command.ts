import type { ParseArgsConfig } from 'node:util';
import type { Store } from '../core/index.js';

/** Where a command writes: stdout for what scripts read (names, CIDs, --json), stderr for messages. */
export interface Output {
  write(text: string): void;
  isTTY: boolean;
  columns: number;
}

export interface Context {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: Output;
  stderr: Output;
  /** Standard input (for `--json -`), read as a stream so a pipe is handled as lines arrive. */
  stdin(): NodeJS.ReadableStream;
  /** The store: --store, $AGENTLOG_STORE, the store around the cwd, or the nearest .agentlog/ upward. */
  store(): Store;
  /** The clock (tests inject one). */
  now(): number;
}

export type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

/**
 * One CLI command: its help and its option table (node:util parseArgs), and `run`, which returns the
 * exit code. Commands print data to ctx.stdout and messages to ctx.stderr, and throw AgentlogError
 * for bad input (the CLI prints its message, no stack trace).
 */
export interface Command {
  name: string;
  /** One line for `agentlog --help`. */
  summary: string;
  /** e.g. 'agentlog show [REV] [--json]' */
  usage: string;
  /** The rest of `agentlog COMMAND --help`: what it does, its options, examples. */
  help: string;
  options?: ParseArgsConfig['options'];
  /** How many positionals at most (undefined: any number). */
  maxPositionals?: number;
  run(ctx: Context, values: Values, positionals: string[]): Promise<number>;
}
