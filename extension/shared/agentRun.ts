/**
 * What the panel says about an agent run, pure: which folder the agent works in (and why), and a tool
 * call put in words for its approval card.
 */

/** Longest text of a call shown for approval (the rest is cut, with its size said). */
export const DETAIL_LIMIT = 4000;

export type WorkspaceChoice = { dir: string; note: string } | { error: string };

/** The session's cwd when it exists here, else the VS Code workspace folder; the note says which. */
export function workspaceChoice(cwd: unknown, cwdExists: boolean, folder: string | undefined): WorkspaceChoice {
  const named = typeof cwd === 'string' && cwd !== '';
  if (named && cwdExists) return { dir: cwd, note: `working in ${cwd} (the session's folder)` };
  if (folder)
    return {
      dir: folder,
      note: named
        ? `working in ${folder} (the VS Code workspace folder: the session's folder ${cwd} is not on this machine)`
        : `working in ${folder} (the VS Code workspace folder)`,
    };
  return {
    error: named
      ? `the session's folder ${cwd} is not on this machine and no folder is open in VS Code: open the folder the agent should work in`
      : 'no folder is open in VS Code: open the folder the agent should work in',
  };
}

/** A tool call as its approval card shows it: the shell command, the file and what changes, else the input as JSON. */
export function describeCall(name: string, input: Record<string, unknown>): string {
  const str = (k: string) => (typeof input[k] === 'string' ? (input[k] as string) : undefined);
  let text: string;
  if (name === 'shell' && str('command') !== undefined) text = `$ ${str('command')}`;
  else if (name === 'write_file' && str('path') !== undefined) text = `write ${str('path')}:\n${str('content') ?? ''}`;
  else if (name === 'edit_file' && str('path') !== undefined) text = `edit ${str('path')}:\n- ${str('old_string') ?? ''}\n+ ${str('new_string') ?? ''}`;
  else text = `${name} ${safeJson(input)}`;
  return text.length > DETAIL_LIMIT ? `${text.slice(0, DETAIL_LIMIT)}\n… (${text.length - DETAIL_LIMIT} more characters)` : text;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, null, 2) ?? String(v);
  } catch {
    return String(v);
  }
}
