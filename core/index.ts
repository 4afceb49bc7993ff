/**
 * The public surface of core/: the only module cli/ and extension/ import from core (test/architecture.test.ts
 * holds them to it). Grouped by capability; when a file inside core/ moves, only the `from` here changes.
 *
 * Node-only: it reaches node:fs, node:crypto and node:buffer, so the webview's browser bundle must not import it
 * (the webview imports types only from extension/shared/; the architecture test checks its bundle).
 */

// Errors: every failure core reports on purpose, with a stable code.
export { AgentlogError, isAgentlogError, type ErrorCode } from './errors.js';

// Content ids and the canonical encodings (DAG-CBOR on disk, DAG-JSON for people and --json).
export { CID, cidOf, parseCid, shortCid } from './codec/cid.js';
export { encode, decode, type IpldValue } from './codec/dagcbor.js';
export { parseDagJson, stringifyDagJson } from './codec/dagjson.js';

// Events: the record, sealing (its CID), and reading one as a person does.
export {
  EVENT_VERSION,
  checkEvent,
  eventRecord,
  sealEvent,
  openEvent,
  blocksOf,
  textOf,
  actorOf,
  dateOf,
  summarize,
  compactJson,
  oneLine,
  type Event,
  type StoredEvent,
  type ContentBlock,
} from './event/event.js';

// Stores: create, open, append, branch; how events lie in the tree; finding a repository.
export {
  Store,
  FANOUT,
  DIR_LEVELS,
  eventPath,
  type Appended,
  type AppendOptions,
  type EventInput,
  type StoreOptions,
  type CommitInfo,
  type GcOptions,
  type GcResult,
  type Deleted,
  type Renamed,
} from './store/store.js';
export { registerDiffDriver, eventBlobAsText } from './store/diffDriver.js';
export { sniffFormat, agentName } from './formats/sniff.js';
export { findGitDir } from './git/repo.js';
export { timelineRef } from './git/refs.js';

// Timelines: naming them, resolving a REV, listing sessions, verifying, the transcript as text.
export { freeName, slug } from './timeline/names.js';
export { resolveRev, resolveDefault, commitAt, type Resolved } from './timeline/rev.js';
export { listSessions, type SessionInfo, type TimelineInfo } from './timeline/sessions.js';
export { numberedTitles } from './timeline/titles.js';
export { checkTimelineRefs, verifyTimeline, type VerifyResult, type Problem, type Invariant } from './timeline/verify.js';
export { renderTranscript, safe } from './timeline/transcript.js';

// Import: Claude Code and Codex session files in, once or following them as they grow.
export { importFiles, defaultSessionFiles, type Format as ImportFormat, type ImportSummary } from './import/index.js';
export { CLAUDE_CHECKPOINT_LABEL, type FileHistoryStats } from './import/index.js';
export { follow, sessionsRoot } from './import/follow.js';
export { claudeTimelineName } from './import/planClaude.js';
export { Lock } from './git/lock.js';
export {
  appendCaptureLog,
  applyEdit,
  captureFile,
  captureLog,
  importChanged,
  captureSetup,
  captureStatus,
  hookArgv,
  MAX_HOOK_INPUT,
  planInstall,
  planUninstall,
  runHook,
  runThen,
  type CaptureAgent,
  type CaptureResult,
  type ImportChangedSummary,
  type CaptureScope,
  type CaptureSetup,
  type SettingsEdit,
} from './capture/index.js';
export type { ImportWarning } from './formats/jsonl.js';
export { describeRecord, type RecordDescription } from './formats/describe.js';

// Export and resume: a timeline back out as an agent's session file, and handed to that agent.
export { exportTimeline, toJsonl, type ExportFormat } from './export/index.js';
export { prepareResume, shellQuote } from './export/resume.js';

// Sync: remotes, push, pull, clone (a diverged timeline is kept as a fork, never merged).
export { push } from './sync/push.js';
export {
  ALLOW_REF,
  addScanMarks,
  type AllowList,
  type Finding,
  findingLine,
  type Flagged,
  flagNew,
  parseAllowList,
  marksKey,
  readAllowList,
  readScanMarks,
  type Redacted,
  redactTimeline,
  scanOutgoing,
  scanTimeline,
  scanTimelines,
  secretsRefusal,
  type TimelineScan,
  UNREDACTED_PREFIX,
  waitingFindings,
  writeAllowList,
} from './secrets/index.js';
export { pull } from './sync/pull.js';
export { clone, defaultCloneDir } from './sync/clone.js';
export { fetchRemote } from './sync/fetch.js';
export type { SyncReport, TimelineResult } from './sync/types.js';
export { addRemote, listRemotes, normalizeUrl } from './sync/remotes.js';
export { redact, type Progress } from './sync/http.js';

// The agent: `run`, a loop whose only state is the log (model calls, tools in a workspace, recovery).
export {
  runAgent,
  TOOLS,
  APIS,
  DEFAULT_MAX_CONTEXT,
  foldContext,
  pendingCalls,
  type Api,
  type Approve,
  type RunOptions,
  type RunResult,
} from './agent/index.js';

// Reading: a timeline as turns (the prompt, the agent's steps, its answer), for every presenter.
export { readTurns } from './reading/turns.js';
export { lineDiff, patchSides, type DiffLine } from './reading/diff.js';
export { toolView } from './reading/toolViews.js';
export { resultOf } from './reading/results.js';
export type { Hidden, Prompt, Reading, Ref, SessionHeader, Step, ToolCall, ToolResult, ToolView, Turn } from './reading/types.js';

// Search: a derived full-text index across every timeline, brought up to date before each query.
export { search, parseQuery, updateIndex, type IndexProgress, type SearchHit, type SearchOptions, type SearchResult, type Snippet } from './search/index.js';

// Stats: events, turns, tool calls, the tokens the agents recorded and their cost (a dated price table).
export { storeStats, priceOf, PRICES, type Stats, type StatsBy, type StatsRow, type Usage } from './stats/index.js';

// Which store a folder uses: one rule for the CLI and the VS Code extension.
export { storeAbove, storesOf } from './store/discover.js';
export type { Answer, AnswerBlock, Block as AgentBlock, CallOptions, Conversation, ModelCall, StreamSink, ToolSpec } from './agent/index.js';

// The workspace: snapshots of the agent's folder as git trees carried beside events/ (I16),
// checkpoints, restore that never overwrites what the log never saw, and diffs between snapshots.
export {
  applyRestore,
  checkpoint,
  checkpointAt,
  checkpointTrees,
  diffTrees,
  forkFolder,
  planRestore,
  snapshot,
  syncFolder,
  workspaceAt,
  MAX_FILE_BYTES,
  type CheckpointAt,
  type CheckpointOptions,
  type CheckpointResult,
  type Overlay,
  type FileChange,
  type FolderSync,
  type PlannedChange,
  type RestorePlan,
  type RestoreResult,
} from './workspace/index.js';

// Status: the store, its remotes ahead/behind, capture, findings waiting (status/index.ts).
export {
  storeStatus,
  type StoreStatus,
  type RemoteStatus,
  type TimelineSync,
  type CaptureState,
  type Finding as StatusFinding,
  type FindingsProbe,
} from './status/index.js';
