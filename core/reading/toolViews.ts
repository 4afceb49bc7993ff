import type { PatchFile, Replacement, TodoItem, ToolView } from './types.js';

/**
 * A tool call's input as a typed view, by the tool's name: Claude Code's tools (Bash, Read, Edit,
 * MultiEdit, Write, Glob, Grep, WebSearch, WebFetch, TodoWrite, Task/Agent), Codex's (shell,
 * shell_command, exec_command, apply_patch, update_plan, web_search) and `agentlog run`'s own
 * (core/agent/tools.ts: read_file, write_file, edit_file, list_files, grep, shell). An input that
 * does not have the fields its tool's view needs, and every other tool, gets the generic view: the
 * input came from a file and is only read with its types checked.
 */
export function toolView(name: string, input: unknown): ToolView {
  const i = obj(input);
  const generic: ToolView = { kind: 'generic', input };
  switch (name) {
    case 'Bash':
    case 'shell':
    case 'shell_command':
    case 'exec_command':
    case 'local_shell': {
      const command = commandOf(i.command ?? i.cmd);
      if (command === undefined) return generic;
      const patch = patchIn(command);
      if (patch !== undefined) return patchView(patch);
      return { kind: 'shell', command, ...opt('description', str(i.description)), ...opt('cwd', str(i.workdir) ?? str(i.cwd)) };
    }
    case 'apply_patch': {
      const patch = str(i.input) ?? str(i.patch) ?? str(i.__raw);
      return patch === undefined ? generic : patchView(patch);
    }
    case 'Read':
    case 'read_file': {
      const path = str(i.file_path) ?? str(i.path);
      if (path === undefined) return generic;
      return { kind: 'read', path, ...opt('offset', num(i.offset)), ...opt('limit', num(i.limit)) };
    }
    case 'Write':
    case 'write_file': {
      const path = str(i.file_path) ?? str(i.path);
      const content = typeof i.content === 'string' ? i.content : undefined;
      return path === undefined || content === undefined ? generic : { kind: 'write', path, content };
    }
    case 'Edit':
    case 'edit_file': {
      const path = str(i.file_path) ?? str(i.path);
      const edit = replacement(i);
      return path === undefined || edit === undefined ? generic : { kind: 'edit', path, edits: [edit] };
    }
    case 'MultiEdit': {
      const path = str(i.file_path);
      const edits = Array.isArray(i.edits) ? i.edits.map((e) => replacement(obj(e))) : [];
      if (path === undefined || edits.length === 0 || edits.some((e) => e === undefined)) return generic;
      return { kind: 'edit', path, edits: edits as Replacement[] };
    }
    case 'Glob':
    case 'Grep':
    case 'grep':
    case 'list_files': {
      const pattern = str(i.pattern) ?? (name === 'list_files' ? '**' : undefined);
      if (pattern === undefined) return generic;
      return { kind: 'search', pattern, ...opt('path', str(i.path)), ...opt('glob', str(i.glob)) };
    }
    case 'WebSearch':
    case 'web_search':
    case 'WebFetch': {
      const query = str(i.query);
      const url = str(i.url);
      if (query === undefined && url === undefined) return generic;
      return { kind: 'web', ...opt('query', query), ...opt('url', url), ...opt('prompt', str(i.prompt)) };
    }
    case 'TodoWrite':
    case 'update_plan': {
      const list = Array.isArray(i.todos) ? i.todos : Array.isArray(i.plan) ? i.plan : undefined;
      if (!list) return generic;
      const items: TodoItem[] = [];
      for (const t of list) {
        const o = obj(t);
        const text = str(o.content) ?? str(o.step);
        if (text === undefined) return generic;
        items.push({ text, status: str(o.status) ?? '' });
      }
      return { kind: 'todo', items, ...opt('explanation', str(i.explanation)) };
    }
    case 'Task':
    case 'Agent': {
      const prompt = typeof i.prompt === 'string' ? i.prompt : undefined;
      if (prompt === undefined) return generic;
      return { kind: 'agent', description: str(i.description) ?? '', prompt, ...opt('agentType', str(i.subagent_type)) };
    }
    default:
      return generic;
  }
}

/** The files of an apply_patch text (`*** Begin Patch` … `*** End Patch`), with lines added and removed. */
export function patchFiles(patch: string): PatchFile[] {
  const files: PatchFile[] = [];
  let current: PatchFile | undefined;
  for (const line of patch.split('\n')) {
    const head = /^\*\*\* (Add|Update|Delete) File: (.*)$/.exec(line);
    if (head) {
      current = { path: head[2].trim(), op: head[1] === 'Add' ? 'add' : head[1] === 'Update' ? 'update' : 'delete', added: 0, removed: 0 };
      files.push(current);
    } else if (current && line.startsWith('*** Move to: ')) current.moveTo = line.slice('*** Move to: '.length).trim();
    else if (current && line.startsWith('+')) current.added++;
    else if (current && line.startsWith('-')) current.removed++;
  }
  return files;
}

function patchView(patch: string): ToolView {
  return { kind: 'patch', files: patchFiles(patch), patch };
}

/** The patch a shell command hands to apply_patch (`apply_patch <<'EOF' … EOF`, or as its argument). */
function patchIn(command: string): string | undefined {
  if (!/^\s*(?:cd [^\n;&]+(?:&&|;)\s*)?apply_patch\b/.test(command.slice(0, 4096))) return undefined;
  const begin = command.indexOf('*** Begin Patch');
  if (begin < 0) return undefined;
  const end = command.indexOf('*** End Patch', begin);
  return end < 0 ? command.slice(begin) : command.slice(begin, end + '*** End Patch'.length);
}

/** A command as one string: Codex's argv (`["bash", "-lc", "script"]` gives the script). */
function commandOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (!Array.isArray(v) || v.length === 0 || !v.every((a) => typeof a === 'string')) return undefined;
  const argv = v as string[];
  if (argv.length === 3 && /(^|\/)(ba|z|)sh$/.test(argv[0]) && /^-l?c$/.test(argv[1])) return argv[2];
  if (argv[0] === 'apply_patch' && argv.length === 2) return `apply_patch ${argv[1]}`;
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function replacement(i: Record<string, unknown>): Replacement | undefined {
  if (typeof i.old_string !== 'string' || typeof i.new_string !== 'string') return undefined;
  return { old: i.old_string, new: i.new_string, ...(i.replace_all === true ? { replaceAll: true } : {}) };
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'bigint' ? Number(v) : undefined;
}

function opt<K extends string, V>(key: K, v: V | undefined): { [k in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [k in K]?: V };
}
