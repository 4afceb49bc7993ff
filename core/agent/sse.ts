// Server-sent events from a model's HTTP answer, read as they arrive: bounded (a line and the whole
// answer have a size limit) and linear (each byte is looked at once).

import { AgentlogError } from '../errors.js';

export const MAX_LINE = 4 * 1024 * 1024;
export const MAX_ANSWER = 64 * 1024 * 1024;

export interface SseEvent {
  event: string;
  data: string;
}

/** The events of an SSE body; `where` names the endpoint in errors. */
export async function* readSse(body: ReadableStream<Uint8Array>, where: string): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let total = 0;
  let event = '';
  let data: string[] = [];
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > MAX_ANSWER) throw new AgentlogError('E_MODEL', `${where}: the answer is larger than ${MAX_ANSWER} bytes; stopped reading it`);
      buffer += decoder.decode(value, { stream: true });
      let start = 0;
      for (;;) {
        const nl = buffer.indexOf('\n', start);
        if (nl < 0) break;
        let line = buffer.slice(start, nl);
        start = nl + 1;
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line === '') {
          if (data.length) yield { event: event || 'message', data: data.join('\n') };
          event = '';
          data = [];
        } else if (line.startsWith('data:')) data.push(line.slice(line[5] === ' ' ? 6 : 5));
        else if (line.startsWith('event:')) event = line.slice(line[6] === ' ' ? 7 : 6);
      }
      buffer = buffer.slice(start);
      if (buffer.length > MAX_LINE) throw new AgentlogError('E_MODEL', `${where}: a line of the answer is longer than ${MAX_LINE} bytes`);
    }
    if (data.length) yield { event: event || 'message', data: data.join('\n') };
  } finally {
    reader.releaseLock();
  }
}

/** A JSON payload of an SSE event; a payload that does not parse is the model's protocol error. */
export function parseData(e: SseEvent, where: string): Record<string, unknown> {
  try {
    const v = JSON.parse(e.data) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* below */
  }
  throw new AgentlogError('E_MODEL', `${where}: an event of the answer is not a JSON object: ${e.data.slice(0, 120)}`);
}
