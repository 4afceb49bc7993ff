import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { AgentlogError, findGitDir, isAgentlogError, safe, Store, storeAbove } from '../core/index.js';
import { autoGc, autoGcMode, type AutoGcMode } from './autoGc.js';
import { autoScan, autoScanMode, type AutoScanMode } from './autoScan.js';
import type { Command, Context, Options, Output, Values } from './command.js';
import { commands } from './commands/index.js';
import { didYouMean } from './suggest.js';
import { paged, pagerCommand } from './pager.js';
import { VERSION } from './version.js';
import { GLOBAL_HELP, GLOBAL_OPTIONS, leadingOptions } from './globalOptions.js';
import { registerTextconv } from './diffDriver.js';

/** What main() parses: a command's own options and the global ones. */
interface ParsedArgs {
  values: Values<Options & typeof GLOBAL_OPTIONS>;
  positionals: string[];
}

export function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const rows = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'agentlog: agent sessions as hashed, canonical events in a plain git repository',
    '',
    'usage: agentlog [--store DIR | -C DIR] [--json] [--no-color] [--no-pager] COMMAND [ARGS]',
    '',
    'commands:',
    ...rows,
    '',
    'REV: a timeline name or a unique prefix of one (claude/8c21), NAME@N (as of seq N), REV~N and REV^',
    '     (N events, one event, before), a commit id (4+ hex digits), an event CID or the short id log',
    '     prints (8+ characters), HEAD, @{-1} (the timeline appended to before the last one). Read commands',
    '     without REV use the checked-out timeline, else the one appended to last, and say which.',
    '',
    GLOBAL_HELP,
    '',
    'Machine-readable output (names, CIDs, --json) goes to stdout; messages go to stderr.',
  ].join('\n');
}

function commandHelp(c: Command): string {
  return `usage: ${c.usage}\n\n${c.summary}\n\n${c.help.trim()}\n\nglobal options:\n${GLOBAL_HELP}`;
}

/** A process stream as an Output, and what went wrong writing to it (see `output`). */
type ProcessOutput = Output & { failure: () => Promise<NodeJS.ErrnoException | undefined> };

/**
 * A process stream as an Output. When the reader goes away (`agentlog show --json | head`: the pipe
 * is closed, EPIPE) the rest of the output is dropped and the command runs to its end as it would
 * have, so an append or import is never cut in the middle; the exit code is the command's, and no
 * stack trace. Any other write error (a full disk behind `> file`) drops the rest too and is kept
 * for main to report.
 */
function output(stream: NodeJS.WriteStream): ProcessOutput {
  let closed = false;
  let failed: NodeJS.ErrnoException | undefined;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    closed = true;
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') failed ??= e;
  });
  return {
    write: (text) => {
      if (!closed) stream.write(text);
    },
    isTTY: !!stream.isTTY,
    // A terminal's width; else $COLUMNS (a pager, a test), else 80.
    columns: stream.columns || Number(process.env.COLUMNS) || 80,
    // Once what was written has gone out (or failed: the error event comes first).
    failure: () =>
      new Promise((resolve) => {
        if (closed) resolve(failed);
        else stream.write('', () => setImmediate(() => resolve(failed)));
      }),
  };
}

export interface MainOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  stdout?: Output;
  stderr?: Output;
  stdin?: () => NodeJS.ReadableStream;
  now?: () => number;
  /** How the automatic gc runs after a command that wrote packs (cli/autoGc.ts; default: AGENTLOG_AUTO_GC, else detach). */
  autoGc?: AutoGcMode;
  /** How the secrets scan of what capture or import brought in runs (cli/autoScan.ts; default: AGENTLOG_AUTO_SCAN, else detach). */
  autoScan?: AutoScanMode;
}

/** Run the CLI; returns the exit code. Never throws for bad input. */
export async function main(argv: string[], opts: MainOptions = {}): Promise<number> {
  const out = opts.stdout ? undefined : output(process.stdout);
  const stdout = opts.stdout ?? out!;
  const stderr = opts.stderr ?? output(process.stderr);
  const opened: Opened = {};
  const code = await run(argv, opts, stdout, stderr, opened);
  const failed = await out?.failure();
  // Once the command's work is acknowledged and its output out: never inside an append (store/gc.ts).
  const env = opts.env ?? process.env;
  if (opened.store) await autoGc(opened.store, opts.autoGc ?? autoGcMode(env), env, stderr);
  if (opened.store && opened.scanLater) await autoScan(opened.store, opts.autoScan ?? autoScanMode(env), env, stderr);
  if (failed && code === 0) {
    stderr.write(`agentlog: cannot write the output: ${failed.message}\n`);
    return 1;
  }
  return code;
}

/** What a command left for after it: the store it opened (for the automatic gc), and whether it asked for a scan. */
interface Opened {
  store?: Store;
  scanLater?: boolean;
}

async function run(argv: string[], opts: MainOptions, stdout: Output, stderr: Output, opened: Opened): Promise<number> {
  const leading = leadingOptions(argv);
  if ('error' in leading) {
    stderr.write(`agentlog: ${safe(leading.error)}\nusage: agentlog [GLOBAL OPTIONS] COMMAND [ARGS]; see: agentlog help\n`);
    return 2;
  }
  const [name, ...args] = leading.rest;
  if (leading.version || name === '--version' || name === '-V') {
    stdout.write(`agentlog ${VERSION}\n`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h') {
    (name || leading.help ? stdout : stderr).write(`${topHelp()}\n`);
    return name || leading.help ? 0 : 2;
  }
  // `agentlog help` is the general help, `agentlog help CMD` the command's (as git and gh read it).
  if (name === 'help') {
    if (!args.length) {
      stdout.write(`${topHelp()}\n`);
      return 0;
    }
    const asked = commands.find((c) => c.name === args[0]);
    if (!asked) return unknownCommand(args[0], stderr);
    stdout.write(`${commandHelp(asked)}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) return unknownCommand(name, stderr);
  if (leading.help || args.includes('--help') || args.includes('-h')) {
    stdout.write(`${commandHelp(command)}\n`);
    return 0;
  }
  if (leading.json && !command.options?.json) {
    stderr.write(`agentlog ${name}: ${name} has no --json output\nusage: ${command.usage}\n`);
    return 2;
  }
  // Global options before the command count as if given after it; after it, the later one wins.
  const rest = leading.json ? ['--json', ...args] : args;
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs({ args: rest, options: { ...command.options, ...GLOBAL_OPTIONS }, allowPositionals: true, strict: true });
  } catch (e) {
    stderr.write(`agentlog ${name}: ${safe(optionError(e as NodeJS.ErrnoException, { ...command.options, ...GLOBAL_OPTIONS }))}\nusage: ${command.usage}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (command.maxPositionals !== undefined && positionals.length > command.maxPositionals) {
    stderr.write(`agentlog ${name}: unexpected argument "${positionals[command.maxPositionals]}"\nusage: ${command.usage}\n`);
    return 2;
  }
  // -C DIR: as if started there; each one relative to the one before (git -C), those after the command last.
  let cwd = opts.cwd ?? process.cwd();
  for (const dir of [...leading.directories, ...(values.directory === undefined ? [] : [values.directory])]) {
    cwd = path.resolve(cwd, dir);
    if (!fs.statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) {
      stderr.write(`agentlog: -C ${safe(dir)}: ${safe(cwd)} is not a folder\n`);
      return 1;
    }
  }
  const storeFlag = values.store ?? leading.store;
  const noColor = !!(values['no-color'] || leading.noColor);
  const noPager = !!(values['no-pager'] || leading.noPager);
  const env = opts.env ?? process.env;
  const now = opts.now ?? Date.now;
  // The process's own stdout on a terminal: show and log go through a pager (cli/pager.ts).
  const pagerCmd = command.pages && !opts.stdout && stdout.isTTY && !noPager ? pagerCommand(env) : undefined;
  const pager = pagerCmd ? paged(pagerCmd, env, stdout) : undefined;
  let store: Store | undefined;
  const ctx: Context = {
    cwd,
    env,
    stdout: pager?.output ?? stdout,
    color: stdout.isTTY && !noColor && (env.NO_COLOR ?? '') === '',
    stderr,
    now,
    stdin: opts.stdin ?? (() => process.stdin),
    scanLater: () => {
      opened.scanLater = true;
    },
    store: () =>
      (opened.store = store ??=
        Store.open(
          discoverStore(cwd, storeFlag, env, (m) => stderr.write(`agentlog: ${m}\n`)),
          {
            now,
            // a command is short-lived: its gc runs once its work is done (autoGc.ts), not beside it
            autoGc: 'off',
            warn: (m) => stderr.write(`agentlog: ${m}\n`),
          },
        )),
  };
  try {
    return await command.run(ctx, values, positionals);
  } catch (e) {
    await pager?.close(); // the error after what was paged, once the pager is gone
    if (isAgentlogError(e)) {
      // Messages can quote stored or remote text (a ref file, a branch name): no control characters.
      stderr.write(`agentlog ${name}: ${safe(e.message)}\n`);
      return 1;
    }
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string' && err.syscall) {
      stderr.write(`agentlog ${name}: ${err.message}\n`);
      return 1;
    }
    stderr.write(`agentlog ${name}: internal error (a bug; please report it):\n${(e as Error)?.stack ?? String(e)}\n`);
    return 70;
  } finally {
    await pager?.close();
  }
}

/** A mistyped command: exit 2, the closest commands, and where to see them all. */
function unknownCommand(name: string, stderr: Output): number {
  const hint = didYouMean(
    name,
    commands.map((c) => c.name),
  );
  stderr.write(`agentlog: unknown command "${safe(name)}"${hint}\nsee every command: agentlog help\n`);
  return 2;
}

/**
 * parseArgs' error in the CLI's words: an unknown option with the closest ones (\`ls --jsn\`: did you
 * mean --json?), an option that needs a value or takes none. Node's own text says to use \`--\`,
 * which is not what a mistyped option needs.
 */
function optionError(e: NodeJS.ErrnoException, options: Options): string {
  const quoted = /'([^']+)'/.exec(e.message)?.[1] ?? '';
  const flags = Object.entries(options).flatMap(([long, o]) => [`--${long}`, ...(o.short ? [`-${o.short}`] : [])]);
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const typed = quoted.split('=')[0];
    // A one-letter option (-x) is one edit from every other: no guess.
    return `unknown option ${typed}${typed.length > 2 ? didYouMean(typed, flags, (f) => f) : ''}`;
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = quoted.replace(/ <value>$/, '');
    if (/argument missing/.test(e.message)) return `${flag} needs a value`;
    if (/does not take an argument/.test(e.message)) return `${flag} takes no value`;
  }
  return e.message;
}

/**
 * Which store: --store DIR, else $AGENTLOG_STORE, else the store above the cwd (core's storeAbove, the
 * rule the VS Code extension follows too: the marked repository around it or the nearest .agentlog/).
 */
export function discoverStore(cwd: string, flag: string | undefined, env: NodeJS.ProcessEnv, say: (m: string) => void = () => {}): string {
  const given = flag ?? (env.AGENTLOG_STORE || undefined);
  if (given) {
    const dir = path.resolve(cwd, given);
    if (!fs.existsSync(dir)) throw new AgentlogError('E_STORE', `store ${dir} does not exist (make one with: agentlog init ${given})`, { dir });
    if (!findGitDir(dir)) throw new AgentlogError('E_STORE', `${dir} is not a git repository, so not a store (make one with: agentlog init ${given})`, { dir });
    return dir;
  }
  const above = storeAbove(cwd);
  if (above) return above;
  // A plain `git clone` of a store (no mark, no .agentlog/): the repository around the cwd, known by its commits.
  const work = findGitDir(cwd)?.workTree;
  if (work && Store.looksLikeStore(work)) return adoptClone(work, say);
  throw new AgentlogError('E_STORE', `no agentlog store here (${cwd} or above); make one with: agentlog init   (or name one with --store DIR)`);
}

/** A plain `git clone` of a store, found by its commits: marked as a store, its diff driver registered. */
function adoptClone(dir: string, say: (m: string) => void): string {
  const { store } = Store.init(dir);
  registerTextconv(store, say);
  say(`${dir} is a git clone of a store: marked it as one (agentlog.version in its git config)`);
  return dir;
}
