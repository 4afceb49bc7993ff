import type { parseArgs, ParseArgsConfig } from 'node:util';
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
  /** Whether stdout takes colours: a terminal, without --no-color or NO_COLOR (set to anything). */
  color: boolean;
  /** Ask for the secrets scan of what came in once the command is done (capture, import: cli/autoScan.ts). */
  scanLater(): void;
}

/** An option table, as node:util parseArgs takes it. */
export type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * What parseArgs gives a command for its option table, typed from the table itself: a `type: 'string'`
 * option is `string | undefined`, a `type: 'boolean'` one `boolean | undefined` (an array with
 * `multiple`, never undefined with a `default`). Node's own result type, for the config main() parses with.
 */
export type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: true }>>['values'];

/**
 * One CLI command: its help and its option table (node:util parseArgs), and `run`, which returns the
 * exit code. Commands print data to ctx.stdout and messages to ctx.stderr, and throw AgentlogError
 * for bad input (the CLI prints its message, no stack trace).
 */
export interface Command<O extends Options = Options> {
  name: string;
  /** One line for `agentlog --help`. */
  summary: string;
  /** e.g. 'agentlog show [REV] [--json]' */
  usage: string;
  /** The rest of `agentlog COMMAND --help`: what it does, its options, examples. */
  help: string;
  options?: O;
  /** Long output: through a pager when stdout is a terminal (cli/pager.ts), as git pages log and show. */
  pages?: boolean;
  /** How many positionals at most (undefined: any number). */
  maxPositionals?: number;
  run(ctx: Context, values: Values<O>, positionals: string[]): Promise<number>;
}

/**
 * A command, its `run` typed by its own option table: `options: { json: { type: 'boolean' } }` gives
 * `values.json: boolean | undefined`, so no command casts what it parsed.
 */
export function defineCommand<const O extends Options = Record<never, never>>(command: Command<O>): Command<O> {
  return command;
}
