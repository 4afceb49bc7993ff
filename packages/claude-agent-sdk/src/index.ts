/**
 * @agentlog/claude-agent-sdk owns keeping the Claude Agent SDK's sessions in agentlog: a SessionStore
 * (sessionStore.ts) whose sessions are the timelines `agentlog import claude` makes of the same
 * transcripts (same events, same CIDs), one store per project key; the SDK's keys mapped onto
 * Claude Code's files and timeline names (keys.ts), a transcript read back as entries (transcripts.ts),
 * and the first entries of a session waiting until its genesis is known (pending.ts). It reaches
 * agentlog only through core/index.ts; core knows nothing of the SDK.
 */
export { AgentlogSessionStore, type AgentlogSessionStoreOptions } from './sessionStore.js';
