// What a (re)started loop does with a tool call the log holds no result for, as a table by the
// tool's effect (DESIGN.md "The agent loop"); every other case is run by the loop as usual.
//
// | effect | what is known                         | action                                             |
// |--------|---------------------------------------|----------------------------------------------------|
// | read   | nothing changed by running it         | run again                                          |
// | write  | file hash = the intended one (after)  | record it done: exactly once                       |
// | write  | file hash = the one before the call   | run it now: exactly once                           |
// | write  | neither (or no effect recorded)       | `interrupted:` result with the file's current hash |
// | shell  | nothing                               | `interrupted:` result; the model decides           |
// | other  | a tool of another agent (imported)    | `interrupted:` result                              |

import type { ToolCall } from './context.js';
import { type Effect, type ToolResult, toolSpec } from './tools.js';
import { fileHash, type Workspace } from './workspace.js';

export type Recovery = { action: 'run'; how: 'rerun' | 'not-run-yet' } | { action: 'result'; how: 'done' | 'interrupted'; result: ToolResult };

export function recoverCall(ws: Workspace, call: ToolCall): Recovery {
  const spec = toolSpec(call.name);
  if (!spec) {
    return interrupted(
      `interrupted: no result was recorded for this call to ${call.name}, which is not one of this agent's tools; it may or may not have run.`,
    );
  }
  if (spec.effect === 'read') return { action: 'run', how: 'rerun' };
  if (spec.effect === 'shell') {
    return interrupted(
      'interrupted: the agent stopped while this command was running or about to run; it may or may not have run, in whole or in part. Check its effects before running it again.',
    );
  }
  const effect = effectOf(call);
  const verb = call.name === 'write_file' ? 'write to' : 'edit of';
  if (!effect) return interrupted(`interrupted: the ${verb} ${String(call.input.path)} may or may not have happened (its target state was not recorded).`);
  let now: string | null;
  try {
    now = fileHash(ws.resolve(effect.path));
  } catch {
    now = null;
  }
  if (effect.after !== undefined && now === effect.after) {
    return {
      action: 'result',
      how: 'done',
      result: {
        content: `the ${verb} ${effect.path} was done before an interruption: the file holds the intended content (sha256 ${effect.after})`,
        is_error: false,
      },
    };
  }
  if (now === effect.before) return { action: 'run', how: 'not-run-yet' };
  return interrupted(
    `interrupted: the ${verb} ${effect.path} may or may not have happened: the file's sha256 is now ${now ?? '(no file)'}, neither the one before the call (${effect.before ?? 'no file'}) nor the intended one (${effect.after ?? 'unknown'}); something else changed it. Read it before trying again.`,
  );
}

function interrupted(content: string): Recovery {
  return { action: 'result', how: 'interrupted', result: { content, is_error: true } };
}

/** The effect the loop recorded for a call in its assistant message (`effects`: call id → Effect). */
function effectOf(call: ToolCall): Effect | undefined {
  const all = call.event.event.effects;
  if (!all || typeof all !== 'object' || Array.isArray(all)) return undefined;
  const e = (all as Record<string, unknown>)[call.id] as Record<string, unknown> | undefined;
  if (!e || typeof e.path !== 'string' || (e.before !== null && typeof e.before !== 'string')) return undefined;
  return { path: e.path, before: e.before as string | null, ...(typeof e.after === 'string' ? { after: e.after } : {}) };
}
