/** VS Code's language models (vscode.lm) as the agent's model call, with tool calling; the mapping itself is shared/lmConversation.ts. */
import * as vscode from 'vscode';
import type { ModelCall } from '../../core/index.js';
import { answerOf, lmTools, type LmMessage, type LmStreamPart, toLmMessages } from '../shared/lmConversation.js';

/** A model call through `model`; `cancel` ends a call under way (the panel closing). */
export function lmModelCall(model: vscode.LanguageModelChat, cancel: vscode.CancellationToken): ModelCall {
  return async (conversation, tools, options) => {
    const res = await model.sendRequest(
      toVscode(toLmMessages(conversation)),
      { tools: lmTools(tools), justification: 'agentlog resumes a session as an agent' },
      cancel,
    );
    const parts: LmStreamPart[] = [];
    for await (const p of res.stream) {
      if (p instanceof vscode.LanguageModelTextPart) {
        parts.push({ kind: 'text', text: p.value });
        options.sink?.text?.(p.value);
      } else if (p instanceof vscode.LanguageModelToolCallPart) {
        parts.push({ kind: 'toolCall', callId: p.callId, name: p.name, input: p.input });
        options.sink?.tool?.(p.name);
      }
    }
    return answerOf(parts, model.id);
  };
}

function toVscode(messages: LmMessage[]): vscode.LanguageModelChatMessage[] {
  return messages.map((m) => {
    if (m.role === 'assistant') {
      return vscode.LanguageModelChatMessage.Assistant(
        m.parts.map((p) =>
          p.kind === 'toolCall' ? new vscode.LanguageModelToolCallPart(p.callId, p.name, p.input) : new vscode.LanguageModelTextPart(p.text),
        ),
      );
    }
    return vscode.LanguageModelChatMessage.User(
      m.parts.map((p) =>
        p.kind === 'toolResult'
          ? new vscode.LanguageModelToolResultPart(p.callId, [new vscode.LanguageModelTextPart(p.text)])
          : new vscode.LanguageModelTextPart(p.kind === 'text' ? p.text : `[tool call ${p.name}]`),
      ),
    );
  });
}
