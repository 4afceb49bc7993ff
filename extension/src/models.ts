/** Which model resume talks to: VS Code's language-model API or an endpoint from settings. */
import * as vscode from 'vscode';
import type { ChatMessage } from '../shared/context.js';
import { streamChat, type Chat, type ChatApi } from './chat.js';

export const SECRET_KEY = 'agentlog.model.apiKey';

function settings() {
  const c = vscode.workspace.getConfiguration('agentlog.model');
  return {
    provider: c.get<'auto' | 'vscode' | 'endpoint'>('provider', 'auto'),
    api: c.get<ChatApi>('api', 'openai'),
    endpoint: c.get<string>('endpoint', '').trim(),
    name: c.get<string>('name', '').trim(),
  };
}

export function modelLabel(): string {
  const s = settings();
  if (s.provider !== 'vscode' && s.endpoint) return s.name || 'the configured model';
  return s.name || 'a VS Code language model';
}

export async function pickChat(secrets: vscode.SecretStorage): Promise<{ chat: Chat; model: string } | { error: string }> {
  const s = settings();
  if (s.provider === 'endpoint' || (s.provider === 'auto' && s.endpoint)) {
    if (!s.endpoint) return { error: 'Set agentlog.model.endpoint (an OpenAI chat-completions or Anthropic messages URL) to resume with an endpoint.' };
    if (!s.name) return { error: 'Set agentlog.model.name to the model the endpoint should use.' };
    const key = (await secrets.get(SECRET_KEY)) ?? undefined;
    return { model: s.name, chat: (req) => streamChat({ ...req, api: s.api, endpoint: s.endpoint, key }) };
  }
  const lm = (vscode as { lm?: typeof vscode.lm }).lm;
  const models = lm ? await lm.selectChatModels(s.name ? { family: s.name } : {}) : [];
  const m = models[0];
  if (!m) {
    return {
      error:
        'No language model is available in VS Code. Set agentlog.model.endpoint and agentlog.model.name to use an OpenAI- or Anthropic-compatible endpoint.',
    };
  }
  return {
    model: m.id,
    chat: async ({ messages, signal, onDelta }) => {
      const source = new vscode.CancellationTokenSource();
      signal?.addEventListener('abort', () => source.cancel());
      try {
        const res = await m.sendRequest(toLm(messages), {}, source.token);
        let answer = '';
        for await (const piece of res.text) {
          if (signal?.aborted) throw new Error('stopped');
          answer += piece;
          onDelta(piece);
        }
        return answer;
      } finally {
        source.dispose();
      }
    },
  };
}

function toLm(messages: ChatMessage[]): vscode.LanguageModelChatMessage[] {
  return messages.map((m) =>
    m.role === 'assistant'
      ? vscode.LanguageModelChatMessage.Assistant(m.content)
      : vscode.LanguageModelChatMessage.User(m.role === 'system' ? `(instructions) ${m.content}` : m.content),
  );
}
