/**
 * The price table `agentlog stats` computes cost with: data only, to be updated when prices change
 * (add a row, change `date`). US dollars per million tokens, per model; a model's row is the one
 * whose `model` is the longest prefix of the model name the agent recorded (`claude-sonnet-4-5`
 * prices `claude-sonnet-4-5-20250929`; `gpt-5.2` prices `gpt-5.2-codex`). Every newer model whose
 * name begins with an older one's needs its own row (`claude-opus-4-7` would otherwise take
 * `claude-opus-4`'s $15, `gpt-5.4` `gpt-5`'s $1.25). `cacheWrite` is Anthropic's 5-minute cache write
 * (Claude Code also writes 1-hour caches, at 2× input, which its usage records count apart and this
 * table does not price); OpenAI has none (its cached input is `cacheRead`). A model with no row is
 * counted and left unpriced.
 *
 * Checked 2026-12-03 against the providers' own pages, as the docs search holds them:
 * - Anthropic, platform.claude.com/docs/en/about-claude/pricing (model pricing table: Opus 4 to 5,
 *   4.1 and 4 marked retired) and the model overviews (platform.claude.com/docs/…/models/sonnet-5,
 *   sonnet-5-5: $2 / $10, 5m cache write $2.50, cache read $0.20; the Opus 5.5 row of their
 *   comparison table: $4 / $20). Earlier rows (Sonnet 4.x, 3.7, 3.5, Haiku 3.5) from the same page's
 *   older table; Haiku 4.5 ($1 / $5) from the overviews' comparison table.
 * - OpenAI, developers.openai.com/api/docs/models/gpt-5-codex and …/gpt-5.1 ($1.25 / $10, cached
 *   $0.125). GPT-5.2, 5.4 (mini, nano) and 5.5: developers.openai.com/api/docs/pricing as quoted by
 *   GitHub's Copilot price table (github/docs data/tables/copilot/models-and-pricing.yml) and others;
 *   the official page itself was not in the search's store.
 * Not found on an official page, so left as they were: gpt-5-mini, gpt-5-nano, gpt-4.1, gpt-4o, o3,
 * o4-mini (third-party tables agree with them). Claude Opus 5.5: $4 / $20 from the official
 * comparison table, its cache rates not found there: Anthropic's usual 1.25× and 0.1× of input are
 * assumed (a third party reports a $0.20 cache read). Not priced (no row): Haiku 5.5 (priced by
 * prompt length, which a usage record does not give per request); third
 * parties report Sonnet 5.5's cache read cut to $0.10 on 2026-10-07, which the official overview
 * stored here does not show yet: the row keeps $0.20.
 */
export const PRICES = {
  date: '2026-12-03',
  source: 'platform.claude.com/docs/en/about-claude/pricing and developers.openai.com/api/docs/pricing',
  currency: 'USD',
  perTokens: 1_000_000,
  models: [
    { model: 'claude-opus-5-5', input: 4, output: 20, cacheWrite: 5, cacheRead: 0.4 },
    { model: 'claude-opus-5', input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
    { model: 'claude-opus-4-8', input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
    { model: 'claude-opus-4-7', input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
    { model: 'claude-opus-4-6', input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
    { model: 'claude-opus-4-5', input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
    { model: 'claude-opus-4-1', input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5 },
    { model: 'claude-opus-4', input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5 },
    { model: 'claude-sonnet-5', input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.2 },
    { model: 'claude-sonnet-4', input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
    { model: 'claude-3-7-sonnet', input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
    { model: 'claude-3-5-sonnet', input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
    { model: 'claude-haiku-4-5', input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 },
    { model: 'claude-3-5-haiku', input: 0.8, output: 4, cacheWrite: 1, cacheRead: 0.08 },
    { model: 'gpt-5.5', input: 5, output: 30, cacheWrite: 0, cacheRead: 0.5 },
    { model: 'gpt-5.4-mini', input: 0.75, output: 4.5, cacheWrite: 0, cacheRead: 0.075 },
    { model: 'gpt-5.4-nano', input: 0.2, output: 1.25, cacheWrite: 0, cacheRead: 0.02 },
    { model: 'gpt-5.4', input: 2.5, output: 15, cacheWrite: 0, cacheRead: 0.25 },
    { model: 'gpt-5.2', input: 1.75, output: 14, cacheWrite: 0, cacheRead: 0.175 },
    { model: 'gpt-5.1', input: 1.25, output: 10, cacheWrite: 0, cacheRead: 0.125 },
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
