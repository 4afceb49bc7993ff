/**
 * The price table `agentlog stats` computes cost with: data only, to be updated when prices change
 * (add a row, change `date`). US dollars per million tokens, per model; a model's row is the one
 * whose `model` is the longest prefix of the model name the agent recorded (`claude-sonnet-4-5`
 * prices `claude-sonnet-4-5-20250929`). `cacheWrite` is Anthropic's 5-minute cache write; OpenAI
 * has none (its cached input is `cacheRead`). A model with no row is counted and left unpriced.
 *
 * Source: the providers' published price lists (anthropic.com/pricing, openai.com/api/pricing), as
 * of `date`.
 */
export const PRICES = {
  date: '2026-12-01',
  source: 'anthropic.com/pricing and openai.com/api/pricing',
  currency: 'USD',
  perTokens: 1_000_000,
  models: [
    { model: 'claude-opus-4-6', input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
    { model: 'claude-opus-4-5', input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
    { model: 'claude-opus-4-1', input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5 },
    { model: 'claude-opus-4', input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5 },
    { model: 'claude-sonnet-4', input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
    { model: 'claude-3-7-sonnet', input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
    { model: 'claude-3-5-sonnet', input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
    { model: 'claude-haiku-4-5', input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 },
    { model: 'claude-3-5-haiku', input: 0.8, output: 4, cacheWrite: 1, cacheRead: 0.08 },
    { model: 'gpt-5-codex', input: 1.25, output: 10, cacheWrite: 0, cacheRead: 0.125 },
    { model: 'gpt-5-mini', input: 0.25, output: 2, cacheWrite: 0, cacheRead: 0.025 },
    { model: 'gpt-5-nano', input: 0.05, output: 0.4, cacheWrite: 0, cacheRead: 0.005 },
    { model: 'gpt-5', input: 1.25, output: 10, cacheWrite: 0, cacheRead: 0.125 },
    { model: 'gpt-4.1', input: 2, output: 8, cacheWrite: 0, cacheRead: 0.5 },
    { model: 'gpt-4o', input: 2.5, output: 10, cacheWrite: 0, cacheRead: 1.25 },
    { model: 'o3', input: 2, output: 8, cacheWrite: 0, cacheRead: 0.5 },
    { model: 'o4-mini', input: 1.1, output: 4.4, cacheWrite: 0, cacheRead: 0.275 },
  ],
} as const;
