/**
 * The real agents (installed by test/agents/setup.sh into .cache/agents) run against the scripted
 * model server (model-server.ts), each in a "machine" of its own: a throwaway HOME (Claude's
 * ~/.claude), CODEX_HOME and project folder, with telemetry and update checks off. A run returns what
 * the agent printed and the session files it wrote.
 */

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tmpdir } from './tmp.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const AGENTS_CACHE = process.env.AGENTLOG_AGENTS_CACHE ?? path.join(ROOT, '.cache/agents');
const BIN = path.join(AGENTS_CACHE, 'node_modules/.bin');

/** The agents' binaries; throws (the suite fails, it does not skip) when setup has not run. */
export function agentBinaries(): { claude: string; codex: string } {
  const claude = path.join(BIN, 'claude');
  const codex = path.join(BIN, 'codex');
  for (const bin of [claude, codex]) {
    if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run \`bash test/agents/setup.sh\` first (it installs the real agents from the npm registry)`);
  }
  return { claude, codex };
}

/** The version of an installed agent package. */
export function agentVersion(pkg: '@anthropic-ai/claude-code' | '@openai/codex'): string {
  return JSON.parse(fs.readFileSync(path.join(AGENTS_CACHE, 'node_modules', pkg, 'package.json'), 'utf8')).version;
}

/** A machine: its home (with ~/.claude and ~/.codex) and a project folder. */
export interface Machine {
  home: string;
  codexHome: string;
  project: string;
  /** The environment an agent or agentlog runs with on this machine. */
  env: NodeJS.ProcessEnv;
}

/**
 * A fresh machine whose agents talk to `modelUrl`. Its folders lie outside /tmp's top level (Codex
 * refuses to make its helper links under a temporary folder; it only warns).
 */
export function machine(modelUrl: string, name = 'machine'): Machine {
  const root = tmpdir(`${name}-`);
  const home = path.join(root, 'home');
  const codexHome = path.join(home, '.codex');
  const project = path.join(root, 'project');
  fs.mkdirSync(codexHome, { recursive: true });
  fs.mkdirSync(project);
  // Codex: a model provider at the scripted server, no retries (a failure shows at once).
  fs.writeFileSync(
    path.join(codexHome, 'config.toml'),
    [
      'model = "gpt-5.1"',
      'model_provider = "scripted"',
      'check_for_update_on_startup = false',
      'sandbox_mode = "danger-full-access"',
      'approval_policy = "never"',
      '[model_providers.scripted]',
      'name = "scripted"',
      `base_url = "${modelUrl}/v1"`,
      'wire_api = "responses"',
      'env_key = "SCRIPTED_API_KEY"',
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '[analytics]',
      'enabled = false',
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    CODEX_HOME: codexHome,
    SCRIPTED_API_KEY: 'dummy',
    ANTHROPIC_BASE_URL: modelUrl,
    ANTHROPIC_API_KEY: 'sk-ant-dummy',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    NO_COLOR: '1',
  };
  return { home, codexHome, project, env };
}

export interface AgentRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a binary in `cwd` with stdin closed; resolves when it exits (the server answers meanwhile). */
export function run(bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<AgentRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `run`, failing with the agent's output when it does not exit 0. */
export async function runOk(bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<AgentRun> {
  const r = await run(bin, args, cwd, env);
  if (r.code !== 0) throw new Error(`${path.basename(bin)} ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** `claude -p PROMPT` (the Bash and Agent tools allowed), plus `extra` (e.g. --resume ID, --fork-session). Returns its session id. */
export async function claudePrint(m: Machine, prompt: string, extra: string[] = []): Promise<{ sessionId: string; run: AgentRun }> {
  const r = await runOk(agentBinaries().claude, ['-p', prompt, '--allowedTools', 'Bash,Agent', '--output-format', 'json', ...extra], m.project, m.env);
  const sessionId = JSON.parse(r.stdout.trim().split('\n').pop()!).session_id as string;
  return { sessionId, run: r };
}

/** `codex exec PROMPT`, or with `resume ID` / `fork ID` before it. Returns the session (thread) id it printed. */
export async function codexExec(m: Machine, prompt: string, before: string[] = []): Promise<{ sessionId: string; run: AgentRun }> {
  const r = await runOk(agentBinaries().codex, ['exec', '--skip-git-repo-check', ...before, prompt], m.project, m.env);
  const id = /session id: ([0-9a-f-]{36})/.exec(r.stderr + r.stdout)?.[1];
  if (!id) throw new Error(`codex printed no session id\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return { sessionId: id, run: r };
}

/** Every file under `dir` (relative paths), sorted. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

/** The session files of a machine: Claude's under ~/.claude/projects, Codex's rollouts under CODEX_HOME/sessions. */
export function sessionFiles(m: Machine): { claude: string[]; codex: string[] } {
  const projects = path.join(m.home, '.claude/projects');
  const sessions = path.join(m.codexHome, 'sessions');
  return {
    claude: filesUnder(projects)
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => path.join(projects, f)),
    codex: filesUnder(sessions)
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => path.join(sessions, f)),
  };
}

/** A JSONL file as parsed records. */
export function readJsonl(file: string): Record<string, unknown>[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}
