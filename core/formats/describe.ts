import type { Event } from '../event/event.js';
import { CLAUDE_FORMAT } from './claude/records.js';
import { CODEX_FORMAT } from './codex/records.js';
import { sourceOf } from './source.js';

/**
 * How a transcript shows an event imported from an agent's record that is not a message
 * (`claude.<type>`, `codex.<type>`): a label in words, read from its source record, and whether it is
 * bookkeeping (`quiet`: the agent's own state, request snapshots, costs, token counts, …) that a
 * transcript folds with its neighbours into one line. Records of types not listed here, including
 * those a later agent version adds, are quiet with their type as label. Every field is read with its
 * type checked: the record came from a file.
 */
export interface RecordDescription {
  label: string;
  /** Text worth a line of its own (a summary, a system message); only for records that are not quiet. */
  detail?: string;
  quiet: boolean;
}

type Obj = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

/** The description of an imported non-message event, or undefined for any other event. */
export function describeRecord(e: Event): RecordDescription | undefined {
  if (e.kind.startsWith('claude.')) {
    const record = sourceOf(e, CLAUDE_FORMAT)?.record ?? {};
    return describeClaude(e.kind.slice('claude.'.length), record);
  }
  if (e.kind.startsWith('codex.')) {
    const source = sourceOf(e, CODEX_FORMAT);
    return describeCodex(e.kind.slice('codex.'.length), source?.record ?? {}, source?.sameAs !== undefined);
  }
  return undefined;
}

function describeClaude(type: string, r: Obj): RecordDescription {
  switch (type) {
    case 'attachment': {
      const a = obj(r.attachment);
      return { label: `attachment ${str(a.type) ?? '?'}`, quiet: true };
    }
    case 'system': {
      const detail = str(r.content);
      return { label: `system ${str(r.subtype) ?? ''}`.trim(), ...(detail ? { detail } : {}), quiet: detail === undefined };
    }
    case 'summary':
      return { label: 'summary', ...(str(r.summary) ? { detail: str(r.summary) } : {}), quiet: false };
    case 'custom-title':
      return { label: `title: ${str(r.customTitle) ?? ''}`, quiet: false };
    case 'ai-title':
      return { label: `title (by the model): ${str(r.aiTitle) ?? ''}`, quiet: false };
    case 'tag':
      return { label: `tag ${str(r.tag) ?? ''}`.trim(), quiet: false };
    case 'mode':
      return str(r.mode) ? { label: `mode → ${str(r.mode)}`, quiet: false } : { label: 'mode', quiet: true };
    case 'permission-mode':
      return { label: `permission mode → ${str(r.permissionMode) ?? '?'}`, quiet: false };
    case 'continued-in':
      return { label: `continued in session ${str(r.continuedInSessionId) ?? '?'}`, quiet: false };
    case 'ended-by-model':
      return { label: 'ended by the model', quiet: false };
    case 'api-request': {
      const tail = Array.isArray(r.tail) ? r.tail.length : 0;
      const keep = typeof r.keep === 'number' ? r.keep : 0;
      return { label: `api-request (${keep + tail} messages${str(r.querySource) ? `, ${str(r.querySource)}` : ''})`, quiet: true };
    }
    case 'cost-state':
      return { label: typeof r.totalCostUSD === 'number' ? `cost $${r.totalCostUSD}` : 'cost-state', quiet: true };
    case 'tools-used':
      return { label: `tools used: ${Array.isArray(r.tools) ? r.tools.filter((t) => typeof t === 'string').join(', ') : ''}`, quiet: true };
    case 'queue-operation':
      return { label: `queue ${str(r.operation) ?? ''}`.trim(), quiet: true };
    default:
      return { label: type, quiet: true };
  }
}

function describeCodex(type: string, r: Obj, repeats: boolean): RecordDescription {
  const p = obj(r.payload);
  if (type === 'event_msg') {
    const what = str(p.type) ?? 'event';
    // An error or warning is worth reading; the rest repeats a message or is the UI's bookkeeping.
    if (!repeats && (what === 'error' || what === 'warning') && str(p.message)) return { label: what, detail: str(p.message), quiet: false };
    return { label: what, quiet: true };
  }
  if (type === 'response_item') return { label: str(p.type) ?? 'response_item', quiet: true };
  return { label: type, quiet: true };
}
