/**
 * The read-only documents a session panel opens in VS Code's editors: a whole tool output, a whole
 * text or input, the two sides of an edit or a patch (for the diff editor), an event in its raw form.
 * Pure: an event and a part in, the text out. The host finds the event by store, timeline, seq and
 * CID (src/documents.ts); nothing here trusts the page beyond those numbers.
 */
import { blocksOf, patchSides, resultOf, stringifyDagJson, toolView, type Event } from '../../core/index.js';
import { jsonText } from './turnView.js';

/** What of an event a document shows. */
export type DocPart = 'raw' | 'text' | 'input' | 'output' | 'before' | 'after';

export const DOC_PARTS: readonly DocPart[] = ['raw', 'text', 'input', 'output', 'before', 'after'];

/** Where a document's text comes from: an event of a timeline, one of its blocks, a part, a file of a patch. */
export interface DocRef {
  store: string;
  timeline: string;
  seq: number;
  cid: string;
  block?: number;
  part: DocPart;
  /** The file of a patch (before/after), or the edit of a MultiEdit. */
  file?: number;
}

/** The document's text, or undefined when the event has no such part. */
export function documentText(event: Event, ref: Pick<DocRef, 'block' | 'part' | 'file'>): string | undefined {
  if (ref.part === 'raw') return stringifyDagJson(event, 2);
  const blocks = blocksOf(event.content);
  const b = ref.block === undefined ? undefined : blocks[ref.block];
  if (!b) return undefined;
  switch (ref.part) {
    case 'text':
      return typeof b.text === 'string' ? b.text : typeof b.thinking === 'string' ? b.thinking : undefined;
    case 'output':
      return b.type === 'tool_result' ? resultOf(b, { seq: event.seq, block: ref.block }).text : undefined;
    case 'input': {
      if (b.type !== 'tool_use') return undefined;
      const v = toolView(typeof b.name === 'string' ? b.name : '', b.input);
      if (v.kind === 'shell') return v.command;
      if (v.kind === 'write') return v.content;
      if (v.kind === 'patch') return v.patch;
      if (v.kind === 'agent') return v.prompt;
      return jsonText(b.input);
    }
    case 'before':
    case 'after': {
      if (b.type !== 'tool_use') return undefined;
      const v = toolView(typeof b.name === 'string' ? b.name : '', b.input);
      const side = ref.part;
      if (v.kind === 'edit') {
        const edits = ref.file === undefined ? v.edits : v.edits.slice(ref.file, ref.file + 1);
        return edits.map((e) => (side === 'before' ? e.old : e.new)).join('\n\n⋯\n\n');
      }
      if (v.kind === 'write') return side === 'before' ? '' : v.content;
      if (v.kind === 'patch') {
        const sides = patchSides(v.patch, ref.file ?? 0);
        return sides?.[side];
      }
      return undefined;
    }
  }
}

/** The path a document is named by (a diff's tab shows it): the file an edit or patch touches, else what it is. */
export function documentName(event: Event, ref: Pick<DocRef, 'block' | 'part' | 'file' | 'seq'>): string {
  const b = ref.block === undefined ? undefined : blocksOf(event.content)[ref.block];
  if ((ref.part === 'before' || ref.part === 'after') && b?.type === 'tool_use') {
    const v = toolView(typeof b.name === 'string' ? b.name : '', b.input);
    const p = v.kind === 'edit' || v.kind === 'write' ? v.path : v.kind === 'patch' ? (v.files[ref.file ?? 0]?.path ?? 'patch') : 'file';
    return baseName(p);
  }
  if (ref.part === 'raw') return `event-${ref.seq}.json`;
  return `event-${ref.seq}${ref.block !== undefined ? `-${ref.block}` : ''}-${ref.part}.txt`;
}

/** The path a tool call names (read, write, edit, a patch's file), for "open the file". */
export function callPath(event: Event, block: number, file = 0): string | undefined {
  const b = blocksOf(event.content)[block];
  if (b?.type !== 'tool_use') return undefined;
  const v = toolView(typeof b.name === 'string' ? b.name : '', b.input);
  if (v.kind === 'edit' || v.kind === 'write' || v.kind === 'read') return v.path;
  if (v.kind === 'patch') return v.files[file]?.moveTo ?? v.files[file]?.path;
  return undefined;
}

function baseName(p: string): string {
  const parts = p.split(/[\\/]/).filter(Boolean);
  return (parts.at(-1) ?? 'file').replace(/[^\w.@+-]/g, '_').slice(0, 80) || 'file';
}
