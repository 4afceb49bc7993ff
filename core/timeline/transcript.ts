import { blocksOf, oneLine, textOf, type StoredEvent } from '../event/event.js';

/**
 * The transcript as a person reads it, as plain text: who spoke, what they said, tool calls and
 * results folded to a line or a few, thinking folded. Control characters are removed: session text
 * is untrusted and must not drive the terminal.
 */
export function renderTranscript(events: readonly StoredEvent[], width = 100): string {
  const out: string[] = [];
  for (const { event, cid } of events) {
    const id = `#${event.seq} ${cid.toString().slice(-8)}`;
    switch (event.kind) {
      case 'session': {
        const agent = event.agent && typeof event.agent === 'object' && !Array.isArray(event.agent) ? (event.agent as Record<string, unknown>).name : undefined;
        const bits = [
          typeof agent === 'string' ? agent : '',
          typeof event.model === 'string' ? event.model : '',
          typeof event.cwd === 'string' ? event.cwd : '',
        ]
          .filter(Boolean)
          .join(', ');
        out.push(`═══ ${safe(String(event.title ?? 'untitled'))}${bits ? ` (${safe(bits)})` : ''}  ${id}`);
        break;
      }
      case 'message': {
        const who = String(event.role ?? 'message') + (event.role === 'assistant' && typeof event.model === 'string' ? ` · ${event.model}` : '');
        out.push('', `── ${safe(who)}  ${id}`);
        for (const b of blocksOf(event.content)) {
          if (b.type === 'text' && typeof b.text === 'string') out.push(indent(safe(b.text)));
          else if (b.type === 'thinking') out.push(`  (thinking, ${String(b.thinking ?? '').length} chars, folded)`);
          else if (b.type === 'tool_use') out.push(`  → ${safe(String(b.name ?? 'tool'))} ${oneLine(safe(json(b.input)), width - 8)}`);
          else if (b.type === 'tool_result') {
            const text = textOf(b.content) || (typeof b.content === 'string' ? b.content : json(b.content));
            const lines = safe(text).split('\n');
            out.push(
              `  ← ${b.is_error === true ? 'ERROR ' : ''}${oneLine(lines[0] ?? '', width - 8)}${lines.length > 1 ? `  (+${lines.length - 1} lines)` : ''}`,
            );
          } else if (b.type === 'image') out.push(`  [image ${safe(String(b.media_type ?? ''))}]`);
          else out.push(`  [${safe(b.type)}]`);
        }
        break;
      }
      case 'note':
        out.push('', `── note  ${id}`, indent(safe(String(event.text ?? ''))));
        break;
      case 'model':
        out.push('', `── model → ${safe(String(event.model ?? event.provider ?? '?'))}  ${id}`);
        break;
      case 'compaction':
        out.push(
          '',
          `── compaction (the model sees only what follows)  ${id}`,
          indent(oneLine(safe(String(event.summary ?? textOf(event.content))), width - 4)),
        );
        break;
      case 'checkpoint':
        out.push('', `── checkpoint ${safe(String(event.tree ?? event.label ?? ''))}  ${id}`);
        break;
      default:
        out.push('', `── ${safe(event.kind)}  ${id}`);
    }
  }
  return `${out.join('\n')}\n`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

function json(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? `<${x.length} bytes>` : x)) ?? '';
  } catch {
    return '';
  }
}

/** Remove terminal control characters (keep newlines and tabs). */
export function safe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r\n?/g, '\n').replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '');
}
