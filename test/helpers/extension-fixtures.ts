/** Stores with realistic sessions for the extension's tests, written through core. */
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
