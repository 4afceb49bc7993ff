/**
 * The one message protocol between the extension host and the session panel's webview. Both sides
 * import these types; every message is a member of one of the two unions, switched on `type`.
 */
import { DOC_PARTS, type DocPart } from './documents.js';
import type { TurnVM } from './turnView.js';
import type { FileMark } from './workspaceMarks.js';
import type { FindingVM, StatsVM } from './insights.js';

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
  /** The agent that wrote the session (claude-code, codex, agentlog). */
  agent?: string;
  /** For a fork: the timeline it left and the last event they share. */
  forkOf?: { timeline: string; seq: number };
  /** For a subagent's or sidechain's session: the timeline that started it. */
  startedBy?: string;
  /** The forks that leave this timeline, each at the last event it shares with this one. */
  forks?: { timeline: string; seq: number }[];
  /** Why there is nothing to show: the timeline was deleted, or cannot be read (nothing can be sent then). */
  gone?: string;
}

export type HostMessage =
  /**
   * Replace everything: a new timeline, a new point in time. `turns` cover events firstSeq..lastSeq
   * (the newest up to viewSeq), whole turns only.
   */
  | { type: 'reset'; header: HeaderVM; turns: TurnVM[]; firstSeq: number; lastSeq: number; hasOlder: boolean; reveal?: number }
  /** Earlier turns (events firstSeq..), asked for by `loadOlder`; prepend them. */
  | { type: 'older'; turns: TurnVM[]; firstSeq: number; hasOlder: boolean }
  /** New events at the tip (only sent while viewing the tip): the turns from seq `from` on replace those the page has from there. */
  | { type: 'append'; header: HeaderVM; turns: TurnVM[]; from: number; lastSeq: number }
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
  /** The events that changed files (checkpoints), each with its files: the page marks the turn cards holding them. */
  | { type: 'fileMarks'; marks: FileMark[] }
  /** What the secrets scan found in the timeline (masked; never the secret): the page marks the events holding them. */
  | { type: 'findings'; findings: FindingVM[] }
  /** The timeline's numbers for the header (core/stats), sent after the first page. */
  | { type: 'stats'; stats: StatsVM }
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
  /** Open part of an event as a read-only document (a whole output, a text, an input, the raw event). */
  | { type: 'openDoc'; seq: number; block?: number; part: DocPart }
  /** Open an edit's or a patch file's two sides in VS Code's diff editor. */
  | { type: 'openDiff'; seq: number; block: number; file?: number }
  /** Open the file a tool call names (inside the session's folder only). */
  | { type: 'openPath'; seq: number; block: number; file?: number }
  /** Open another timeline of this store (a subagent's, a fork, the one a fork left), at `seq` or its newest. */
  | { type: 'openTimeline'; timeline: string; seq: number | null }
  /** Redact the finding with this fingerprint (asks first, naming what is rewritten). */
  | { type: 'redact'; fingerprint: string }
  /** The finding with this fingerprint is not a secret: add it to the store's allow list. */
  | { type: 'allow'; fingerprint: string }
  /** The page reports what it shows (for tests and for the host's state). */
  | { type: 'rendered'; state: RenderedState }
  /** The workspace at the viewed event: its files against the folder (diff), restored there, or the fork against its parent (compare). */
  | { type: 'workspace'; action: WorkspaceAction; seq: number };

export type WorkspaceAction = 'diff' | 'restore' | 'compare';

export interface RenderedState {
  /** Events the page covers (firstSeq..lastSeq), turn cards, tool calls, and records hidden (shown when `showHidden`). */
  count: number;
  turns: number;
  calls: number;
  hidden: number;
  showHidden: boolean;
  /** Fork marks: on the slider, and in the transcript. */
  forkMarks: number;
  /** Why the timeline shows nothing ('' when it does): deleted, unreadable. */
  gone: string;
  /** Whether Send can be pressed. */
  canSend: boolean;
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
  /** Secret findings marked in the page, and the header's stats line ('' until it comes). */
  findings?: number;
  stats?: string;
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
    case 'openDoc':
      return seqOk(m) && blockOk(m, true) && DOC_PARTS.includes((m as { part?: unknown }).part as DocPart);
    case 'openDiff':
    case 'openPath':
      return seqOk(m) && blockOk(m, false) && fileOk(m);
    case 'openTimeline': {
      const s = (m as { seq?: unknown }).seq;
      const t = (m as { timeline?: unknown }).timeline;
      return typeof t === 'string' && t.length > 0 && t.length < 1024 && (s === null || Number.isSafeInteger(s));
    }
    case 'workspace':
      return ['diff', 'restore', 'compare'].includes((m as { action?: unknown }).action as string) && seqOk(m);
    case 'redact':
    case 'allow':
      return /^[0-9a-f]{16}$/.test(String((m as { fingerprint?: unknown }).fingerprint));
    case 'rendered':
      return typeof (m as { state?: unknown }).state === 'object' && (m as { state?: unknown }).state !== null;
    default:
      return false;
  }
}

function seqOk(m: object): boolean {
  const s = (m as { seq?: unknown }).seq;
  return Number.isSafeInteger(s) && (s as number) >= 0;
}

function blockOk(m: object, optional: boolean): boolean {
  const b = (m as { block?: unknown }).block;
  return (optional && b === undefined) || (Number.isSafeInteger(b) && (b as number) >= 0);
}

function fileOk(m: object): boolean {
  const f = (m as { file?: unknown }).file;
  return f === undefined || (Number.isSafeInteger(f) && (f as number) >= 0);
}
