/**
 * Which model "Resume here" runs the agent with: the endpoint in settings (agentlog.model.*, its key
 * in VS Code's secret storage) through core's Anthropic/OpenAI clients, or one of VS Code's language
 * models (vscode.lm) through an injected model call.
 */
import * as vscode from 'vscode';
import type { Api, Approve } from '../../core/index.js';
import type { AgentModel } from './panelController.js';
import { lmModelCall } from './lmModel.js';

export const SECRET_KEY = 'agentlog.model.apiKey';

/** What the log records as the endpoint of a run through VS Code's language models. */
export const LM_ENDPOINT = 'vscode.lm';

function settings() {
  const c = vscode.workspace.getConfiguration('agentlog.model');
  const approve = vscode.workspace.getConfiguration('agentlog').get<string>('approve', 'writes');
  return {
    provider: c.get<'auto' | 'vscode' | 'endpoint'>('provider', 'auto'),
    api: c.get<Api>('api', 'openai'),
    endpoint: c.get<string>('endpoint', '').trim(),
    name: c.get<string>('name', '').trim(),
    approve: (['never', 'writes', 'all'].includes(approve) ? approve : 'writes') as Approve,
  };
}

export function modelLabel(): string {
  const s = settings();
  if (s.provider !== 'vscode' && s.endpoint) return s.name || 'the configured model';
  return s.name || 'a VS Code language model';
}

export function approvePolicy(): Approve {
  return settings().approve;
}

/** core's clients add `/v1/messages` or `/v1/chat/completions`: a full URL in the setting is cut back to its base. */
function baseOf(endpoint: string): string {
  return endpoint.replace(/\/+$/, '').replace(/\/(chat\/completions|messages)$/, '');
}

export async function pickModel(secrets: vscode.SecretStorage): Promise<AgentModel | { error: string }> {
  const s = settings();
  if (s.provider === 'endpoint' || (s.provider === 'auto' && s.endpoint)) {
    if (!s.endpoint) return { error: 'Set agentlog.model.endpoint (an OpenAI chat-completions or Anthropic messages URL) to resume with an endpoint.' };
    if (!s.name) return { error: 'Set agentlog.model.name to the model the endpoint should use.' };
    const key = (await secrets.get(SECRET_KEY)) ?? undefined;
    return { api: s.api, model: s.name, endpoint: baseOf(s.endpoint), env: key ? { AGENTLOG_API_KEY: key } : {} };
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
  // The conversation is folded in the Anthropic shape (the log's own); the log names the endpoint vscode.lm.
  const cancel = new vscode.CancellationTokenSource();
  return {
    api: 'anthropic',
    model: m.id,
    endpoint: LM_ENDPOINT,
    env: {},
    callModel: lmModelCall(m, cancel.token),
    cancel: () => cancel.cancel(),
    release: () => cancel.dispose(),
  };
}
