/**
 * Read-only documents of events (scheme `agentlog-event`): a whole tool output, a text, a call's input,
 * the sides of an edit for the diff editor, an event's raw form. The URI names the store, timeline,
 * seq and CID; the text is read from the store when VS Code asks (shared/documents.ts), and an event
 * that is no longer there (a deleted timeline, another event at that seq) says so instead.
 */
import * as vscode from 'vscode';
import { DOC_PARTS, type DocPart, type DocRef, documentName, documentText } from '../shared/documents.js';
import { openStore, TimelineReader } from './storeReader.js';

export const DOC_SCHEME = 'agentlog-event';

export function docUri(ref: DocRef, name: string): vscode.Uri {
  const q = new URLSearchParams({ store: ref.store, timeline: ref.timeline, seq: String(ref.seq), cid: ref.cid, part: ref.part });
  if (ref.block !== undefined) q.set('block', String(ref.block));
  if (ref.file !== undefined) q.set('file', String(ref.file));
  return vscode.Uri.from({ scheme: DOC_SCHEME, path: `/${ref.timeline.replace(/[^\w.@+-]/g, '_')}/${name}`, query: q.toString() });
}

function refOf(uri: vscode.Uri): DocRef | undefined {
  const q = new URLSearchParams(uri.query);
  const int = (k: string) => (q.has(k) && /^\d{1,9}$/.test(q.get(k)!) ? Number(q.get(k)) : undefined);
  const part = q.get('part') as DocPart;
  const store = q.get('store');
  const timeline = q.get('timeline');
  const seq = int('seq');
  if (!store || !timeline || seq === undefined || !DOC_PARTS.includes(part)) return undefined;
  return { store, timeline, seq, cid: q.get('cid') ?? '', part, block: int('block'), file: int('file') };
}

/** The text of an event document, read from its store. */
export function eventDocument(uri: vscode.Uri): string {
  const ref = refOf(uri);
  if (!ref) return `agentlog: ${uri.toString()} names no event.`;
  try {
    const reader = new TimelineReader(openStore(ref.store), ref.timeline);
    const tip = reader.tip();
    if (!tip) return `agentlog: the timeline ${ref.timeline} no longer exists in ${ref.store}.`;
    if (ref.seq > reader.tipSeq(tip)) return `agentlog: ${ref.timeline} has no event ${ref.seq} now.`;
    const { event, cid } = reader.event(tip, ref.seq);
    if (ref.cid && cid.toString() !== ref.cid) return `agentlog: event ${ref.seq} of ${ref.timeline} is another event now (${cid}), not ${ref.cid}.`;
    return documentText(event, ref) ?? `agentlog: event ${ref.seq} has no ${ref.part}.`;
  } catch (e) {
    return `agentlog: cannot read event ${ref.seq} of ${ref.timeline}: ${(e as Error).message}`;
  }
}

export function registerEventDocuments(): vscode.Disposable {
  return vscode.workspace.registerTextDocumentContentProvider(DOC_SCHEME, { provideTextDocumentContent: eventDocument });
}

/** Open a document of an event in a preview editor. */
export async function openEventDocument(ref: DocRef): Promise<void> {
  const name = nameOf(ref);
  const doc = await vscode.workspace.openTextDocument(docUri(ref, name));
  await vscode.window.showTextDocument(doc, { preview: true, preserveFocus: false });
}

/** Open an edit's two sides in VS Code's diff editor. */
export async function openEventDiff(before: DocRef, after: DocRef, title: string): Promise<void> {
  const name = nameOf(after);
  await vscode.commands.executeCommand('vscode.diff', docUri(before, name), docUri(after, name), title, { preview: true });
}

function nameOf(ref: DocRef): string {
  try {
    const reader = new TimelineReader(openStore(ref.store), ref.timeline);
    const tip = reader.tip();
    if (tip) return documentName(reader.event(tip, ref.seq).event, ref);
  } catch {
    // the name only helps the tab: fall back to the seq
  }
  return `event-${ref.seq}-${ref.part}.txt`;
}
