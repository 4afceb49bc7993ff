// The public surface of core/: what cli/ and extension/ build on.
export { AgentlogError, isAgentlogError, type ErrorCode } from './errors.js';
export { CID, cidOf, parseCid, shortCid } from './codec/cid.js';
export { encode, decode, type IpldValue } from './codec/dagcbor.js';
export { parseDagJson, stringifyDagJson } from './codec/dagjson.js';
export * from './event/event.js';
export { Store, type Appended, type AppendOptions, type EventInput, type StoreOptions, type CommitInfo, FANOUT, DIR_LEVELS, eventPath } from './store/store.js';
export { timelineRef } from './git/refs.js';
export { resolveRev, commitAt, type Resolved } from './timeline/rev.js';
export { freeName } from './timeline/names.js';
export { listSessions, type SessionInfo, type TimelineInfo } from './timeline/sessions.js';
export { verifyTimeline, type VerifyResult, type Problem } from './timeline/verify.js';
export { renderTranscript } from './timeline/transcript.js';
export { importFiles, defaultSessionFiles, type Format as ImportFormat, type ImportSummary } from './import/index.js';
export { follow } from './import/follow.js';
export { exportTimeline, toJsonl, type ExportFormat } from './export/index.js';
export { prepareResume } from './export/resume.js';
export { push, pull, clone, fetchRemote, type SyncReport, type TimelineResult } from './sync/sync.js';
export { addRemote, listRemotes } from './sync/remotes.js';
