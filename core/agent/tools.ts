// The tools a coding agent gets, confined to its workspace: read, write, edit by exact replacement,
// list by glob, grep, and a shell command. Each runs to a result the model reads; a failure is a
// result with is_error, never an exception out of the loop.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { runShell } from './shell.js';
import { fileHash, textHash, ToolError, type Workspace, writeAtomic } from './workspace.js';

export interface ToolSpec {
  name: string;
  description: string;
  schema: Record<string, unknown>;
  /** read: run again after a crash; write: exactly once through the file's hash; shell: never run twice. */
  effect: 'read' | 'write' | 'shell';
}

export interface ToolResult {
  content: string;
  is_error: boolean;
}

/** What the file a write or edit targets holds before it and must hold after it (SHA-256 hex; null: no file). */
export interface Effect {
  path: string;
  before: string | null;
  after?: string;
}

export const MAX_RESULT = 64 * 1024;
const MAX_READ = 256 * 1024;
const MAX_LIST = 2000;
const MAX_VISIT = 100_000;
const MAX_MATCHES = 500;
/** A grep's whole matching time: the pattern is the model's, and a JavaScript regex can backtrack for ever. */
const grepMs = () => Number(process.env.AGENTLOG_GREP_TIMEOUT_MS) || 10_000;
/** The matching loop, run in a context with a timeout (V8 interrupts a backtracking regex there). */
const MATCH_LINES = new vm.Script('hits = []; for (let i = 0; i < lines.length; i++) if (re.test(lines[i])) hits.push(i);');

const str = (description: string) => ({ type: 'string', description });
const obj = (properties: Record<string, unknown>, required: string[]) => ({ type: 'object', properties, required });

export const TOOLS: readonly ToolSpec[] = [
  {
    name: 'read_file',
    description: 'Read a text file of the workspace. Lines are numbered from 1; offset and limit pick lines.',
    schema: obj({ path: str('path relative to the workspace'), offset: { type: 'integer' }, limit: { type: 'integer' } }, ['path']),
    effect: 'read',
  },
  {
    name: 'write_file',
    description: 'Write a whole file (created with its folders, or replaced).',
    schema: obj({ path: str('path relative to the workspace'), content: str('the whole new content') }, ['path', 'content']),
    effect: 'write',
  },
  {
    name: 'edit_file',
    description: 'Replace old_string by new_string in a file. old_string must occur exactly once, unless replace_all is true.',
    schema: obj(
      {
        path: str('path relative to the workspace'),
        old_string: str('exact text to replace'),
        new_string: str('replacement'),
        replace_all: { type: 'boolean' },
      },
      ['path', 'old_string', 'new_string'],
    ),
    effect: 'write',
  },
  {
    name: 'list_files',
    description: 'List the files under a folder of the workspace matching a glob (*, ?, **), e.g. "src/**/*.ts".',
    schema: obj({ pattern: str('glob, default **'), path: str('folder, default the workspace') }, []),
    effect: 'read',
  },
  {
    name: 'grep',
    description: 'Search files for a regular expression (JavaScript syntax); prints path:line: text.',
    schema: obj({ pattern: str('regular expression'), path: str('file or folder, default the workspace'), glob: str('only files matching this glob') }, [
      'pattern',
    ]),
    effect: 'read',
  },
  {
    name: 'shell',
    description: 'Run a command with /bin/sh -c in the workspace (no terminal; stdin is empty). Prints the exit code and the output.',
    schema: obj({ command: str('the command'), timeout_ms: { type: 'integer', description: 'default 120000, at most 600000' } }, ['command']),
    effect: 'shell',
  },
];

export function toolSpec(name: string): ToolSpec | undefined {
  return TOOLS.find((t) => t.name === name);
}

/** What a write or edit call is to do to its file, computed before the call is appended (recovery compares). */
export function effectOf(ws: Workspace, name: string, input: Record<string, unknown>): Effect | undefined {
  try {
    const file = ws.resolve(input.path);
    const before = fileHash(file);
    if (name === 'write_file' && typeof input.content === 'string') return { path: ws.show(file), before, after: textHash(input.content) };
    if (name === 'edit_file' && before !== null) {
      const next = applyEdit(fs.readFileSync(file, 'utf8'), input);
      return { path: ws.show(file), before, after: textHash(next) };
    }
    if (name === 'edit_file') return { path: ws.show(file), before };
  } catch {
    return undefined; // the call will fail the same way when it runs
  }
  return undefined;
}

/** Run a tool; `signal` ends a shell command early. */
export async function runTool(ws: Workspace, name: string, input: Record<string, unknown>): Promise<ToolResult> {
  try {
    switch (name) {
      case 'read_file':
        return ok(readFile(ws, input));
      case 'write_file': {
        const file = ws.resolve(input.path);
        if (typeof input.content !== 'string') throw new ToolError('give content (a string)');
        writeAtomic(file, input.content);
        return ok(`wrote ${Buffer.byteLength(input.content)} bytes to ${ws.show(file)}`);
      }
      case 'edit_file': {
        const file = ws.resolve(input.path);
        let text: string;
        try {
          text = fs.readFileSync(file, 'utf8');
        } catch {
          throw new ToolError(`${ws.show(file)}: no such file`);
        }
        writeAtomic(file, applyEdit(text, input));
        return ok(`edited ${ws.show(file)}`);
      }
      case 'list_files':
        return ok(listFiles(ws, input));
      case 'grep':
        return ok(grep(ws, input));
      case 'shell': {
        if (typeof input.command !== 'string' || !input.command.trim()) throw new ToolError('give command (a string)');
        const timeout = Math.min(Number.isSafeInteger(input.timeout_ms) && (input.timeout_ms as number) > 0 ? (input.timeout_ms as number) : 120_000, 600_000);
        const r = await runShell(input.command, ws.root, timeout, MAX_RESULT);
        const head = r.timedOut ? `timed out after ${timeout} ms (killed)` : r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`;
        return { content: `${head}\n${r.output}`, is_error: r.timedOut || r.code !== 0 };
      }
      default:
        return { content: `error: there is no tool named ${name} (tools: ${TOOLS.map((t) => t.name).join(', ')})`, is_error: true };
    }
  } catch (e) {
    if (e instanceof ToolError) return { content: `error: ${e.message}`, is_error: true };
    const err = e as NodeJS.ErrnoException;
    return { content: `error: ${err.code ? `${err.code}: ` : ''}${err.message}`, is_error: true };
  }
}

function ok(content: string): ToolResult {
  return { content: cap(content), is_error: false };
}

function cap(s: string): string {
  return s.length <= MAX_RESULT ? s : `${s.slice(0, MAX_RESULT)}\n[… ${s.length - MAX_RESULT} more characters not shown]`;
}

export function applyEdit(text: string, input: Record<string, unknown>): string {
  const { old_string: from, new_string: to } = input;
  if (typeof from !== 'string' || typeof to !== 'string') throw new ToolError('give old_string and new_string (strings)');
  if (from === '') throw new ToolError('old_string is empty');
  const first = text.indexOf(from);
  if (first < 0) throw new ToolError('old_string does not occur in the file');
  if (input.replace_all === true) return text.split(from).join(to);
  if (text.indexOf(from, first + 1) >= 0) throw new ToolError('old_string occurs more than once; give more context or replace_all');
  return text.slice(0, first) + to + text.slice(first + from.length);
}

function readFile(ws: Workspace, input: Record<string, unknown>): string {
  const file = ws.resolve(input.path);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new ToolError(`${ws.show(file)}: no such file`);
  }
  if (st.isDirectory()) throw new ToolError(`${ws.show(file)} is a folder (use list_files)`);
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(Math.min(st.size, MAX_READ));
  let n: number;
  try {
    n = fs.readSync(fd, buf, 0, buf.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (buf.subarray(0, Math.min(n, 8192)).includes(0)) throw new ToolError(`${ws.show(file)} is binary`);
  const lines = buf.subarray(0, n).toString('utf8').split('\n');
  const offset = Number.isSafeInteger(input.offset) && (input.offset as number) > 0 ? (input.offset as number) : 1;
  const limit = Number.isSafeInteger(input.limit) && (input.limit as number) > 0 ? (input.limit as number) : lines.length;
  const shown = lines.slice(offset - 1, offset - 1 + limit).map((l, i) => `${String(offset + i).padStart(6)}\t${l}`);
  const more = st.size > MAX_READ ? `\n[the file has ${st.size} bytes; the first ${MAX_READ} are shown]` : '';
  return shown.join('\n') + more;
}

/** A glob as a regular expression over paths relative to where the listing starts. */
export function globRegex(glob: string): RegExp {
  if (glob.length > 500) throw new ToolError('the glob is longer than 500 characters');
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') {
        i++;
        re += '(?:[^/]*/)*';
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The files under `dir` (relative paths, sorted), `.git` folders left out, at most MAX_VISIT looked at. */
function walk(dir: string, match: (rel: string) => boolean, limit: number): { files: string[]; truncated: boolean } {
  const files: string[] = [];
  const stack = [''];
  let visited = 0;
  while (stack.length) {
    const rel = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? 1 : -1));
    for (const e of entries) {
      if (++visited > MAX_VISIT) return { files, truncated: true };
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name !== '.git') stack.push(r);
      } else if (match(r)) {
        files.push(r);
        if (files.length >= limit) return { files, truncated: true };
      }
    }
  }
  files.sort();
  return { files, truncated: false };
}

function listFiles(ws: Workspace, input: Record<string, unknown>): string {
  const dir = ws.resolve(typeof input.path === 'string' && input.path ? input.path : '.');
  const re = globRegex(typeof input.pattern === 'string' && input.pattern ? input.pattern : '**');
  const { files, truncated } = walk(dir, (r) => re.test(r), MAX_LIST);
  if (!files.length) return '(no files match)';
  const prefix = ws.show(dir) === '.' ? '' : `${ws.show(dir)}/`;
  return files.map((f) => prefix + f).join('\n') + (truncated ? `\n[stopped after ${files.length} files]` : '');
}

function grep(ws: Workspace, input: Record<string, unknown>): string {
  if (typeof input.pattern !== 'string' || !input.pattern) throw new ToolError('give pattern (a regular expression)');
  if (input.pattern.length > 1000) throw new ToolError('the pattern is longer than 1000 characters');
  let re: RegExp;
  try {
    re = new RegExp(input.pattern);
  } catch (e) {
    throw new ToolError(`not a regular expression: ${(e as Error).message}`);
  }
  const start = ws.resolve(typeof input.path === 'string' && input.path ? input.path : '.');
  const only = typeof input.glob === 'string' && input.glob ? globRegex(input.glob) : undefined;
  const isFile = fs.statSync(start, { throwIfNoEntry: false })?.isFile();
  const base = isFile ? path.dirname(start) : start;
  const files = isFile ? [path.basename(start)] : walk(start, (r) => !only || only.test(r) || only.test(path.basename(r)), MAX_VISIT).files;
  const out: string[] = [];
  const limit = grepMs();
  const deadline = Date.now() + limit;
  const sandbox = vm.createContext({ re, lines: [] as string[], hits: [] as number[] });
  for (const f of files) {
    const full = path.join(base, f);
    let buf: Buffer;
    try {
      if (fs.statSync(full).size > 4 * 1024 * 1024) continue;
      buf = fs.readFileSync(full);
    } catch {
      continue;
    }
    if (buf.subarray(0, 8192).includes(0)) continue;
    const lines = buf
      .toString('utf8')
      .split('\n')
      .map((l) => (l.length > 2000 ? l.slice(0, 2000) : l));
    sandbox.lines = lines;
    try {
      MATCH_LINES.runInContext(sandbox, { timeout: Math.max(1, deadline - Date.now()) });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw e;
      throw new ToolError(`the pattern took longer than ${limit} ms to match (it backtracks too much: simplify it)`);
    }
    for (const i of sandbox.hits as number[]) {
      const line = lines[i];
      out.push(`${ws.show(full)}:${i + 1}: ${line.length > 300 ? `${line.slice(0, 300)}…` : line}`);
      if (out.length >= MAX_MATCHES) return `${out.join('\n')}\n[stopped after ${MAX_MATCHES} matches]`;
    }
  }
  return out.length ? out.join('\n') : '(no matches)';
}
