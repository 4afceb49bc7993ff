/**
 * Every error agentlog raises on purpose is an AgentlogError: a stable `code`, a message a person can
 * act on (what went wrong, where, what to do) and structured `data`. The CLI prints the message and
 * exits non-zero; anything else that escapes is a bug and is reported as one.
 */
export type ErrorCode =
  | 'E_CODEC' // bytes or values outside canonical DAG-CBOR
  | 'E_CID' // a CID that does not parse, or does not match its bytes
  | 'E_EVENT' // an event that breaks the event rules (missing keys, wrong types)
  | 'E_STORE' // no store here, or not a git repository
  | 'E_REF' // a bad timeline name, a missing timeline, a ref that exists already
  | 'E_MOVED' // the timeline moved: an append's condition (after, seq) no longer holds, or it kept moving under a writer
  | 'E_LOCK' // a lock (ref, config) held too long by another writer, or one that cannot be taken or written
  | 'E_OBJECT' // a git object missing, truncated or corrupt
  | 'E_IO' // the file system refused a write (disk full, file-size limit, I/O error, read-only, permissions): names the file and what to do
  | 'E_REV' // a REV that names nothing
  | 'E_INPUT' // bad user input (JSON lines, arguments)
  | 'E_VERIFY' // the store failed verification
  | 'E_REMOTE' // a remote that cannot be reached, is not a git server or not a store, or refuses us
  | 'E_PROTOCOL' // a remote answered something that is not the git protocol
  | 'E_CHAIN' // not appended because an append before it (same chain) failed
  | 'E_WORKSPACE' // a workspace folder holds changes the log does not know: restore and run refuse to overwrite them (--force, or a checkpoint first)
  | 'E_SECRET' // what would leave the machine (push, export) holds what looks like a secret: names each timeline, the finding (masked) and what to do
  | 'E_MODEL' // a model's service refused (401, a bad request), kept failing (429, 5xx, network) or answered outside its API
  | 'E_IO'; // a file of the store cannot be read or written (disk full, permissions, a file in the way)

export class AgentlogError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, data: Record<string, unknown> = {}) {
    super(message);
    this.name = 'AgentlogError';
    this.code = code;
    this.data = data;
  }
}

export function isAgentlogError(e: unknown): e is AgentlogError {
  return e instanceof AgentlogError;
}
