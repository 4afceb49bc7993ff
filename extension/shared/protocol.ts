/**
 * The one message protocol between the extension host and the session panel's webview. Both sides
 * import these types; every message is a member of one of the two unions, switched on `type`.
 */
import type { ItemVM } from './transcript.js';
import type { FileMark } from './workspaceMarks.js';

/** What the panel header shows. */
export interface HeaderVM {
  store: string;
  timeline: string;
  title: string;
  /** The newest seq of the timeline. */
  tipSeq: number;
  /** The seq being viewed (the transcript ends there). */
  viewSeq: number;
  /** True when viewSeq < tipSeq: the panel shows the past. */
  past: boolean;
  /** Set when the view follows the store's checked-out commit (git checkout). */
  followsHead: boolean;
  /** Model used by resume, for the message box placeholder. */
  model: string;
}

export type HostMessage =
  /** Replace everything: a new timeline, a new point in time. `items` are the newest up to viewSeq. */
  | { type: 'reset'; header: HeaderVM; items: ItemVM[]; hasOlder: boolean; reveal?: number }
  /** Earlier items, asked for by `loadOlder`; prepend them. */
  | { type: 'older'; items: ItemVM[]; hasOlder: boolean }
  /** New events at the tip (only sent while viewing the tip). */
  | { type: 'append'; header: HeaderVM; items: ItemVM[] }
  /** The header changed without new items to show (the tip moved while viewing the past). */
  | { type: 'header'; header: HeaderVM }
  /** Resume: the agent runs with `model`; `workspace` says which folder its tools work in, and why. */
  | { type: 'streamStart'; model: string; workspace: string }
  /** Resume: a piece of the model's answer as it streams. */
  | { type: 'streamDelta'; text: string }
  /** Resume: the model is calling a tool (its input is shown once the answer is appended). */
  | { type: 'streamTool'; name: string }
  /** Resume: an event was appended (it follows in an `append`): what streamed so far is in the log now. */
  | { type: 'streamStep' }
  /** Resume: a line about the run (a retry, stopping). */
  | { type: 'streamStatus'; text: string }
  /** Resume: a tool call waits for the person's approval; answered by an `approval` message. */
  | { type: 'approve'; id: number; name: string; detail: string }
  /** Resume: approval `id` was answered (here or by Stop); its card goes. */
  | { type: 'approvalEnd'; id: number; allow: boolean }
  /** The events that changed files (checkpoints), each with its files: the page marks them. */
  | { type: 'fileMarks'; marks: FileMark[] }
  /** Resume ended: the turn is done, stopped (Stop or an `interrupt` event), max-steps, or failed; every step so far is in the log. */
  | { type: 'streamEnd'; outcome: 'done' | 'stopped' | 'max-steps' | 'failed'; error?: string };

export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'loadOlder'; beforeSeq: number }
  /** View the session as of `seq`; null = follow the tip. */
  | { type: 'travel'; seq: number | null }
  | { type: 'fork'; seq: number }
  | { type: 'copyCid'; seq: number }
  | { type: 'copyLink'; seq: number }
  | { type: 'send'; text: string }
  | { type: 'stop' }
  /** The person's answer to the approval `id`. */
  | { type: 'approval'; id: number; allow: boolean }
  /** The page reports what it shows (for tests and for the host's state). */
  | { type: 'rendered'; state: RenderedState }
  /** The workspace at the viewed event: its files against the folder (diff), restored there, or the fork against its parent (compare). */
  | { type: 'workspace'; action: WorkspaceAction; seq: number };

export type WorkspaceAction = 'diff' | 'restore' | 'compare';

export interface RenderedState {
  count: number;
  firstSeq: number;
  lastSeq: number;
  viewSeq: number;
  tipSeq: number;
  past: boolean;
  streaming: boolean;
  error: string;
  /** Approval cards waiting for an answer. */
  approvals: number;
  /** The run under way: its model and the folder it works in ('' when none runs). */
  run: string;
  /** The run's latest line: a retry, stopping. */
  status: string;
  /** Events marked as having changed files. */
  fileMarks?: number;
}

/** What a restored panel needs (kept by VS Code's webview state). */
export interface PanelState {
  store: string;
  timeline: string;
  /** null = following the tip. */
  seq: number | null;
}

export function isWebviewMessage(m: unknown): m is WebviewMessage {
  if (!m || typeof m !== 'object') return false;
  const t = (m as { type?: unknown }).type;
  switch (t) {
    case 'ready':
    case 'stop':
      return true;
    case 'loadOlder':
      return Number.isSafeInteger((m as { beforeSeq?: unknown }).beforeSeq);
    case 'travel': {
      const s = (m as { seq?: unknown }).seq;
      return s === null || Number.isSafeInteger(s);
    }
    case 'fork':
    case 'copyCid':
    case 'copyLink':
      return Number.isSafeInteger((m as { seq?: unknown }).seq);
    case 'send':
      return typeof (m as { text?: unknown }).text === 'string';
    case 'approval':
      return Number.isSafeInteger((m as { id?: unknown }).id) && typeof (m as { allow?: unknown }).allow === 'boolean';
    case 'workspace':
      return ['diff', 'restore', 'compare'].includes((m as { action?: unknown }).action as string) && Number.isSafeInteger((m as { seq?: unknown }).seq);
    case 'rendered':
      return typeof (m as { state?: unknown }).state === 'object' && (m as { state?: unknown }).state !== null;
    default:
      return false;
  }
}
