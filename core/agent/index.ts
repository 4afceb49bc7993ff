/**
 * core/agent/ owns `run`: an agent loop whose only state is the log. Each step folds the timeline's
 * events into the model's context (context.ts) cut to a token budget (fit.ts), calls the model, streamed,
 * through the Anthropic Messages, the OpenAI chat completions or the OpenAI Responses API (model.ts,
 * anthropic.ts, openai.ts, responses.ts), appends its whole
 * answer with the tool calls BEFORE any tool runs, then runs the tools confined to a workspace
 * (tools.ts, workspace.ts, shell.ts) and appends each result when it ends. A run that starts again
 * after any crash reads the log and goes on: a call without a result is run again, recorded done, or
 * answered `interrupted:` by the table in recovery.ts; a half answer is never appended. One run per
 * timeline at a time (runLock.ts). It knows the store only through Store's public methods.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IpldValue } from '../codec/dagcbor.js';
import { AgentlogError } from '../errors.js';
import { blocksOf, type StoredEvent } from '../event/event.js';
import { readConfig } from '../git/repo.js';
import type { Appended, EventInput } from '../store/types.js';
import type { Store } from '../store/store.js';
import { type Api, APIS, type Conversation, foldContext, lastRole, pendingCalls, type ToolCall } from './context.js';
import { type Answer, type CallOptions, callModel, DEFAULT_ENDPOINT, keyVarOf, type ModelConfig, requestParams, type StreamSink } from './model.js';
import { recoverCall } from './recovery.js';
import { takeRunLock } from './runLock.js';
import { type Effect, effectOf, runTool, TOOLS, type ToolResult, type ToolSpec, toolSpec } from './tools.js';
import { ToolError, Workspace } from './workspace.js';
import { checkpoint, forkFolder, syncFolder, workspaceAt } from '../workspace/index.js';

export type { Api, Block, Conversation, Message } from './context.js';
export type { Answer, AnswerBlock, CallOptions, StreamSink } from './model.js';
export type { ToolSpec } from './tools.js';
export { APIS, foldContext, pendingCalls } from './context.js';
export { DEFAULT_MAX_CONTEXT } from './fit.js';
export { TOOLS } from './tools.js';

export type Approve = 'never' | 'writes' | 'all';

/**
 * One model call made by the caller instead of through the configured endpoint (VS Code's language
 * models): the folded conversation (system prompt first) and the tools in, a whole answer out. It
 * streams through `options.sink`, and throws rather than return half an answer.
 */
export type ModelCall = (conversation: Conversation, tools: readonly ToolSpec[], options: CallOptions) => Promise<Answer>;

export interface RunOptions {
  store: Store;
  name: string;
  /** A user message appended before the loop starts. */
  prompt?: string;
  /** The folder the tools are confined to (default: the session's cwd when it exists). */
  workspace?: string;
  /** Model flags; when they differ from the timeline's current model, a `model` event is appended. */
  api?: Api;
  model?: string;
  endpoint?: string;
  /** The environment the key is read from (AGENTLOG_API_KEY, ANTHROPIC_API_KEY, OPENAI_API_KEY). */
  env?: NodeJS.ProcessEnv;
  maxTokens?: number;
  /** The context budget in estimated tokens (bytes/4): older turns are left out above it (default per API: DEFAULT_MAX_CONTEXT). */
  maxContextTokens?: number;
  /** Model calls at most in this run (default 100). */
  maxSteps?: number;
  /** Which tool calls need approval: never (none), writes (write, edit, shell; default), all. */
  approve?: Approve;
  /** Ask a person; absent: a call that needs approval is refused (no terminal to ask on). */
  ask?: (call: { name: string; input: Record<string, unknown> }) => Promise<boolean>;
  /** Set `stop` to end the run after the current step (Ctrl-C). */
  stop?: { requested: boolean };
  /** Each event as it is appended. */
  onEvent?: (done: Appended) => void;
  /** The model's text and tool calls as they stream. */
  sink?: StreamSink;
  onRetry?: (why: string, attempt: number, delayMs: number) => void;
  retryDelayMs?: (attempt: number) => number;
  /** The model call to use instead of the endpoint's (`api`, `model`, `endpoint` still name it in the log). */
  callModel?: ModelCall;
}

export interface RunResult {
  /** done: the turn ended (an answer without tool calls); interrupted: an `interrupt` event or stop; max-steps. */
  reason: 'done' | 'interrupted' | 'max-steps';
  steps: number;
  appended: number;
  recovered: { id: string; name: string; how: string }[];
  /** Wall time of the run, and the parts of it spent in model calls and in tools (the rest is the loop's own). */
  ms: { total: number; model: number; tools: number };
}

const SYSTEM = (root: string) =>
  `You are a coding agent working in the folder ${root}. Use the tools to read, search and change files there, and to run commands. Paths are relative to that folder; nothing outside it can be reached with the file tools. When the task is done, answer without calling a tool.`;

export async function runAgent(o: RunOptions): Promise<RunResult> {
  const { store, name } = o;
  if (!store.tipOf(name)) throw new AgentlogError('E_REF', `no timeline named ${name} (see: agentlog ls; start one with: agentlog new)`);
  const commonDir = path.dirname(store.objectsDir);
  const lock = takeRunLock(commonDir, name);
  try {
    return await loop(o, commonDir);
  } finally {
    lock.release();
  }
}

async function loop(o: RunOptions, commonDir: string): Promise<RunResult> {
  const result: RunResult = { reason: 'done', steps: 0, appended: 0, recovered: [], ms: { total: 0, model: 0, tools: 0 } };
  const started = performance.now();
  try {
    return await steps(o, commonDir, result);
  } finally {
    result.ms.total = performance.now() - started;
  }
}

async function steps(o: RunOptions, commonDir: string, result: RunResult): Promise<RunResult> {
  const { store, name } = o;
  const note = (done: Appended): Appended => {
    result.appended++;
    o.onEvent?.(done);
    return done;
  };
  const append = async (input: EventInput): Promise<Appended> => note(await store.append(name, input));
  let events = read(store, name);
  const ws = workspaceOf(o, events);
  // The folder in step with the log (core/workspace/): the newest checkpoint restored into an empty
  // one, a folder holding other changes refused, a first checkpoint of what the agent starts from.
  const synced = await syncFolder(store, name, ws.root, { adopt: changedSinceCheckpoint(events) });
  if (synced.checkpoint?.appended) note(synced.checkpoint.appended);
  if (synced.action !== 'none') events = read(store, name);
  const startSeq = events[events.length - 1].event.seq;
  /** A tool that may change files ran since the last checkpoint: take one before the next model call. */
  let touched = false;

  const current = currentModel(events);
  const wanted = wantedModel(o, current);
  if (!current || current.api !== wanted.api || current.model !== wanted.model || (o.endpoint && current.endpoint !== o.endpoint)) {
    await append({ kind: 'model', api: wanted.api, model: wanted.model, ...(wanted.endpoint ? { endpoint: withoutCredentials(wanted.endpoint) } : {}) });
  }
  if (o.prompt !== undefined) await append({ kind: 'message', role: 'user', content: [{ type: 'text', text: o.prompt }] });

  /** Calls this process appended: run as usual. Any other call without a result goes through recovery. */
  const mine = new Set<string>();
  const maxSteps = o.maxSteps ?? 100;
  for (;;) {
    events = read(store, name);
    const stopNow = o.stop?.requested || events.some((e) => e.event.kind === 'interrupt' && e.event.seq > startSeq);
    const pending = pendingCalls(events);
    if (stopNow) {
      // The log stays consistent: a call this run appended and never started is answered "not run".
      for (const call of pending.filter((c) => mine.has(c.id)))
        await appendResult(append, call, { content: 'not run: the run was stopped before this tool ran', is_error: true });
      if (o.stop?.requested && !events.some((e) => e.event.kind === 'interrupt' && e.event.seq > startSeq))
        await append({ kind: 'interrupt', reason: 'SIGINT' });
      result.reason = 'interrupted';
      return result;
    }
    if (pending.length) {
      const call = pending[0];
      if (toolSpec(call.name)?.effect !== 'read') touched = true;
      const timed = async () => {
        const t = performance.now();
        const res = await approvedRun(o, ws, call);
        result.ms.tools += performance.now() - t;
        return res;
      };
      if (mine.has(call.id)) {
        await appendResult(append, call, await timed());
      } else {
        const r = recoverCall(ws, call);
        result.recovered.push({ id: call.id, name: call.name, how: r.how });
        const res = r.action === 'run' ? await timed() : r.result;
        await appendResult(append, call, res, r.how);
      }
      continue;
    }
    if (touched) {
      // After every step that changed files, a checkpoint (none when the files are as before).
      touched = false;
      const cp = await checkpoint(store, name, ws.root);
      if (cp.appended) note(cp.appended);
      continue;
    }
    const role = lastRole(events);
    if (role === 'assistant') return result;
    if (role === undefined) throw new AgentlogError('E_INPUT', `timeline ${name} has no message to answer: give a prompt (agentlog run ${name} --prompt "…")`);
    if (result.steps >= maxSteps) {
      result.reason = 'max-steps';
      return result;
    }
    result.steps++;
    const config = configOf(currentModel(events) ?? wanted, o, commonDir);
    const conversation = foldContext(events, config.api);
    conversation.system.unshift(SYSTEM(ws.root));
    const t = performance.now();
    const callOptions: CallOptions = { sink: o.sink, onRetry: o.onRetry, retryDelayMs: o.retryDelayMs };
    const answer = await (o.callModel ? o.callModel(conversation, TOOLS, callOptions) : callModel(config, conversation, TOOLS, callOptions));
    result.ms.model += performance.now() - t;
    await append(assistantEvent(answer, config, ws));
    for (const b of answer.content) if (b.type === 'tool_use') mine.add(b.id);
  }
}

/**
 * Whether a tool that may change files was called after the newest checkpoint (a run stopped or
 * killed before it could take one): then the folder's changes are the agent's own, recorded at start.
 */
function changedSinceCheckpoint(events: readonly StoredEvent[]): boolean {
  for (let i = events.length - 1; i >= 0; i--) {
    const ev = events[i].event;
    if (ev.kind === 'checkpoint') return false;
    if (
      ev.kind === 'message' &&
      ev.role === 'assistant' &&
      blocksOf(ev.content).some((b) => b.type === 'tool_use' && toolSpec(String(b.name))?.effect !== 'read')
    )
      return true;
  }
  return false;
}

function read(store: Store, name: string): StoredEvent[] {
  const tip = store.tipOf(name);
  if (!tip) throw new AgentlogError('E_REF', `timeline ${name} is gone`);
  return store.readEvents(tip);
}

async function approvedRun(o: RunOptions, ws: Workspace, call: ToolCall): Promise<ToolResult> {
  const spec = toolSpec(call.name);
  const policy = o.approve ?? 'writes';
  const needs = spec && (policy === 'all' || (policy === 'writes' && spec.effect !== 'read'));
  if (needs) {
    if (!o.ask)
      return { content: `refused: ${call.name} needs approval and there is no terminal to ask on (run with --approve never to allow it)`, is_error: true };
    if (!(await o.ask({ name: call.name, input: call.input }))) return { content: `refused: the user did not approve this ${call.name} call`, is_error: true };
  }
  return runTool(ws, call.name, call.input);
}

async function appendResult(append: (i: EventInput) => Promise<Appended>, call: ToolCall, r: ToolResult, recovery?: string): Promise<void> {
  await append({
    kind: 'message',
    role: 'user',
    content: [{ type: 'tool_result', tool_use_id: call.id, content: r.content, is_error: r.is_error }],
    ...(recovery ? { recovery } : {}),
  });
}

function assistantEvent(answer: Answer, config: ModelConfig, ws: Workspace): EventInput {
  const effects: Record<string, Effect> = {};
  for (const b of answer.content) {
    if (b.type !== 'tool_use' || toolSpec(b.name)?.effect !== 'write') continue;
    const e = effectOf(ws, b.name, b.input);
    if (e) effects[b.id] = e;
  }
  return {
    kind: 'message',
    role: 'assistant',
    content: answer.content as unknown as IpldValue,
    api: config.api,
    model: answer.model ?? config.model,
    request: requestParams(config, TOOLS) as IpldValue,
    usage: answer.usage,
    stop_reason: answer.stopReason,
    ...(answer.id ? { response_id: answer.id } : {}),
    ...(answer.context ? { context: answer.context as unknown as IpldValue } : {}),
    ...(Object.keys(effects).length ? { effects: effects as unknown as IpldValue } : {}),
  };
}

interface ModelChoice {
  api: Api;
  model: string;
  endpoint?: string;
}

/** The model the log says is current: the last `model` event, else the one the session began with (`agentlog new --model`). */
function currentModel(events: readonly StoredEvent[]): ModelChoice | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const ev = events[i].event;
    if (ev.kind === 'model' && APIS.includes(ev.api as Api) && typeof ev.model === 'string') {
      return { api: ev.api as Api, model: ev.model, ...(typeof ev.endpoint === 'string' ? { endpoint: ev.endpoint } : {}) };
    }
  }
  const genesis = events[0]?.event;
  if (genesis?.kind === 'session' && typeof genesis.model === 'string' && genesis.model && !genesis.origin) {
    return { api: guessApi(genesis.model, undefined), model: genesis.model };
  }
  return undefined;
}

function wantedModel(o: RunOptions, current: ModelChoice | undefined): ModelChoice {
  const model = o.model ?? current?.model;
  if (!model) throw new AgentlogError('E_INPUT', 'which model? give --model (and --api anthropic|openai|responses); the timeline names none yet');
  const api = o.api ?? (o.model ? guessApi(o.model, current?.api) : current!.api);
  const endpoint = o.endpoint ?? (current?.api === api ? current.endpoint : undefined);
  // A model reached through the host's own models (VS Code's `vscode.lm`) is logged with that name, not a URL: a run without the host cannot call it.
  if (!o.callModel && endpoint && !/^https?:\/\//i.test(endpoint))
    throw new AgentlogError(
      'E_INPUT',
      `${model} was reached through ${endpoint}, which only its host can call; give the endpoint to use instead: --endpoint URL (and --api, --model)`,
    );
  return { api, model, ...(endpoint ? { endpoint } : {}) };
}

/** An endpoint as the log keeps it: a user or password in the URL is never written down. */
function withoutCredentials(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    if (!u.username && !u.password) return endpoint;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return endpoint;
  }
}

function guessApi(model: string, fallback: Api | undefined): Api {
  if (/^claude/i.test(model)) return 'anthropic';
  if (/^(gpt|o\d|chatgpt|codex)/i.test(model)) return fallback === 'responses' ? 'responses' : 'openai';
  return fallback ?? 'anthropic';
}

function configOf(m: ModelChoice, o: RunOptions, commonDir: string): ModelConfig {
  const env = o.env ?? {};
  const key = env.AGENTLOG_API_KEY || env[keyVarOf(m.api)] || readConfig(commonDir, 'agentlog.apikey') || undefined;
  return {
    api: m.api,
    model: m.model,
    endpoint: o.endpoint ?? m.endpoint ?? DEFAULT_ENDPOINT[m.api],
    key,
    maxTokens: o.maxTokens ?? 8192,
    ...(o.maxContextTokens ? { maxContextTokens: o.maxContextTokens } : {}),
  };
}

function workspaceOf(o: RunOptions, events: readonly StoredEvent[]): Workspace {
  const cwd = events[0]?.event.cwd;
  // A fork with a snapshot runs in its own folder beside the session's, restored from its checkpoint.
  const snapshot = workspaceAt(o.store, o.store.tipOf(o.name)!);
  const own = !o.workspace && typeof cwd === 'string' && snapshot ? forkFolder(o.store, o.name, cwd) : undefined;
  if (own) fs.mkdirSync(own, { recursive: true });
  const dir = o.workspace ?? own ?? (typeof cwd === 'string' && fs.existsSync(cwd) ? cwd : undefined);
  if (o.workspace && snapshot && !fs.existsSync(o.workspace)) fs.mkdirSync(o.workspace, { recursive: true }); // restored into
  if (!dir)
    throw new AgentlogError(
      'E_INPUT',
      `give --workspace DIR: the folder the agent's tools work in${typeof cwd === 'string' ? ` (the session's cwd ${cwd} does not exist here)` : ''}`,
    );
  try {
    return new Workspace(dir);
  } catch (e) {
    throw new AgentlogError('E_INPUT', e instanceof ToolError ? e.message : String(e));
  }
}
