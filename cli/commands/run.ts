import * as path from 'node:path';
import * as readline from 'node:readline';
import { AgentlogError, APIS, type Api, type Approve, DEFAULT_MAX_CONTEXT, runAgent, safe } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { toJson } from '../format.js';

const APPROVE: Approve[] = ['never', 'writes', 'all'];

export const run = defineCommand({
  name: 'run',
  summary: 'continue a timeline as an agent until its turn ends (model + tools; the log is its only state)',
  usage:
    'agentlog run NAME [--prompt TEXT|-] [--model M] [--api anthropic|openai|responses] [--endpoint URL] [--max-context-tokens N] [--workspace DIR] [--approve never|writes|all] [--json]',
  help: `Folds the timeline's events into the model's context, calls the model (streamed), appends its
answer with its tool calls before any tool runs, runs the tools in the workspace and appends each
result, until the model answers without a tool call. Run it again after any crash: it goes on from
the log (a read is run again, a write done exactly once by its file's hash, a shell command that may
have run is answered "interrupted: …" for the model to judge). Sessions imported from Claude Code or
Codex continue the same way.

options:
  --prompt TEXT|-    a user message to append first (- reads it from standard input)
  --model M          the model; a change from the timeline's current one appends a "model" event
  --api A            anthropic (Messages API), openai (chat completions) or responses (OpenAI's
                     Responses API); default: the timeline's current one, else from the model's name
                     (claude… anthropic, gpt…/o… openai). A change appends a "model" event too
  --endpoint URL     the service's base URL (default https://api.anthropic.com, https://api.openai.com)
  --max-context-tokens N
                     the request's budget, estimated as its bytes / 4 (default ${DEFAULT_MAX_CONTEXT.anthropic} anthropic,
                     ${DEFAULT_MAX_CONTEXT.openai} openai, ${DEFAULT_MAX_CONTEXT.responses} responses): above it the oldest turns are left out
                     (the system prompt, the first message and the latest turns kept, a note says how
                     many events) and huge tool results are clipped in their middle
  --workspace DIR    the folder the tools are confined to (default: the session's cwd, when it exists)
  --approve P        which tool calls need approval: never, writes (write, edit, shell; default), all.
                     A call that needs it is asked on a terminal, refused without one (the refusal is
                     the tool's result the model reads)
  --max-steps N      model calls at most in this run (default 100)
  --json             one JSON line per appended event on stdout (DAG-JSON, with its "cid")

The key: $AGENTLOG_API_KEY, else $ANTHROPIC_API_KEY / $OPENAI_API_KEY, else git config agentlog.apiKey.
Ctrl-C (or an "interrupt" event appended by another process) stops after the current step.
Exit 0 when the turn ends; 130 when stopped; 3 at --max-steps; 1 on a model error (401, or 429/5xx/
network after retries; a retry-after is waited for), the log left consistent.

examples:
  agentlog new --title "fix the build" && agentlog run fix-the-build --model claude-sonnet-4-5 --prompt "make npm test pass"
  echo "now add a test" | agentlog run fix-the-build --prompt -
  agentlog run fix-the-build --api responses --model gpt-5 --prompt "review it"   # switch model and API
  agentlog run claude/SESSION --max-context-tokens 50000 --prompt "go on"         # a long imported session`,
  options: {
    prompt: { type: 'string' },
    model: { type: 'string' },
    api: { type: 'string' },
    endpoint: { type: 'string' },
    workspace: { type: 'string' },
    approve: { type: 'string' },
    'max-steps': { type: 'string' },
    'max-context-tokens': { type: 'string' },
    json: { type: 'boolean' },
  },
  maxPositionals: 1,
  async run(ctx, values, [name]) {
    if (!name) throw new AgentlogError('E_INPUT', 'name the timeline to run: agentlog run NAME --prompt "…" (start one with: agentlog new)');
    if (values.api !== undefined && !APIS.includes(values.api as Api))
      throw new AgentlogError('E_INPUT', `--api must be anthropic, openai or responses, not "${values.api}"`);
    if (values.approve !== undefined && !APPROVE.includes(values.approve as Approve)) {
      throw new AgentlogError('E_INPUT', `--approve must be never, writes or all, not "${values.approve}"`);
    }
    const maxSteps = values['max-steps'] === undefined ? undefined : Number(values['max-steps']);
    if (maxSteps !== undefined && !(Number.isSafeInteger(maxSteps) && maxSteps > 0))
      throw new AgentlogError('E_INPUT', '--max-steps must be a positive integer');
    const maxContext = values['max-context-tokens'] === undefined ? undefined : Number(values['max-context-tokens']);
    if (maxContext !== undefined && !(Number.isSafeInteger(maxContext) && maxContext >= 1000))
      throw new AgentlogError('E_INPUT', '--max-context-tokens must be an integer of at least 1000');
    const store = ctx.store();
    await store.ensureLocal(name); // a timeline only a remote-tracking ref holds gets its local branch
    let prompt = values.prompt;
    if (prompt === '-') prompt = await readAll(ctx.stdin());
    const stdin = ctx.stdin() as NodeJS.ReadableStream & { isTTY?: boolean };
    const canAsk = values.prompt !== '-' && !!stdin.isTTY && ctx.stderr.isTTY;
    const json = !!values.json;
    const out = ctx.stdout;
    const stop = { requested: false };
    const onSigint = () => {
      if (stop.requested) process.exit(130);
      stop.requested = true;
      ctx.stderr.write('\nstopping after the current step (Ctrl-C again to quit now)\n');
    };
    process.on('SIGINT', onSigint);
    let midLine = false;
    const base = Number(ctx.env.AGENTLOG_RETRY_MS);
    try {
      const result = await runAgent({
        store,
        name,
        prompt,
        model: values.model,
        api: values.api as Api | undefined,
        endpoint: values.endpoint,
        workspace: values.workspace === undefined ? undefined : path.resolve(ctx.cwd, values.workspace),
        env: ctx.env,
        approve: (values.approve as Approve | undefined) ?? 'writes',
        maxSteps,
        maxContextTokens: maxContext,
        stop,
        ask: canAsk ? (call) => ask(ctx.stderr, stdin, call) : undefined,
        retryDelayMs: Number.isFinite(base) && base >= 0 ? (n) => base * 2 ** n : undefined,
        onRetry: (why, attempt, ms) => ctx.stderr.write(`${safe(why)}: trying again in ${(ms / 1000).toFixed(1)} s (retry ${attempt})\n`),
        sink: json
          ? undefined
          : {
              text: (t) => {
                out.write(safe(t));
                midLine = !t.endsWith('\n');
              },
            },
        onEvent: (done) => {
          if (json) {
            out.write(`${toJson({ cid: done.cid, ...done.event })}\n`);
            return;
          }
          const line = step(done.event as Record<string, unknown>, out.columns);
          if (line) {
            out.write(`${midLine ? '\n' : ''}${line}\n`);
            midLine = false;
          }
        },
      });
      if (midLine && !json) out.write('\n');
      const recovered = result.recovered.length ? `; recovered ${result.recovered.length} call(s) left without a result` : '';
      if (result.reason === 'done') {
        ctx.stderr.write(`turn ended: ${result.steps} model call(s), ${result.appended} event(s) appended${recovered}\n`);
        return 0;
      }
      if (result.reason === 'interrupted') {
        ctx.stderr.write(`stopped (interrupt): ${result.appended} event(s) appended; agentlog run ${name} goes on\n`);
        return 130;
      }
      ctx.stderr.write(`stopped after ${result.steps} model calls (--max-steps); agentlog run ${name} goes on\n`);
      return 3;
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
});

/** One line for a tool step on the terminal (the model's text streams as it comes). */
function step(e: Record<string, unknown>, columns: number): string | undefined {
  const blocks = Array.isArray(e.content) ? (e.content as Record<string, unknown>[]) : [];
  const fit = (s: string) => {
    const one = safe(s).replace(/\s+/g, ' ');
    return one.length > columns - 2 ? `${one.slice(0, Math.max(10, columns - 3))}…` : one;
  };
  const lines: string[] = [];
  for (const b of blocks) {
    if (b.type === 'tool_use') lines.push(fit(`→ ${String(b.name)} ${JSON.stringify(b.input)}`));
    if (b.type === 'tool_result') lines.push(fit(`${b.is_error ? '✗' : '←'} ${typeof b.content === 'string' ? b.content : ''}`));
  }
  if (e.kind === 'model') lines.push(fit(`model: ${String(e.model)} (${String(e.api)})`));
  const cut = e.context as { omitted_events?: number; clipped_blocks?: number } | undefined;
  if (cut && (cut.omitted_events || cut.clipped_blocks))
    lines.unshift(fit(`(context budget: ${cut.omitted_events ?? 0} older event(s) left out, ${cut.clipped_blocks ?? 0} block(s) clipped)`));
  return lines.length ? lines.join('\n') : undefined;
}

async function ask(err: { write(t: string): void }, stdin: NodeJS.ReadableStream, call: { name: string; input: Record<string, unknown> }): Promise<boolean> {
  const rl = readline.createInterface({ input: stdin, terminal: false });
  err.write(`allow ${call.name} ${safe(JSON.stringify(call.input)).slice(0, 400)}? [y/N] `);
  const answer = await new Promise<string>((resolve) => rl.once('line', resolve));
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
    size += b.length;
    if (size > 16 * 1024 * 1024) throw new AgentlogError('E_INPUT', 'the prompt on standard input is larger than 16 MiB');
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
