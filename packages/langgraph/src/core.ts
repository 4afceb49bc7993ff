// The agentlog core this package builds on, imported in one place: the workspace root's core/ through its
// public surface (core/index.ts). Core knows nothing of LangGraph; everything LangGraph-specific lives here.
export { AgentlogError, Store, timelineRef, type Appended, type Event, type EventInput, type StoredEvent, type StoreOptions } from '../../../core/index.js';
