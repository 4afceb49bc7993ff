/**
 * The scale corpus: a year of a heavy user's Claude Code and Codex sessions, made from real session
 * files (templates.ts) with fresh ids, moved times and varied text (rewrite.ts).
 *
 *   tsx test/bench/scale/corpus.ts [--gb N] [--seed S] [--out DIR]
 *
 * Layout as the agents write it: `claude/projects/<project>/<session id>.jsonl` with
 * `<session id>/subagents/agent-<id>.jsonl`, and `codex/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`
 * (so CLAUDE_CONFIG_DIR=<out>/claude and CODEX_HOME=<out>/codex point the agents' and agentlog's
 * defaults at it), plus `manifest.json` (written last: a folder without it is incomplete).
 *
 * The mix, as issue 20 measured it (2,594 files in 1.08 GB): Claude Code and Codex sessions 4 to 1;
 * most 50 KB–2 MB (size 50 KB × 40^(u²), mean ~330 KB), a few of 20–60 MB (five per GB, at least
 * one, none over 30% of the corpus); a Claude Code session is a chain of copies of templates
 * (each copy's first record starts a new root, which the importer continues from the record before
 * it), its templates' subagent files with it, and three sessions in ten get one to three more
 * subagents from standalone subagent templates. Everything is drawn from one generator seeded by
 * `--seed`: the same flags make the same bytes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../events.js';
import { agentIdsIn, firstTime, lastTime, Rewrite, vocabulary } from './rewrite.js';
import { loadTemplates, type Template, type Templates } from './templates.js';

/** Bumped when the generator changes what it writes (the cache key includes it). */
export const CORPUS_VERSION = 1;
export const DEFAULT_GB = 0.02;

export interface CorpusSession {
  agent: 'claude' | 'codex';
  /** The main file, relative to the corpus folder. */
  file: string;
  /** Main file and subagent files. */
  bytes: number;
  files: number;
  /** The main timeline import makes of it. */
  timeline: string;
}

export interface Manifest {
  version: number;
  gb: number;
  seed: number;
  templates: { root: string; shared: boolean; claude: number; codex: number; subagents: number; skipped: string[] };
  bytes: number;
  files: number;
  sessions: CorpusSession[];
  ms: number;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const KB = 1024;
const MB = 1024 * 1024;
const GB = 1e9;
const YEAR_START = Date.UTC(2025, 0, 1);
const YEAR_MS = 365 * 24 * 3600 * 1000;

/** Where the corpus of a size and seed is cached (git-ignored). */
export function corpusDir(gb: number, seed: number): string {
  return path.join(ROOT, '.bench', 'scale', `corpus-${gb}gb-seed${seed}-v${CORPUS_VERSION}`);
}

/** The cached corpus of a size and seed, generated first when missing or incomplete. */
export function ensureCorpus(gb: number, seed: number, log: (s: string) => void = () => {}): { dir: string; manifest: Manifest } {
  const dir = corpusDir(gb, seed);
  const manifestFile = path.join(dir, 'manifest.json');
  if (fs.existsSync(manifestFile)) return { dir, manifest: JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Manifest };
  return { dir, manifest: generateCorpus({ gb, seed, out: dir, log }) };
}

/** Writes the corpus into `out` (emptied first) and returns its manifest. */
export function generateCorpus(opts: { gb: number; seed: number; out: string; templatesRoot?: string; log?: (s: string) => void }): Manifest {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const templates = loadTemplates(opts.templatesRoot);
  const words = vocabulary(
    [...templates.claude, ...templates.codex, ...templates.subagents].flatMap((t) => [...t.main.lines, ...t.subagents.flatMap((f) => f.lines)]),
  );
  fs.rmSync(opts.out, { recursive: true, force: true });
  fs.mkdirSync(opts.out, { recursive: true });
  const rnd = mulberry32(opts.seed);
  const target = opts.gb * GB;
  const sessions: CorpusSession[] = [];
  let bytes = 0;
  let files = 0;
  const add = (s: CorpusSession) => {
    sessions.push(s);
    bytes += s.bytes;
    files += s.files;
  };
  const projects = Math.max(3, Math.round(opts.gb * 50));
  const ctx = { out: opts.out, templates, words, rnd, projects };

  const big = Math.max(1, Math.round(opts.gb * 5));
  for (let i = 0; i < big; i++) add(claudeSession(ctx, Math.min((20 + 40 * rnd()) * MB, 0.3 * target), false));
  while (bytes < target) {
    const size = 50 * KB * 40 ** (rnd() ** 2);
    add(rnd() < 0.8 ? claudeSession(ctx, size, rnd() < 0.3) : codexSession(ctx, size));
    if (sessions.length % 200 === 0) log(`corpus: ${sessions.length} sessions, ${(bytes / 1e6).toFixed(0)} of ${(target / 1e6).toFixed(0)} MB`);
  }
  const manifest: Manifest = {
    version: CORPUS_VERSION,
    gb: opts.gb,
    seed: opts.seed,
    templates: {
      root: templates.root,
      shared: templates.shared,
      claude: templates.claude.length,
      codex: templates.codex.length,
      subagents: templates.subagents.length,
      skipped: templates.skipped,
    },
    bytes,
    files,
    sessions,
    ms: Math.round(performance.now() - t0),
  };
  fs.writeFileSync(path.join(opts.out, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
}

interface Ctx {
  out: string;
  templates: Templates;
  words: string[];
  rnd: () => number;
  projects: number;
}

/** Templates to chain for about `size` bytes: random ones that fit what is left, the smallest when none does. */
function pick(list: Template[], size: number, rnd: () => number): Template[] {
  const out: Template[] = [];
  let left = size;
  while (left > 0) {
    const fits = list.filter((t) => t.bytes <= left);
    const t = fits.length ? fits[Math.floor(rnd() * fits.length)] : list[0];
    out.push(t);
    left -= t.bytes;
  }
  return out;
}

function newUuid(rnd: () => number, version: string): string {
  const h = () => Math.floor(rnd() * 16).toString(16);
  const hex = (n: number) => Array.from({ length: n }, h).join('');
  return `${hex(8)}-${hex(4)}-${version}${hex(3)}-${'89ab'[Math.floor(rnd() * 4)]}${hex(3)}-${hex(12)}`;
}

const seedOf = (rnd: () => number) => Math.floor(rnd() * 2 ** 31);

/** A Claude Code session of about `size` bytes (main file and subagents); `extraAgents`: give it standalone subagents. */
function claudeSession(ctx: Ctx, size: number, extraAgents: boolean): CorpusSession {
  const { rnd } = ctx;
  const sid = newUuid(rnd, '4');
  const project = `-home-user-code-project-${Math.floor(rnd() * ctx.projects)}`;
  const dir = path.join(ctx.out, 'claude', 'projects', project);
  const chunks = pick(ctx.templates.claude, size, rnd);
  const extras =
    extraAgents && ctx.templates.subagents.length
      ? Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => ctx.templates.subagents[Math.floor(rnd() * ctx.templates.subagents.length)])
      : [];
  let cursor = YEAR_START + Math.floor(rnd() * YEAR_MS);
  const main: string[] = [];
  const subFiles: [string, string[]][] = [];
  for (const t of chunks) {
    const shift = shiftTo(t.main.lines, cursor);
    const agents = new Set([...t.subagents.map((f) => f.agentId!), ...agentIdsIn(t.main.lines)]);
    const rw = new Rewrite(seedOf(rnd), { [t.sessionId]: sid }, [...agents], shift, ctx.words);
    for (const l of t.main.lines) main.push(rw.line(l));
    for (const f of t.subagents) subFiles.push([rw.agent(f.agentId!), f.lines.map((l) => rw.line(l))]);
    cursor = (lastTime(t.main.lines) ?? cursor - shift) + shift + 60_000;
  }
  for (const t of extras) {
    const rw = new Rewrite(seedOf(rnd), { [t.sessionId]: sid }, [t.main.agentId!], shiftTo(t.main.lines, cursor), ctx.words);
    subFiles.push([rw.agent(t.main.agentId!), t.main.lines.map((l) => rw.line(l))]);
  }
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${sid}.jsonl`);
  let bytes = write(file, main);
  if (subFiles.length) {
    const subDir = path.join(dir, sid, 'subagents');
    fs.mkdirSync(subDir, { recursive: true });
    for (const [agent, lines] of subFiles) bytes += write(path.join(subDir, `agent-${agent}.jsonl`), lines);
  }
  return { agent: 'claude', file: path.relative(ctx.out, file), bytes, files: 1 + subFiles.length, timeline: `claude/${sid}` };
}

/** A Codex rollout of about `size` bytes: copies of templates, the first one's session_meta only. */
function codexSession(ctx: Ctx, size: number): CorpusSession {
  const { rnd } = ctx;
  const chunks = pick(ctx.templates.codex, size, rnd);
  const sid = newUuid(rnd, '7');
  const start = YEAR_START + Math.floor(rnd() * YEAR_MS);
  let cursor = start;
  const lines: string[] = [];
  chunks.forEach((t, k) => {
    const shift = shiftTo(t.main.lines, cursor);
    const rw = new Rewrite(seedOf(rnd), { [t.sessionId]: sid }, [], shift, ctx.words);
    for (const l of k === 0 ? t.main.lines : t.main.lines.filter((l) => !l.includes('"type":"session_meta"'))) lines.push(rw.line(l));
    cursor = (lastTime(t.main.lines) ?? cursor - shift) + shift + 60_000;
  });
  const d = new Date(start);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const dir = path.join(ctx.out, 'codex', 'sessions', String(d.getUTCFullYear()), p2(d.getUTCMonth() + 1), p2(d.getUTCDate()));
  const stamp = d.toISOString().slice(0, 19).replace(/:/g, '-');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `rollout-${stamp}-${sid}.jsonl`);
  return { agent: 'codex', file: path.relative(ctx.out, file), bytes: write(file, lines), files: 1, timeline: `codex/${sid}` };
}

/** The shift (whole seconds) that moves the first time of `lines` to `at`. */
function shiftTo(lines: string[], at: number): number {
  const first = firstTime(lines);
  return first === undefined ? 0 : Math.round((at - first) / 1000) * 1000;
}

function write(file: string, lines: string[]): number {
  const text = `${lines.join('\n')}\n`;
  fs.writeFileSync(file, text);
  return Buffer.byteLength(text);
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** `--gb N` and `--seed S` from argv (defaults: DEFAULT_GB, 1). */
export function sizeFlags(args: string[]): { gb: number; seed: number } {
  const gb = Number(flag(args, '--gb') ?? DEFAULT_GB);
  const seed = Number(flag(args, '--seed') ?? 1);
  if (!(gb > 0 && gb <= 100)) throw new Error(`--gb wants a size in GB above 0 (got ${flag(args, '--gb')})`);
  if (!Number.isSafeInteger(seed)) throw new Error(`--seed wants an integer (got ${flag(args, '--seed')})`);
  return { gb, seed };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const { gb, seed } = sizeFlags(args);
  const out = flag(args, '--out') ?? corpusDir(gb, seed);
  const m = generateCorpus({ gb, seed, out, log: (s) => process.stderr.write(`${s}\n`) });
  const claude = m.sessions.filter((s) => s.agent === 'claude').length;
  process.stderr.write(
    `corpus: ${m.files} files (${claude} Claude Code sessions, ${m.sessions.length - claude} Codex rollouts), ${(m.bytes / 1e6).toFixed(1)} MB in ${out} (${(m.ms / 1000).toFixed(1)} s; templates from ${m.templates.root}, ${m.templates.skipped.length} skipped)\n`,
  );
}
