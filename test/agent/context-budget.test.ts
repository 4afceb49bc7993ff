import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../core/index.js';
import { cli, cliOk } from '../helpers/cli.js';
import type { LoggedRequest } from '../helpers/model-server.js';
import { freshAgent, modelServers, RUN_ENV } from '../helpers/run-agent.js';
import { sharedFixtures } from '../helpers/shared.js';
import { expectPairedChat, expectPairedItems, expectPairedMessages } from '../helpers/wire-checks.js';

// The context budget (core/agent/fit.ts): a session bigger than --max-context-tokens gives, for each
// API, a request under the budget (its bytes / 4, measured on the body the model server logged) that
// keeps the system prompt, the first user message and the latest turns, pairs every tool call with its
// result, says in one note how many events it left out and clips a huge tool result with a marker;
// the same log gives the same request.

const server = modelServers();
const shared = sharedFixtures();

// biome-ignore lint/suspicious/noExplicitAny: request bodies and event content are checked by shape
type Any = any;

const APIS = [
  { api: 'anthropic', model: 'claude-test' },
  { api: 'openai', model: 'gpt-test' },
  { api: 'responses', model: 'gpt-test' },
] as const;

const TURNS = 50;
const BUDGET = 10_000;

/** A session of TURNS tool steps of ~2 KB each, one 400 KB result in the middle, a 100 KB one at the end (appended as one group commit). */
async function bigSession(dir: string, name: string): Promise<void> {
  const store = Store.open(path.join(dir, '.agentlog'));
  const appends = [store.append(name, { kind: 'message', role: 'user', content: [{ type: 'text', text: 'FIRST-PROMPT: read every file' }] })];
  for (let i = 0; i < TURNS; i++) {
    const id = `toolu_gen${i}`;
    appends.push(
      store.append(name, {
        kind: 'message',
        role: 'assistant',
        api: 'anthropic',
        content: [
          { type: 'text', text: `step ${i}` },
          { type: 'tool_use', id, name: 'read_file', input: { path: `f${i}.txt` } },
        ],
      }),
    );
    const size = i === TURNS / 2 ? 400_000 : i === TURNS - 1 ? 100_000 : 2_000;
    const content = `RESULT-${i} ${'x'.repeat(size)} END-${i}`;
    appends.push(store.append(name, { kind: 'message', role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content, is_error: false }] }));
  }
  await Promise.all(appends);
  const seqs = store.readEvents(store.tipOf(name)!).map((e) => e.event.seq);
  expect(seqs).toEqual(seqs.map((_, i) => i));
}

function bodyTokens(r: LoggedRequest): number {
  return Buffer.byteLength(JSON.stringify(r.body)) / 4;
}

function expectPaired(api: string, body: Any): void {
  if (api === 'anthropic') expectPairedMessages(body);
  else if (api === 'openai') expectPairedChat(body);
  else expectPairedItems(body.input);
}

/** The first user message's text, the text of the last message, and how many tool results the request carries. */
function shape(api: string, body: Any): { first: string; last: string; results: number } {
  if (api === 'responses') {
    const input = body.input as Any[];
    const texts = (i: Any) => (i.type === 'message' ? i.content.map((p: Any) => p.text ?? '').join('\n') : (i.output ?? ''));
    return { first: texts(input[0]), last: input.slice(-2).map(texts).join('\n'), results: input.filter((i) => i.type === 'function_call_output').length };
  }
  const msgs = (body.messages as Any[]).filter((m) => m.role !== 'system');
  const text = (m: Any) =>
    typeof m.content === 'string' ? m.content : (m.content as Any[]).map((b) => b.text ?? (typeof b.content === 'string' ? b.content : '')).join('\n');
  const results =
    api === 'openai'
      ? msgs.filter((m) => m.role === 'tool').length
      : msgs.flatMap((m) => (Array.isArray(m.content) ? m.content : [])).filter((b: Any) => b.type === 'tool_result').length;
  return { first: text(msgs[0]), last: msgs.slice(-2).map(text).join('\n'), results };
}

const NOTE = /\[(\d+) earlier events of this session are left out here, to keep the request under (\d+) tokens\]/;

describe('the context budget', () => {
  for (const { api, model } of APIS) {
    it(`${api}: a session over the budget is sent under it, first message and latest turns kept, pairs whole, a note, a huge result clipped; the same log gives the same request`, async () => {
      const { dir, ws, name } = await freshAgent();
      await bigSession(dir, name);
      await cliOk(dir, ['fork', name, '--name', 'again']);
      const s = await server([[{ text: 'ok' }], [{ text: 'ok' }]]);
      const args = ['--api', api, '--model', model, '--endpoint', s.url, '--workspace', ws, '--max-context-tokens', String(BUDGET), '--prompt', 'LAST-PROMPT'];
      const r = await cli(dir, ['run', name, ...args], { env: RUN_ENV });
      expect(r.code, r.err).toBe(0);
      const [req] = s.mainRequests();
      expect(bodyTokens(req)).toBeLessThanOrEqual(BUDGET);
      expect(bodyTokens(req)).toBeGreaterThan(BUDGET / 2);
      expectPaired(api, req.body);
      const { first, last, results } = shape(api, req.body);
      expect(first).toMatch(/^FIRST-PROMPT: read every file\n/);
      const note = first.match(NOTE);
      expect(note?.[2]).toBe(String(BUDGET));
      // Whole turns left out: each is 2 events (the call, its result); of TURNS * 2 + 2 message events the first, the prompt and the kept turns are sent.
      expect(results).toBeGreaterThan(5);
      expect(results).toBeLessThan(TURNS / 2);
      expect(Number(note?.[1])).toBe(TURNS * 2 + 2 - 2 - 2 * results);
      // The latest turn is there, its 100 KB result clipped in the middle; the 400 KB one is among the left out.
      expect(last).toContain(`RESULT-${TURNS - 1} xxx`);
      expect(last).toMatch(new RegExp(`\\n\\[… \\d+ characters clipped …\\]\\nx+ END-${TURNS - 1}`));
      expect(last).toContain('LAST-PROMPT');
      expect(JSON.stringify(req.body)).not.toContain(`RESULT-${TURNS / 2} `);
      // The answer records what the budget did; the terminal said so.
      const store = Store.open(path.join(dir, '.agentlog'));
      const answer = store.readEvents(store.tipOf(name)!).at(-1)!.event as Any;
      expect(answer.context).toMatchObject({ max_tokens: BUDGET, omitted_events: Number(note?.[1]), clipped_blocks: 1 });
      expect(answer.context.tokens).toBeGreaterThanOrEqual(bodyTokens(req));
      expect(answer.request.max_context_tokens).toBe(BUDGET);
      expect(r.out).toContain(`(context budget: ${note?.[1]} older event(s) left out, 1 block(s) clipped)`);
      // The fork holds the same log: the same request, byte for byte.
      expect((await cli(dir, ['run', 'again', ...args], { env: RUN_ENV })).code).toBe(0);
      expect(JSON.stringify(s.mainRequests()[1].body)).toBe(JSON.stringify(req.body));
    });
  }

  it('a last step too big for the budget even clipped is a clear error, nothing appended', async () => {
    const { dir, ws, name } = await freshAgent();
    const store = Store.open(path.join(dir, '.agentlog'));
    await store.append(name, { kind: 'message', role: 'user', content: [{ type: 'text', text: 'go' }] });
    const calls = Array.from({ length: 40 }, (_, i) => ({ type: 'tool_use', id: `toolu_many${i}`, name: 'read_file', input: { path: `f${i}` } }));
    await store.append(name, { kind: 'message', role: 'assistant', api: 'anthropic', content: calls });
    await store.append(name, {
      kind: 'message',
      role: 'user',
      content: calls.map((c) => ({ type: 'tool_result', tool_use_id: c.id, content: 'y'.repeat(2000), is_error: false })),
    });
    const s = await server([[{ text: 'never asked' }]]);
    const r = await cli(dir, ['run', name, '--model', 'claude-test', '--endpoint', s.url, '--workspace', ws, '--max-context-tokens', '2000'], { env: RUN_ENV });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the context budget of 2000 tokens is too small for the first message and the last step of this session \(about \d+ tokens/);
    expect(r.err).toMatch(/raise --max-context-tokens/);
    expect(s.mainRequests()).toHaveLength(0);
    expect((await cli(dir, ['run', name, '--max-context-tokens', '10'])).err).toMatch(/--max-context-tokens must be an integer of at least 1000/);
  });

  if (shared) {
    it('a real Claude Code session (2,386 events) continued under a 12,000-token budget on each API: under it, pairs whole, its first prompt kept', async () => {
      const { dir, ws } = await freshAgent();
      await cliOk(dir, ['import', 'claude', path.join(shared, 'claude-code/spotter/ae4a77f8-aedd-4bc1-888f-c94edc91af04.jsonl')]);
      const name = 'claude/ae4a77f8-aedd-4bc1-888f-c94edc91af04';
      const s = await server(APIS.map(() => [{ text: 'ok' }]));
      for (const { api, model } of APIS) {
        const r = await cli(
          dir,
          ['run', name, '--api', api, '--model', model, '--endpoint', s.url, '--workspace', ws, '--max-context-tokens', '12000', '--prompt', `NOW-${api}`],
          { env: RUN_ENV },
        );
        expect(r.code, r.err).toBe(0);
        const req = s.mainRequests().at(-1)!;
        expect(bodyTokens(req), api).toBeLessThanOrEqual(12_000);
        expectPaired(api, req.body);
        const { first, last } = shape(api, req.body);
        expect(first).toMatch(NOTE);
        expect(last).toContain(`NOW-${api}`);
        // What the model got first is what the session's compaction summary left it (its first user message).
        expect(first.length).toBeGreaterThan(100);
      }
      expect((await cli(dir, ['verify', name])).code).toBe(0);
    });
  }
});
