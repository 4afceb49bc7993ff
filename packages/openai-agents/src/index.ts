/**
 * @agentlog/openai-agents owns keeping an OpenAI Agents SDK Session in agentlog: AgentlogSession
 * (session.ts), a session as the timeline `openai/<sessionId>` whose history changes move the
 * timeline by compare-and-swap and keep what they replaced, and the SDK's items as events that
 * `agentlog run` continues and back (items.ts). It reaches agentlog only through core/index.ts; core
 * knows nothing of the SDK.
 */
export { AgentlogSession, type AgentlogSessionOptions, type HistoryTransaction } from './session.js';
