// The public surface of core/: what cli/ and extension/ build on.
export { AgentlogError, isAgentlogError, type ErrorCode } from './errors.js';
export { CID, cidOf, parseCid, shortCid } from './cid.js';
export { encode, decode, type IpldValue } from './codec.js';
export { parseDagJson, stringifyDagJson } from './dagjson.js';
export * from './event.js';
export { Store, type Appended, type EventInput, type StoreOptions, type CommitInfo, LEAF_SIZE, eventPath } from './store.js';
export { timelineRef } from './git/refs.js';
