import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Answer, type Conversation, runAgent, Store, TOOLS } from '../../core/index.js';
import { answerOf, lmTools, toLmMessages } from '../../extension/shared/lmConversation.js';
import { freshAgent } from '../helpers/run-agent.js';

describe('the conversation for VS Code language models', () => {
  it('maps text, tool calls and results to parts; the system prompt opens the first user message', () => {
    const c: Conversation = {
      system: ['You are a coding agent.', '  '],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Fix it.' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Reading.' },
            { type: 'tool_use', id: 'toolu_1', name: 'read_file', input: { path: 'a.ts' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'line 1' }], is_error: false },
            { type: 'image', media_type: 'image/png', data: 'AAAA' },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_2', name: 'shell', input: { command: 'false' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_2', content: '', is_error: true }] },
      ],
    };
    expect(toLmMessages(c)).toEqual([
      {
        role: 'user',
        parts: [
          { kind: 'text', text: 'Instructions:\nYou are a coding agent.' },
          { kind: 'text', text: 'Fix it.' },
        ],
      },
      {
        role: 'assistant',
        parts: [
          { kind: 'text', text: 'Reading.' },
          { kind: 'toolCall', callId: 'toolu_1', name: 'read_file', input: { path: 'a.ts' } },
        ],
      },
      {
        role: 'user',
        parts: [
          { kind: 'toolResult', callId: 'toolu_1', text: 'line 1' },
          { kind: 'text', text: '[an image (image/png, 3 bytes) is not sent to this model]' },
        ],
      },
      { role: 'assistant', parts: [{ kind: 'toolCall', callId: 'toolu_2', name: 'shell', input: { command: 'false' } }] },
      { role: 'user', parts: [{ kind: 'toolResult', callId: 'toolu_2', text: 'error: ' }] },
    ]);
  });

  it('a system prompt with no user message first gets a user message of its own', () => {
    expect(toLmMessages({ system: ['S'], messages: [] })).toEqual([{ role: 'user', parts: [{ kind: 'text', text: 'Instructions:\nS' }] }]);
  });

  it('offers every tool with its JSON schema', () => {
    const tools = lmTools(TOOLS);
    expect(tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
    expect(tools.find((t) => t.name === 'write_file')!.inputSchema).toMatchObject({ type: 'object', required: ['path', 'content'] });
  });

  it('turns the streamed parts into an answer: text joined, tool calls as tool_use', () => {
    expect(
      answerOf(
        [
          { kind: 'text', text: 'Let me ' },
          { kind: 'text', text: 'write it.' },
          { kind: 'toolCall', callId: 'c1', name: 'write_file', input: { path: 'x', content: 'y' } },
          { kind: 'toolCall', callId: 'c2', name: 'shell', input: 'ls' },
        ],
        'copilot-gpt-4o',
      ),
    ).toEqual({
      content: [
        { type: 'text', text: 'Let me write it.' },
        { type: 'tool_use', id: 'c1', name: 'write_file', input: { path: 'x', content: 'y' } },
        { type: 'tool_use', id: 'c2', name: 'shell', input: { value: 'ls' } },
      ],
      stopReason: 'tool_use',
      usage: {},
      model: 'copilot-gpt-4o',
    });
    expect(answerOf([{ kind: 'text', text: 'Done.' }], 'm').stopReason).toBe('end_turn');
  });

  it('rejects an answer with nothing in it (never appended empty)', () => {
    expect(() => answerOf([{ kind: 'text', text: '' }], 'm')).toThrow(/the language model m answered nothing/);
  });

  it('drives runAgent through an injected model call: tools run, the log names the endpoint, the conversation folds back', async () => {
    const { dir, ws, name } = await freshAgent();
    const store = Store.open(path.join(dir, '.agentlog'));
    const seen: Conversation[] = [];
    const script = [
      answerOf([{ kind: 'toolCall', callId: 'lm-1', name: 'write_file', input: { path: 'out.txt', content: 'hi' } }], 'lm-model'),
      answerOf([{ kind: 'text', text: 'Wrote it.' }], 'lm-model'),
    ];
    const asked: string[] = [];
    const r = await runAgent({
      store,
      name,
      prompt: 'write out.txt',
      workspace: ws,
      api: 'anthropic',
      model: 'lm-model',
      endpoint: 'vscode.lm',
      env: {},
      ask: async (call) => {
        asked.push(call.name);
        return true;
      },
      callModel: async (conversation, tools, options) => {
        seen.push(structuredClone(conversation));
        expect(tools).toBe(TOOLS);
        options.sink?.text?.('…');
        return script.shift() as Answer;
      },
    });
    expect(r.reason).toBe('done');
    expect(asked).toEqual(['write_file']);
    expect(fs.readFileSync(path.join(ws, 'out.txt'), 'utf8')).toBe('hi');
    const events = store.readEvents(store.tipOf(name)!).map((e) => e.event);
    expect(events.find((e) => e.kind === 'model')).toMatchObject({ api: 'anthropic', model: 'lm-model', endpoint: 'vscode.lm' });
    expect(events.at(-1)).toMatchObject({ role: 'assistant', model: 'lm-model', content: [{ type: 'text', text: 'Wrote it.' }] });
    // The second call saw the first call and its result, mapped to the language model's parts.
    const second = toLmMessages(seen[1]);
    expect(second.at(-2)!.parts).toEqual([{ kind: 'toolCall', callId: 'lm-1', name: 'write_file', input: { path: 'out.txt', content: 'hi' } }]);
    expect(second.at(-1)!.parts).toEqual([{ kind: 'toolResult', callId: 'lm-1', text: expect.stringContaining('out.txt') }]);
    expect(second[0].parts[0]).toMatchObject({ kind: 'text', text: expect.stringContaining(`working in the folder ${ws}`) });
    // Continued without VS Code (no injected call, no --endpoint): a clear error at once, not retries against a name that is no URL.
    await expect(runAgent({ store, name, prompt: 'again', workspace: ws, env: {} })).rejects.toMatchObject({
      code: 'E_INPUT',
      message: expect.stringContaining('lm-model was reached through vscode.lm, which only its host can call'),
    });
  });
});
