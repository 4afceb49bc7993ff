/**
 * The reading model's data: plain objects (strings, numbers, arrays), no terminal or HTML strings, so
 * `agentlog show`, its `--json` and the VS Code panel draw the same thing each their own way. Every
 * piece names where it came from (`Ref`: the event's seq, and the block's index in a message), so
 * each record stays reachable in its raw form.
 */

/** Where in the timeline: the event's seq, and the index of the block in a message's content. */
export interface Ref {
  seq: number;
  block?: number;
}

/** One edit of a file: `old` replaced by `new` (Claude's Edit, each of MultiEdit's, edit_file). */
export interface Replacement {
  old: string;
  new: string;
  replaceAll?: boolean;
}

/** A file an apply_patch touches. */
export interface PatchFile {
  path: string;
  op: 'add' | 'update' | 'delete';
  /** The new name of an updated file that moves. */
  moveTo?: string;
  added: number;
  removed: number;
}

export interface TodoItem {
  text: string;
  /** pending | in_progress | completed, as the agent wrote it. */
  status: string;
}

/** What a known tool's call means; `generic` for the rest (its input as recorded). */
export type ToolView =
  | { kind: 'shell'; command: string; description?: string; cwd?: string }
  | { kind: 'edit'; path: string; edits: Replacement[] }
  | { kind: 'write'; path: string; content: string }
  | { kind: 'patch'; files: PatchFile[]; patch: string }
  | { kind: 'read'; path: string; offset?: number; limit?: number }
  | { kind: 'search'; pattern: string; path?: string; glob?: string }
  | { kind: 'web'; query?: string; url?: string; prompt?: string }
  | { kind: 'todo'; items: TodoItem[]; explanation?: string }
  | { kind: 'agent'; description: string; prompt: string; agentType?: string }
  | { kind: 'generic'; input: unknown };

/** A tool's result, as the agent got it. */
export interface ToolResult {
  ref: Ref;
  /** The result's text (a shell's output without the wrapper Codex puts around it). */
  text: string;
  isError: boolean;
  /** A shell's exit code, when the result says it. */
  exitCode?: number;
  /** Images in the result. */
  images: number;
}

/** A tool call with its result, paired by call id. */
export interface ToolCall {
  ref: Ref;
  id: string;
  name: string;
  input: unknown;
  view: ToolView;
  result?: ToolResult;
  /** The timeline of the subagent this call started (an imported Task/Agent call). */
  subagent?: { timeline: string };
}

/**
 * Recognised texts and events that are not the conversation itself: a `<system-reminder>`, a
 * `<task-notification>`, a slash command, the context an agent puts first, a compaction, a note, …
 */
export type NoticeKind =
  | 'reminder'
  | 'notification'
  | 'command'
  | 'context'
  | 'interrupted'
  | 'compaction'
  | 'summary'
  | 'note'
  | 'model'
  | 'checkpoint'
  | 'system'
  | 'record';

export type Step =
  | { type: 'text'; ref: Ref; text: string }
  | { type: 'thinking'; ref: Ref; text: string }
  | { type: 'tool'; call: ToolCall }
  | { type: 'image'; ref: Ref; mediaType: string; bytes: number }
  | { type: 'notice'; ref: Ref; kind: NoticeKind; label: string; text?: string }
  /** A result whose call is not in this timeline (or has no id). */
  | { type: 'result'; callId: string; result: ToolResult };

/** Why a record is hidden by default. */
export type HiddenWhy = 'bookkeeping' | 'copy' | 'reminder';

/** A record hidden by default: the agent's own state, a copy of what a message says, a reminder. */
export interface Hidden {
  ref: Ref;
  /** The event's kind (`claude.attachment`, `codex.event_msg`, `message`). */
  kind: string;
  label: string;
  why: HiddenWhy;
  /** A reminder's text. */
  text?: string;
}

/** What opened a turn: a person's prompt, a task notification, a slash command. */
export interface Prompt {
  ref: Ref;
  kind: 'user' | 'notification' | 'command';
  text: string;
  images: { ref: Ref; mediaType: string; bytes: number }[];
}

/** A prompt, the agent's steps, its answer (its last text, when no tool call follows it). */
export interface Turn {
  /** 1, 2, … ; 0 for what comes before the first prompt. */
  index: number;
  prompt?: Prompt;
  steps: Step[];
  answer?: { ref: Ref; text: string };
  hidden: Hidden[];
  /** The seq of its first and last event. */
  first: number;
  last: number;
  /** Milliseconds since the epoch, of its first event. */
  ts: number;
  /** The model that answered (the last named). */
  model?: string;
}

/** The genesis event, in words. */
export interface SessionHeader {
  ref: Ref;
  title?: string;
  agent?: string;
  version?: string;
  model?: string;
  cwd?: string;
  /** The timeline (and call or record) that started this one, for a subagent or sidechain. */
  parent?: { timeline: string; toolUseId?: string; agentId?: string };
}

export interface Reading {
  session?: SessionHeader;
  turns: Turn[];
  /** Counts: events read, tool calls, calls with no result, records hidden by default. */
  events: number;
  calls: number;
  unanswered: number;
  hidden: number;
}
