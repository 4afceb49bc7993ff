import { blocksOf, oneLine, textOf, type Event, type StoredEvent } from '../event/event.js';

/**
 * What an event of another kind than those below is, in words (core/formats/describe.ts says it for
 * the records imported from the agents): `quiet` ones are bookkeeping, folded with their neighbours.
 */
export type DescribeEvent = (e: Event) => { label: string; detail?: string; quiet: boolean } | undefined;

/**
 * The transcript as a person reads it, as plain text: who spoke, what they said, tool calls and
 * results folded to a line or a few, thinking folded; with `describe`, other events in words, a run of
 * bookkeeping events on one line. Control characters are removed: session text is untrusted and must
 * not drive the terminal.
 */
export function renderTranscript(events: readonly StoredEvent[], width = 100, describe?: DescribeEvent): string {
  const out: string[] = [];
  let quiet: { labels: string[]; first: string; last: string } | undefined;
  const flushQuiet = () => {
    if (!quiet) return;
    const n = quiet.labels.length;
    const head = n === 1 ? quiet.labels[0] : `${n} records: ${grouped(quiet.labels).join(', ')}`;
    out.push('', `── ${oneLine(safe(head), Math.max(20, width - 30))}  ${n === 1 ? quiet.first : `${quiet.first} – ${quiet.last}`}`);
    quiet = undefined;
  };
  for (const { event, cid } of events) {
    const id = `#${event.seq} ${cid.toString().slice(-8)}`;
    const described = BUILT_IN.has(event.kind) ? undefined : describe?.(event);
    if (described?.quiet) {
      if (quiet) {
        quiet.labels.push(described.label);
        quiet.last = id;
      } else quiet = { labels: [described.label], first: id, last: id };
      continue;
    }
    flushQuiet();
    if (described) {
      out.push('', `── ${safe(oneLine(described.label, width - 20))}  ${id}`);
      if (described.detail) out.push(indent(oneLine(safe(described.detail), width - 4)));
      continue;
    }
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
          else if (b.type === 'reasoning' && Array.isArray(b.summary))
            out.push(`  (reasoning: ${oneLine(safe(b.summary.filter((t) => typeof t === 'string').join(' ')), width - 16) || 'no summary'})`);
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
        out.push('', `── model → ${safe(String(event.model ?? event.provider ?? '?'))}${typeof event.api === 'string' ? ` (${safe(event.api)})` : ''}  ${id}`);
        break;
      case 'interrupt':
        out.push('', `── interrupt${typeof event.reason === 'string' ? `: ${safe(event.reason)}` : ''} (a run stops here)  ${id}`);
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
  flushQuiet();
  return `${out.join('\n')}\n`;
}

/** Labels by their first word, in order of first appearance: `attachment ×10` for ten attachments. */
function grouped(labels: string[]): string[] {
  const groups = new Map<string, string[]>();
  for (const l of labels) {
    const key = l.split(' ')[0];
    groups.set(key, [...(groups.get(key) ?? []), l]);
  }
  return [...groups].map(([key, ls]) => (ls.length === 1 ? ls[0] : `${key} ×${ls.length}`));
}

/** The kinds this file shows itself. */
const BUILT_IN = new Set(['session', 'message', 'note', 'model', 'compaction', 'checkpoint', 'interrupt']);

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
