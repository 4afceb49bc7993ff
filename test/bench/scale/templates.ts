/**
 * The real session files the scale corpus is made from: ../shared/fixtures when it exists (real
 * Claude Code and Codex sessions no one here wrote), else the repository's own test/fixtures (so the
 * bench runs in a user's clone). Each template is one session as it lies on disk, read whole: a
 * Claude Code main file with its `subagents/` files, a Claude Code subagent file that stands alone
 * (no parent outside itself: it can be given to another session), or a Codex rollout.
 *
 * A template is used only when it imports cleanly on its own: its records' parents are all in its own
 * files (a fork file continuing a sibling, as agentcmd's tool-result-image.jsonl does, would warn once
 * moved), and the importer's plan of it warns about nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImportWarning } from '../../../core/formats/jsonl.js';
import { planClaude } from '../../../core/import/planClaude.js';
import { planCodex } from '../../../core/import/planCodex.js';

export interface TemplateFile {
  /** The file's lines (no empty ones). */
  lines: string[];
  bytes: number;
  /** For a Claude Code subagent file: its agent id (`agent-<id>.jsonl`). */
  agentId?: string;
}

export interface Template {
  kind: 'claude' | 'codex' | 'subagent';
  /** Where it came from, for messages. */
  source: string;
  /** The session id its records carry (Claude `sessionId`, Codex `session_meta.payload.id`). */
  sessionId: string;
  main: TemplateFile;
  /** Claude Code: the main file's subagent files. */
  subagents: TemplateFile[];
  /** All files together. */
  bytes: number;
}

export interface Templates {
  /** Where the templates were read from. */
  root: string;
  shared: boolean;
  claude: Template[];
  codex: Template[];
  subagents: Template[];
  /** Files left out, with why. */
  skipped: string[];
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SHARED = path.resolve(HERE, '../../../../shared/fixtures');
const OWN = path.resolve(HERE, '../../fixtures');

export function loadTemplates(root?: string): Templates {
  const shared = root === undefined && fs.existsSync(SHARED);
  const dir = root ?? (shared ? SHARED : OWN);
  const out: Templates = { root: dir, shared, claude: [], codex: [], subagents: [], skipped: [] };
  for (const file of walk(dir)) {
    const rel = path.relative(dir, file);
    const inSubagents = path.basename(path.dirname(file)) === 'subagents';
    const isCodex = /(^|\/)codex/.test(rel) || path.basename(file).startsWith('rollout-');
    const why = isCodex ? codexProblem(file) : inSubagents ? subagentProblem(file) : claudeProblem(file);
    if (why) {
      out.skipped.push(`${rel}: ${why}`);
      continue;
    }
    const main = readFile(file);
    if (isCodex) {
      const meta = JSON.parse(main.lines[0]) as { payload: { id: string } };
      out.codex.push({ kind: 'codex', source: rel, sessionId: meta.payload.id, main, subagents: [], bytes: main.bytes });
    } else if (inSubagents) {
      main.agentId = path
        .basename(file)
        .replace(/^agent-/, '')
        .replace(/\.jsonl$/, '');
      out.subagents.push({ kind: 'subagent', source: rel, sessionId: sessionIdOf(main.lines), main, subagents: [], bytes: main.bytes });
    } else {
      const subDir = path.join(file.replace(/\.jsonl$/, ''), 'subagents');
      const subagents = fs.existsSync(subDir)
        ? fs
            .readdirSync(subDir)
            .filter((n) => n.startsWith('agent-') && n.endsWith('.jsonl'))
            .sort()
            .map((n) => ({ ...readFile(path.join(subDir, n)), agentId: n.replace(/^agent-/, '').replace(/\.jsonl$/, '') }))
        : [];
      const bytes = main.bytes + subagents.reduce((s, f) => s + f.bytes, 0);
      out.claude.push({ kind: 'claude', source: rel, sessionId: sessionIdOf(main.lines), main, subagents, bytes });
    }
  }
  if (out.claude.length === 0 || out.codex.length === 0) throw new Error(`no usable Claude Code or Codex templates in ${dir}`);
  for (const list of [out.claude, out.codex, out.subagents]) list.sort((a, b) => a.bytes - b.bytes);
  return out;
}

function walk(dir: string): string[] {
  const files: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) files.push(...walk(p));
    else if (e.isFile() && e.name.endsWith('.jsonl')) files.push(p);
  }
  return files;
}

function readFile(file: string): TemplateFile {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return { lines, bytes: Buffer.byteLength(text) };
}

function sessionIdOf(lines: string[]): string {
  for (const l of lines) {
    const v = JSON.parse(l) as { sessionId?: unknown };
    if (typeof v.sessionId === 'string') return v.sessionId;
  }
  throw new Error('no sessionId');
}

/** Why a file cannot be a template: a bad line, a parent outside its files, a warning from the importer. */
function parentsProblem(files: string[]): string | undefined {
  const uuids = new Set<string>();
  const parents: string[] = [];
  let sessionIds = 0;
  for (const f of files) {
    for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      let v: Record<string, unknown>;
      try {
        v = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return 'a line that is not JSON';
      }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'a line that is not an object';
      if (typeof v.uuid === 'string') uuids.add(v.uuid);
      if (typeof v.sessionId === 'string') sessionIds++;
      for (const k of ['parentUuid', 'logicalParentUuid']) if (typeof v[k] === 'string') parents.push(v[k] as string);
    }
  }
  if (sessionIds === 0) return 'no record names its session';
  const missing = parents.find((p) => !uuids.has(p));
  return missing ? `parent ${missing} is not in its own files` : undefined;
}

function claudeProblem(file: string): string | undefined {
  const subDir = path.join(file.replace(/\.jsonl$/, ''), 'subagents');
  const subs = fs.existsSync(subDir) ? fs.readdirSync(subDir).map((n) => path.join(subDir, n)) : [];
  return parentsProblem([file, ...subs]) ?? planWarning((w) => planClaude(file, w));
}

function subagentProblem(file: string): string | undefined {
  return parentsProblem([file]) ?? planWarning((w) => planClaude(file, w));
}

function codexProblem(file: string): string | undefined {
  const first = fs.readFileSync(file, 'utf8').split('\n', 1)[0];
  try {
    const v = JSON.parse(first) as { type?: unknown; payload?: { id?: unknown } };
    if (v.type !== 'session_meta' || typeof v.payload?.id !== 'string') return 'does not start with a session_meta record';
  } catch {
    return 'first line is not JSON';
  }
  return planWarning((w) => planCodex(file, w));
}

function planWarning(plan: (warn: (w: ImportWarning) => void) => unknown): string | undefined {
  const warnings: string[] = [];
  try {
    plan((w) => warnings.push(`${w.line ? `line ${w.line}: ` : ''}${w.message}`));
  } catch (e) {
    return `the importer's plan fails: ${(e as Error).message}`;
  }
  return warnings.length ? `the importer warns: ${warnings[0]}` : undefined;
}
