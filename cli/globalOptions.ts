import { didYouMean } from './suggest.js';

/**
 * The options every command takes, before the command (`agentlog --store DIR ls`, as git, gh, npm and
 * docker read them) or after it (`agentlog ls --store DIR`). After the command node:util parseArgs
 * reads them with the command's own (GLOBAL_OPTIONS); before it, `leadingOptions` does.
 */
export const GLOBAL_OPTIONS = {
  store: { type: 'string' },
  directory: { type: 'string', short: 'C' },
  'no-color': { type: 'boolean' },
  'no-pager': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const GLOBAL_HELP = `--store DIR   the store to use (else $AGENTLOG_STORE, else the store around the current folder,
              else the nearest .agentlog/ upward)
-C DIR        run as if agentlog was started in DIR (as git -C; several compose, each relative)
--json        before the command too: its output as JSON, where it has --json
--no-color    no colours (also: NO_COLOR set to anything); colours only go to a terminal anyway
--no-pager    show and log on a terminal without a pager ($AGENTLOG_PAGER, else $PAGER, else less -FRX)
--help, -h    help for a command: agentlog help COMMAND (or agentlog COMMAND --help)
--version     agentlog's version`;

/** What came before the command. */
export interface Leading {
  store?: string;
  /** Each -C in order (they compose, each relative to the one before, as git's). */
  directories: string[];
  json?: boolean;
  noColor?: boolean;
  noPager?: boolean;
  help?: boolean;
  version?: boolean;
  /** The command and everything after it. */
  rest: string[];
}

const WITH_VALUE = new Set(['--store', '-C']);
const FLAGS = ['--json', '--no-color', '--no-pager', '--help', '-h', '--version', '-V'];

/**
 * The global options before the command, up to the first word that is not one (the command). An
 * unknown option there is a usage error naming the closest global options (the command's own come
 * after it). Returns the error text, or what was read.
 */
export function leadingOptions(argv: string[]): Leading | { error: string } {
  const out: Leading = { directories: [], rest: [] };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg.startsWith('-C') && arg.length > 2 ? '-C' : arg;
    if (WITH_VALUE.has(flag)) {
      const inline = eq > 0 ? arg.slice(eq + 1) : flag === '-C' && arg.length > 2 ? arg.slice(2) : undefined;
      const value = inline ?? argv[++i];
      if (value === undefined || value === '') return { error: `${flag} needs a value` };
      if (flag === '--store') out.store = value;
      else out.directories.push(value);
      continue;
    }
    if (eq > 0 && FLAGS.includes(flag)) return { error: `${flag} takes no value` };
    switch (flag) {
      case '--json':
        out.json = true;
        break;
      case '--no-color':
        out.noColor = true;
        break;
      case '--no-pager':
        out.noPager = true;
        break;
      case '--help':
      case '-h':
        out.help = true;
        break;
      case '--version':
      case '-V':
        out.version = true;
        break;
      default: {
        const typed = flag;
        const known = [...WITH_VALUE, ...FLAGS];
        return {
          error: `unknown option ${typed}${typed.length > 2 ? didYouMean(typed, known, (f) => f) : ''} (before the command: only global options; a command's own go after it)`,
        };
      }
    }
  }
  out.rest = argv.slice(i);
  return out;
}
