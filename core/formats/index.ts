/**
 * core/formats/ owns the agents' session files: what a Claude Code record and a Codex rollout line
 * look like (`<agent>/records.ts`), how a record becomes an event (`toEvents.ts`, used by import) and
 * an event records again (`toRecords.ts`, used by export), and where each agent keeps its files
 * (`paths.ts`); jsonl.ts reads JSONL files and holds the helpers both formats share, source.ts the
 * `source` an imported event keeps, uuidFrom.ts the ids export makes up. Imports go one way: core/import/ and core/export/ import formats;
 * formats imports only core/event/, core/codec/ and core/errors.ts (and the store's EventInput type),
 * never store code, import/ or export/. Which records make which timeline is planned in core/import/.
 */

import { CLAUDE_FORMAT } from './claude/records.js';
import { CODEX_FORMAT } from './codex/records.js';

/** The agents whose session files agentlog imports and exports. */
export type AgentFormat = 'claude' | 'codex';

/** The format's name in an event's `origin` and `source` ('claude-code', 'codex'). */
export function formatName(agent: AgentFormat): string {
  return agent === 'claude' ? CLAUDE_FORMAT : CODEX_FORMAT;
}
