import { blocksOf } from '../event/event.js';
import type { Ref, ToolResult, ToolView } from './types.js';

/**
 * A tool_result block as a `ToolResult`. For a shell call (`view`), the exit code where the result
 * says it and the output without the wrapper around it: Codex 0.4x's JSON
 * (`{"output": …, "metadata": {"exit_code": …}}`), Codex 0.16x's `Exit code: N … Output:` head,
 * `agentlog run`'s `exit code N` first line, Claude's `Exit code N` on an error; Codex's "failed in
 * sandbox" is an error with no exit code.
 */
export function resultOf(block: Record<string, unknown>, ref: Ref, view?: ToolView): ToolResult {
  const { text, images } = contentText(block.content);
  const result: ToolResult = { ref, text, isError: block.is_error === true, images };
  if (view?.kind === 'shell' || view?.kind === 'patch') shellResult(result);
  return result;
}

function contentText(content: unknown): { text: string; images: number } {
  if (typeof content === 'string') return { text: content, images: 0 };
  if (content === null || content === undefined) return { text: '', images: 0 };
  const parts: string[] = [];
  let images = 0;
  for (const b of blocksOf(content)) {
    if (b.type === 'text' && typeof b.text === 'string') parts.push(b.text);
    else if (b.type === 'image' || b.type === 'input_image') images++;
    else if (typeof b.text === 'string') parts.push(b.text);
  }
  return { text: parts.join('\n'), images };
}

function shellResult(r: ToolResult): void {
  const t = r.text;
  if (t.startsWith('{"output":')) {
    try {
      const v = JSON.parse(t) as { output?: unknown; metadata?: { exit_code?: unknown } };
      if (typeof v.output === 'string') r.text = v.output;
      if (typeof v.metadata?.exit_code === 'number') r.exitCode = v.metadata.exit_code;
    } catch {
      // not Codex's wrapper after all: the text stays as it is
    }
  } else {
    const codex = /^Exit code: (-?\d+)\n(?:Wall time: [^\n]*\n)?(?:Total output lines: [^\n]*\n)?Output:\n/.exec(t);
    const head = codex ?? /^(?:exit code|Exit code) (-?\d+)(?:\n|$)/.exec(t);
    if (head) {
      r.exitCode = Number(head[1]);
      r.text = t.slice(head[0].length);
    }
  }
  if (r.exitCode !== undefined && r.exitCode !== 0) r.isError = true;
  // Codex's sandbox refused to run the command: no exit code, an error all the same.
  if (r.exitCode === undefined && r.text.startsWith('failed in sandbox')) r.isError = true;
}
