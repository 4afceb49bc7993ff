import type { JsonLine } from '../jsonl.js';

/**
 * What a line of a Codex CLI rollout looks like, as far as agentlog reads or writes it: `{ timestamp,
 * type, payload }`, the payload's shape given by `type`:
 *
 * - `session_meta`: the session (id, cwd, cli_version), the first line;
 * - `response_item`: an item of the model's conversation, by `payload.type`: `message` (role, content
 *   of input_text / output_text / input_image), `reasoning` (summary of summary_text), `function_call`
 *   (name, JSON `arguments`, call_id), `custom_tool_call` (name, `input`, call_id), `function_call_output`
 *   and `custom_tool_call_output` (call_id, output);
 * - `compacted`: the summary the context was rebuilt from (`message`);
 * - `turn_context`: the settings of a turn (cwd, model, …);
 * - `event_msg`: what the UI showed, by `payload.type` (`user_message`, `agent_message`,
 *   `agent_reasoning`, token counts, …; from 0.16x `item_completed` with a `UserMessage`,
 *   `AgentMessage`, `Reasoning`, … item), often the same text as a response_item;
 * - from 0.16x also `world_state`, `token_usage_record`, kept as they are.
 *
 * These types say what Codex writes; read from a file, a line is only a JSON object, so every field is
 * checked (typeof) before it is used, and fields not listed here are kept as they are.
 */
export const CODEX_FORMAT = 'codex';

/** One line of a rollout. */
export interface CodexRecord {
  /** ISO time. */
  timestamp?: string;
  /** 'session_meta' | 'response_item' | 'compacted' | 'turn_context' | 'event_msg' | … */
  type?: string;
  payload?: CodexPayload;
  [key: string]: unknown;
}

/** An item of a message's content. */
export interface CodexContentItem {
  /** 'input_text' | 'output_text' | 'input_image' */
  type?: string;
  text?: string;
  /** input_image: a data: URL */
  image_url?: string;
  [key: string]: unknown;
}

/** The payload of any record type (see the module comment for which fields go with which type). */
export interface CodexPayload {
  /** response_item, event_msg: the item's or message's type */
  type?: string;
  /** session_meta */
  id?: string;
  timestamp?: string;
  cwd?: string;
  originator?: string;
  cli_version?: string;
  instructions?: string | null;
  /** response_item message: 'user' | 'assistant' | 'developer' | 'system' */
  role?: string;
  content?: CodexContentItem[];
  /** response_item reasoning */
  summary?: { type?: string; text?: string }[];
  /** response_item function_call / custom_tool_call and their outputs */
  name?: string;
  arguments?: string;
  input?: unknown;
  call_id?: string;
  output?: unknown;
  /** compacted (the summary), event_msg user_message / agent_message */
  message?: unknown;
  /** event_msg agent_reasoning */
  text?: string;
  /** event_msg item_completed (0.16x): the item, `{ type: 'UserMessage' | 'AgentMessage' | 'Reasoning' | …, … }` */
  item?: unknown;
  /** turn_context */
  model?: string;
  [key: string]: unknown;
}

/** A line of a rollout as read (`value` is only a JSON object until its fields are checked). */
export interface CodexLine extends JsonLine {
  value: CodexRecord;
}
