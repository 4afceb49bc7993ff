/** Stores with realistic sessions for the extension's tests, written through core. */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Store, type EventInput } from '../../core/index.js';
import { clock, tmpdir } from './tmp.js';

/** A store at `<workspace>/.agentlog` with one session "demo" of `n` events after genesis. */
export async function demoStore(n = 6): Promise<{ workspace: string; dir: string; store: Store }> {
  const workspace = tmpdir('agentlog-ext-');
  const dir = path.join(workspace, '.agentlog');
  const { store } = Store.init(dir, { now: clock() });
  await store.create('demo', {
    kind: 'session',
    title: 'Fix the parser',
    agent: { name: 'claude-code', version: '2.0.1' },
    model: 'claude-sonnet-4-5',
    cwd: '/src/app',
  });
  for (let i = 1; i <= n; i++) await store.append('demo', eventFor(i));
  return { workspace, dir, store };
}

/** The i-th event of a conversation: user, assistant with a tool call, the tool's result, … */
export function eventFor(i: number): EventInput {
  switch (i % 3) {
    case 1:
      return { kind: 'message', role: 'user', content: [{ type: 'text', text: `Question ${i}: why does **parse** fail?` }] };
    case 2:
      return {
        kind: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5',
        content: [
          { type: 'thinking', thinking: `Thinking about question ${i - 1}` },
          { type: 'text', text: `Let me look.\n\n\`\`\`ts\nparse("x${i}")\n\`\`\`` },
          { type: 'tool_use', id: `t${i}`, name: 'read_file', input: { path: `src/p${i}.ts` } },
        ],
      };
    default:
      return {
        kind: 'message',
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: `t${i - 1}`, content: `contents of p${i - 1}`, is_error: i % 2 === 0 }],
      };
  }
}

/** A scripted model on 127.0.0.1 speaking OpenAI chat completions (streaming); records requests. */
export async function scriptedModel(
  script: (body: { model: string; messages: { role: string; content: string }[] }) => { chunks: string[]; status?: number; delayMs?: number; cut?: boolean },
) {
  const requests: { model: string; messages: { role: string; content: string }[] }[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', async () => {
      const body = JSON.parse(raw);
      requests.push(body);
      const plan = script(body);
      if (plan.status && plan.status !== 200) {
        res.writeHead(plan.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'scripted failure', type: 'server_error' } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const c of plan.chunks) {
        if (res.destroyed) return;
        res.write(
          `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: c }, finish_reason: null }] })}\n\n`,
        );
        if (plan.delayMs) await new Promise((r) => setTimeout(r, plan.delayMs));
      }
      if (plan.cut) {
        res.destroy();
        return;
      }
      res.write(`data: ${JSON.stringify({ id: 'x', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return {
    url,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
