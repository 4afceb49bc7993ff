import { AgentlogError } from '../errors.js';
import type { Edit } from './claudeSettings.js';

/**
 * Capture's `notify` in Codex's `$CODEX_HOME/config.toml`: Codex runs that program after each turn
 * with one JSON argument (the thread id among it). The file is the user's and TOML keeps comments, so
 * it is never re-serialised: capture adds one marked block of lines at the top (a top-level key must
 * come before the first table) and uninstall removes that block. A notify program the user already
 * had is not clobbered: its lines move into the block as comments, capture runs it after itself
 * (`--chain`, with the same argument), and uninstall puts the lines back where they were.
 */

export const BEGIN = '# >>> agentlog capture (added by `agentlog capture install codex`; `agentlog capture uninstall codex` removes it)';
export const END = '# <<< agentlog capture';
const KEPT = '# agentlog capture kept: ';

/** A TOML basic string (JSON's escapes are all TOML's). */
const tomlString = (s: string): string => JSON.stringify(s);

export function tomlArray(args: string[]): string {
  return `[${args.map(tomlString).join(', ')}]`;
}

/** Install: `command(theirs)` gives our notify argv, given the user's own notify argv when there is one. */
export function installCodex(text: string | undefined, file: string, command: (then?: string[]) => string[]): Edit {
  const base = removeBlock(text ?? '', file);
  const lines = base.text === '' ? [] : base.text.split('\n');
  const own = findNotify(lines, file);
  const block = [BEGIN];
  const changes: string[] = [];
  let at = 0;
  let theirs: string[] | undefined;
  if (own) {
    theirs = own.argv;
    at = own.start;
    for (const l of lines.slice(own.start, own.end)) {
      block.push(`${KEPT}${l}`);
      changes.push(`~ ${l}   (your notify program: kept, run after capture with the same argument)`);
    }
    lines.splice(own.start, own.end - own.start);
  }
  const notify = `notify = ${tomlArray(command(theirs))}`;
  block.push(notify, END);
  changes.push(`+ ${notify}`);
  lines.splice(at, 0, ...block);
  let out = lines.join('\n');
  if (!out.endsWith('\n')) out += '\n';
  if (out === text) return { changes: [] };
  return { text: out, changes };
}

/** Uninstall: the block out, the user's own notify lines back where they were. */
export function uninstallCodex(text: string | undefined, file: string): Edit {
  if (text === undefined) return { changes: [] };
  const r = removeBlock(text, file);
  return r.removed.length ? { text: r.text, changes: r.removed } : { changes: [] };
}

/** Our notify line, when installed. */
export function codexStatus(text: string | undefined, file: string): string[] {
  if (text === undefined) return [];
  return removeBlock(text, file)
    .removed.filter((l) => l.startsWith('- notify'))
    .map((l) => l.slice(2));
}

function removeBlock(text: string, file: string): { text: string; removed: string[] } {
  const lines = text.split('\n');
  const begin = lines.indexOf(BEGIN);
  if (begin === -1) return { text, removed: [] };
  const end = lines.indexOf(END, begin);
  if (end === -1) throw new AgentlogError('E_INPUT', `${file}:${begin + 1}: agentlog's capture block has no end line ("${END}"); fix the file by hand`);
  const removed: string[] = [];
  const restored: string[] = [];
  for (const l of lines.slice(begin + 1, end)) {
    if (l.startsWith(KEPT)) restored.push(l.slice(KEPT.length));
    else removed.push(`- ${l}`);
  }
  for (const l of restored) removed.push(`~ ${l}   (your notify program, put back)`);
  lines.splice(begin, end - begin + 1, ...restored);
  return { text: lines.join('\n'), removed };
}

/**
 * The user's own top-level `notify = [...]` (before the first table): its lines and its argv. A value
 * agentlog cannot read as a list of strings is refused, naming the line, rather than guessed at.
 */
function findNotify(lines: string[], file: string): { start: number; end: number; argv: string[] } | undefined {
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*\[/.test(lines[i])) return undefined; // a table: top-level keys are over
    const m = /^\s*notify\s*=\s*(.*)$/.exec(lines[i]);
    if (!m) continue;
    let value = m[1];
    let end = i + 1;
    while (!closed(value) && end < lines.length) value += `\n${lines[end++]}`;
    const argv = parseStringArray(value);
    if (!argv) {
      throw new AgentlogError(
        'E_INPUT',
        `${file}:${i + 1}: your notify setting is not a list of plain strings agentlog can read; move it into a script and name that, or remove it, then install again`,
      );
    }
    return { start: i, end, argv };
  }
  return undefined;
}

/** Whether a TOML array value's brackets are balanced (strings and comments skipped). */
function closed(value: string): boolean {
  return parseStringArray(value) !== undefined || /\]\s*(#.*)?$/.test(value.trim());
}

/** A TOML array of basic ("…") or literal ('…') single-line strings, with comments and a trailing comma allowed. */
export function parseStringArray(value: string): string[] | undefined {
  let i = 0;
  const s = value;
  const ws = () => {
    for (;;) {
      while (i < s.length && /\s/.test(s[i])) i++;
      if (s[i] === '#') {
        while (i < s.length && s[i] !== '\n') i++;
      } else return;
    }
  };
  ws();
  if (s[i++] !== '[') return undefined;
  const out: string[] = [];
  for (;;) {
    ws();
    if (s[i] === ']') {
      i++;
      break;
    }
    if (s[i] === '"' && s[i + 1] !== '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"' && s[j] !== '\n') j += s[j] === '\\' ? 2 : 1;
      if (s[j] !== '"') return undefined;
      try {
        out.push(JSON.parse(s.slice(i, j + 1)) as string);
      } catch {
        return undefined; // a TOML-only escape (\e, \U…): not guessed at
      }
      i = j + 1;
    } else if (s[i] === "'" && s[i + 1] !== "'") {
      const j = s.indexOf("'", i + 1);
      if (j === -1 || s.slice(i + 1, j).includes('\n')) return undefined;
      out.push(s.slice(i + 1, j));
      i = j + 1;
    } else return undefined;
    ws();
    if (s[i] === ',') {
      i++;
      continue;
    }
    ws();
    if (s[i] === ']') {
      i++;
      break;
    }
    return undefined;
  }
  ws();
  return i >= s.length ? out : undefined;
}
