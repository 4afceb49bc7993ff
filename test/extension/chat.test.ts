import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatError, endpointUrl, streamChat } from '../../extension/src/chat.js';
import { scriptedModel } from '../helpers/extension-fixtures.js';
import { closedPort } from '../helpers/port.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

describe('streaming chat with an endpoint', () => {
  it('streams an OpenAI chat-completions answer and sends the key', async () => {
    const m = await scriptedModel(() => ({ chunks: ['Hel', 'lo', '!'] }));
    closers.push(m.close);
    const deltas: string[] = [];
    const answer = await streamChat({
      api: 'openai',
      endpoint: m.url,
      model: 'gpt-test',
      key: 'sk-1',
      messages: [{ role: 'user', content: 'hi' }],
      onDelta: (d) => deltas.push(d),
    });
    expect(answer).toBe('Hello!');
    expect(deltas).toEqual(['Hel', 'lo', '!']);
    expect(m.requests[0]).toMatchObject({ model: 'gpt-test', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  });

  it('streams an Anthropic messages answer, system apart', async () => {
    const seen: { headers: http.IncomingHttpHeaders; body: Record<string, unknown> }[] = [];
    const server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (d) => (raw += d));
      req.on('end', () => {
        seen.push({ headers: req.headers, body: JSON.parse(raw) });
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const ev = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
        ev('message_start', { message: {} });
        ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Bon' } });
        ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'jour' } });
        ev('message_stop', {});
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => server.close(() => r())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    const answer = await streamChat({
      api: 'anthropic',
      endpoint: url,
      model: 'claude-x',
      key: 'k',
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'hi' },
      ],
      onDelta: () => {},
    });
    expect(answer).toBe('Bonjour');
    expect(seen[0].headers['x-api-key']).toBe('k');
    expect(seen[0].body).toMatchObject({ model: 'claude-x', system: 'sys', messages: [{ role: 'user', content: 'hi' }], stream: true });
  });

  it('rejects an HTTP error with the server’s message', async () => {
    const m = await scriptedModel(() => ({ chunks: [], status: 500 }));
    closers.push(m.close);
    await expect(streamChat({ api: 'openai', endpoint: m.url, model: 'x', messages: [], onDelta: () => {} })).rejects.toThrow(/500.*scripted failure/);
  });

  it('rejects a stream cut before the end', async () => {
    const m = await scriptedModel(() => ({ chunks: ['par', 'tial'], cut: true }));
    closers.push(m.close);
    await expect(streamChat({ api: 'openai', endpoint: m.url, model: 'x', messages: [], onDelta: () => {} })).rejects.toBeInstanceOf(Error);
  });

  it('rejects an unreachable endpoint with its URL', async () => {
    const port = await closedPort();
    const err = await streamChat({ api: 'openai', endpoint: `http://127.0.0.1:${port}/v1`, model: 'x', messages: [], onDelta: () => {} }).catch((e) => e);
    expect(err).toBeInstanceOf(ChatError);
    expect(err.message).toContain(`127.0.0.1:${port}/v1/chat/completions`);
  });

  it('stops when aborted', async () => {
    const m = await scriptedModel(() => ({ chunks: Array.from({ length: 50 }, (_, i) => `${i} `), delayMs: 20 }));
    closers.push(m.close);
    const ac = new AbortController();
    const got: string[] = [];
    const p = streamChat({
      api: 'openai',
      endpoint: m.url,
      model: 'x',
      messages: [],
      signal: ac.signal,
      onDelta: (d) => {
        got.push(d);
        if (got.length === 3) ac.abort();
      },
    });
    await expect(p).rejects.toThrow();
    expect(got.length).toBeLessThan(10);
  });

  it('builds endpoint URLs', () => {
    expect(endpointUrl('openai', 'https://api.openai.com/v1/')).toBe('https://api.openai.com/v1/chat/completions');
    expect(endpointUrl('anthropic', 'https://api.anthropic.com/v1')).toBe('https://api.anthropic.com/v1/messages');
    expect(endpointUrl('openai', 'http://h/v1/chat/completions')).toBe('http://h/v1/chat/completions');
  });
});
