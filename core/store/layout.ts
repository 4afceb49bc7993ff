/**
 * The store's on-disk format and the invariants the code keeps, stated once. Code that enforces an
 * invariant cites its number (`I4`); `agentlog verify` (timeline/verify.ts) names the number that
 * broke. These are what the code does today, no more: where a rule is only a convention, it says so.
 * (Here, not in a FORMAT.md: the constants that define the format sit right below, and an editor's
 * "go to definition" of eventPath or TRAILER_EVENT lands on the rules that govern them.)
 *
 * The format
 *
 * I1  A store is an ordinary git repository (a working tree with `.git/`, or bare), readable and
 *     writable by the git CLI; `init` marks it with `agentlog.version = 1` in its config. agentlog
 *     reads and writes its objects and refs itself, without the git CLI.
 *
 * I2  Each timeline is one branch, `refs/heads/NAME`, with NAME a valid timeline name (timelineRef:
 *     git's rules for a ref name, no `@`, not `HEAD`). agentlog makes branches under refs/heads/ for
 *     timelines only, and one of the store's own: `agentlog@store` (storeBranch.ts; `@` keeps it
 *     from every timeline name), an empty tree's commit that HEAD names, so that a plain `git clone`
 *     of the store finds a HEAD; listing, verify, push and pull leave it out. A remote's tips go
 *     under `refs/remotes/REMOTE/`. A branch someone else made that is not a timeline is skipped by
 *     `ls` and reported by `verify`.
 *
 * I3  One commit per event, on a first-parent chain: the commit that appended event seq s has one
 *     parent, the commit that appended seq s-1; the genesis commit (seq 0) has none. A timeline's
 *     history is the first-parent chain of its tip (Store.history): n events, n commits, no merges.
 *
 * I4  A commit's root tree holds `events/` (and `workspace/`, I16; readers of events ignore it). Below
 *     it each event is a file `events/<seq / 1024>/<seq / 32 % 32>/<seq>.cbor` (eventPath: 6, 2 and
 *     9 zero-padded digits, so name order is seq order; files mode 100644, folders 40000), seq 0, 1,
 *     2, … without a gap and nothing else. The tree of the commit that appended seq s holds exactly
 *     events 0…s, each the same blob as in every later commit of the timeline: an append adds one
 *     file and rewrites only the folders on its path (the spine), never an older event.
 *     A pull or push adopts a remote's commit only when its root tree holds `events/` (and at most
 *     a `workspace/` folder, I16) and every folder and file on its path has the mode above
 *     (sync/check.ts timelineProblem).
 *
 * I5  The commit names its event: its message is a one-line summary of the event (with anything
 *     that looks like a credential masked: event/subject.ts, as a subject leaves with every push and
 *     shows on a git host's pages), a blank line, and
 *     the trailers `Agentlog-Event: <CID>` and `Agentlog-Seq: <seq>` of the event it appended (the
 *     last file of its tree). Author and committer are the event's actor (actorOf) `<slug@agentlog>`,
 *     the date is the event's ts in whole seconds (never before the epoch: git refuses those), zone
 *     +0000; so a commit id follows from its event and its parent alone. `verify` checks the
 *     trailers; author, date and subject are for people reading `git log` and are not checked.
 *
 * I6  An event file holds one event as canonical DAG-CBOR, decoded strictly: a non-canonical
 *     encoding is an error, not another event (a float holding a whole number in the 64-bit integer
 *     range, or a binary CID in a non-canonical form, is refused: encode writes those otherwise). Its CID is CIDv1, codec dag-cbor, multihash sha2-256
 *     of exactly those bytes. Git holds no CID beside the bytes but the trailer (I5), and a read from
 *     git computes it again from the bytes (the event cache, I14, keeps it behind a checksum).
 *
 * I7  Every event has `v` (a positive integer; the store writes 1), `kind` (a non-empty string),
 *     `seq`, `prev` and `ts` (an integer, milliseconds). `seq` is the event's position, 0, 1, 2, …;
 *     `prev` is null at seq 0 and the CID of event seq-1 after it, so the tip's CID (in the tip
 *     commit's trailer) pins the whole timeline. The store sets `v`, `seq` and `prev` itself, and
 *     `ts` from its clock when the caller gives none.
 *
 * I8  A session begins with `create`: a genesis event (seq 0) on a new branch. The session's id is
 *     that event's CID, and the timelines that share it are the session's timelines (forks of one
 *     another). By convention the genesis has kind `session` (`agentlog new`, the importers and the
 *     demo write one); the store does not check the kind and neither does `verify`.
 *
 * I16 The workspace travels in the commit tree (core/workspace/): a `checkpoint` event whose `tree`
 *     is a 40-hex git tree id names a snapshot of the agent's folder, written into the object
 *     database before the event is appended (I9: the append is refused, E_OBJECT, when that tree is
 *     not there). The root tree of that commit, and of every later commit of the timeline until the
 *     next such checkpoint, holds it as `workspace/` (mode 40000) beside `events/`; commits before
 *     the first checkpoint have none. So `git checkout` of any commit shows the files as they were
 *     then, the tip's root names the newest snapshot at no cost, and plain push, clone and fsck reach
 *     it as any tree. `verify` checks each commit's `workspace/` against the checkpoints before it.
 *
 * How it is written
 *
 * I9  Objects before refs, durable before published: every object a ref will name (the event's
 *     blob, the trees on its path, the root tree, the commit) is written before the ref moves, as
 *     one small pack or as loose objects, each visible only once whole: a loose object is written
 *     under a temporary name and renamed; a pack gets a `.keep` first, then its .pack, then its
 *     .idx under a temporary name renamed into place. Every write's byte count is checked (a short
 *     or failed write is an E_IO error naming the file; what the failed append wrote is removed and
 *     nothing was appended). A fetch installs its checked packs before it moves a ref. So a ref
 *     never names a missing object, and a kill at any instant leaves a readable store, at worst with
 *     objects nothing names (git gc removes them) or leftovers a later run sweeps (temporary files
 *     and agentlog's own .keep files whose writer's pid is gone on this host, or that are older than
 *     ten minutes).
 *     Under a power cut, per mode (`agentlog.fsync = true` or AGENTLOG_FSYNC=1 is durable mode):
 *     - default mode, as git's default: a pack's .pack and .idx are fsynced before the ref moves
 *       (so are packs received by pull and clone, and a compaction's merged pack before it deletes
 *       what it merged); loose objects and refs are not fsynced, and folders are not: the store
 *       relies on the file system committing renames in order (ext4, xfs, btrfs and APFS do). A
 *       power cut can lose the last appends, never leave a ref naming a pack that lost its bytes.
 *     - durable mode: also every loose object, every ref (its lock, before the rename), and the
 *       folder after each rename that must survive (a pack's .idx, a loose object, the ref an
 *       append or a new session moves), so an acknowledged append survives a power cut on any POSIX
 *       file system. The lock protocol fsyncs the folder after every rename of a lock into place
 *       (every ref move, forks.json, config: git/lock.ts), and a fetch fsyncs the pack folder after
 *       installing a pull's packs, before any ref names them (sync/fetch.ts).
 *     A pack of the same name already there is trusted only when its checksum checks.
 *     What this guarantees, checked state by state (test/hostile/crash-states.test.ts, a crash-state
 *     explorer after ALICE: the file operations of an append, a new session, a fork, a compaction
 *     and a pull are recorded, and every state a power cut could leave is built): the store opens,
 *     every ref holds its value from before the operation or from after it (never a third, never one
 *     naming a missing object), every timeline reads back its events and verifies, `git fsck` is
 *     clean. Durable mode under the POSIX model (data not fsynced lost, partly kept or torn; entries
 *     of a folder not fsynced lost, each folder on its own): no broken state, and once the operation
 *     returned, it is in every state. Default mode under the ordered model it relies on (entries
 *     reach the disk in order; a file renamed into place carries its bytes): no broken state, the
 *     last operation possibly lost. The default mode under the POSIX model does break (a ref's
 *     rename kept, its pack's .idx rename not): that is what durable mode is for.
 *     Under I/O faults (test/hostile/fault-injection*.test.ts: EIO or ENOSPC at any file call of an
 *     append, a fork, a compaction or a pull, a short write at any write): the store stays whole and
 *     the operation is done, or refused with an E_IO (E_LOCK for a lock) naming the file; a short
 *     write is continued where it stopped. A read the disk fails is an E_IO error too, never a
 *     finding: verify does not report it as a broken invariant, nor does a pull skip a remote
 *     timeline for it. A received pack is streamed to disk and indexed from there (sync/limits.ts).
 *     A pack stays kept (its `.keep`) from before its .pack is written until the ref naming it has
 *     moved (or the move was given up), so a concurrent `git repack -a -d` or `git gc` never deletes
 *     a fresh append's pack; the store's compaction never merges or deletes a kept pack, whoever
 *     kept it. Compaction runs only in a gc (gc.ts: `agentlog gc`, or the automatic one a command
 *     starts once its own work is acknowledged), one at a time under `agentlog/gc.lock`, never inside
 *     an append.
 *
 * I10 A ref moves only by compare-and-swap under git's lock protocol (git/lock.ts): `<ref>.lock`
 *     created exclusively, the ref's value checked while it is held, the new value written into a
 *     file of the holder's own, renamed over the ref, then the lock removed (a delete removes the packed-refs line, then the loose
 *     file, under the same lock). A writer that loses the race builds its events again on the new tip
 *     (new seq and prev) and tries again, and an append is acknowledged only once its commit is
 *     reachable from the branch: concurrent writers, agentlog or git, never lose an acknowledged
 *     event. An append with a condition (`after`, `seq`) that no longer holds is refused (E_MOVED).
 *     Two writers never hold one lock: a lock is born holding its owner's record (pid, host, boot
 *     id, process start time: written into the owner's own file, then hard-linked to the lock's
 *     name, so a kill at any instant never leaves an ownerless lock of ours) and is never broken because of its age — a holder may stall for any time, and
 *     breaking its lock would let it rename over the other writer's ref when it wakes — only when
 *     its owner is provably gone (same host, and a reboot since, no such pid, or a pid reused);
 *     breakers take turns under `<ref>~break.lock` and remove the lock only if it is still the one
 *     judged, so a newer lock is never removed; a holder whose lock was taken renames nothing. A lock of unknown owner (git's) is
 *     never removed automatically: the error names it and says to remove it if no writer runs.
 *     Refs are read strictly: an empty ref, one that is not a commit id, a symbolic link, or a
 *     symbolic ref that leaves refs/ or runs more than 5 deep is an E_REF error naming it (verify
 *     reports it as an I10 problem), and nothing of its content is quoted. A symbolic ref (a
 *     `git symbolic-ref` alias) is listed with its target's commit but never moved through: an
 *     append to it is refused, naming the target (moving the alias would split it into a branch of
 *     its own, and writing through would move the target under the alias's lock, not its own).
 *
 * I11 A timeline only grows: agentlog moves a timeline's branch to a descendant of its tip (an
 *     append, a fast-forwarding pull), or, when a pull finds it diverged, to the remote's version
 *     after keeping the local tip on a fork branch. It never deletes a branch under refs/heads/ (except a fork it made and rolled back at once, I13) (only
 *     the remote-tracking ref of a timeline the remote no longer has), unless a person asks:
 *     `agentlog delete` and `rename` (deleteTimeline.ts, rename.ts) first write the tip to the
 *     branch's reflog (`logs/refs/heads/NAME`, under the ref's lock), which git gc honours and
 *     `agentlog undelete` reads back. A framework's own delete is such a request too: LangGraph's
 *     `deleteThread` and the Claude Agent SDK's `SessionStore.delete` (packages/) delete their
 *     timelines' branches by compare-and-swap.
 *     A redaction (core/secrets/redact.ts, `agentlog redact`) is the one change that is not growth:
 *     the branch moves, by compare-and-swap from the tip that was scanned, to a copy rewritten from
 *     the first event holding a secret, each rewritten event linking the CID it replaces
 *     (`replaces`); the original tip is first kept as `refs/agentlog/unredacted/NAME` (not a branch:
 *     push never sends it).
 *
 * I12 Appends never touch the working tree or the index; they are only for looking (`git checkout`
 *     of any commit lays out the log as it was). The detach-HEAD rule: every HEAD attached to a ref
 *     about to move from `expected` — the main worktree's and each linked worktree's
 *     (`worktrees/<id>/HEAD`) — is first detached (under its HEAD.lock, checked again while held) at
 *     the commit that worktree has checked out, so its working tree stays clean ("HEAD detached at
 *     …") and `git checkout NAME` catches up. What is checked out is the commit its HEAD reflog last
 *     moved to (git logs every checkout; agentlog's branch moves are not logged) when that is an
 *     earlier commit of the timeline — a `git checkout` that raced an append — else `expected`.
 *     A checkout landing between that check and the move can still leave one append's window dirty;
 *     the next append detaches HEAD at what is really checked out. Read
 *     commands without a REV use HEAD only when someone checked it out (timeline/rev.ts).
 *
 * Files beside git's, under `<git dir>/agentlog/`
 *
 * I13 `forks.json` records which timeline each fork agentlog made (fork, import, pull, the extension)
 *     left: `{ "<fork>": "<timeline>" }`, rewritten whole under the lock protocol so two forks made
 *     at once both keep their record. It is a hint for `ls` and `resume`: an unreadable file counts
 *     as none, a store cloned with plain git has none, and `ls` then reads the commit graph instead.
 *     A fork is atomic: when its record cannot be written, its new branch is deleted again (by
 *     compare-and-swap from the commit it was made at: the one deletion under refs/heads/ agentlog
 *     makes, of a branch it made a moment before) and the error names forks.json. New timelines
 *     never take a name that looks like a commit id (4–40 hex digits) or an event CID, which REV
 *     resolution would otherwise read as the timeline (refs.ts newTimelineRef).
 *
 * I14 The event cache (`cache/<commit>.events`, eventCache.ts) is derived: a read trusts a file only
 *     behind its CRC-32 and when its events' prev links chain up to the commit's Agentlog-Event
 *     trailer; `verify` never reads it. Beside it, `cache/<commit>.text` keeps a text made from
 *     those events (what `log` printed), behind a CRC-32 and served only for the key it was made for. Deleting it is always safe; it is never needed for correctness.
 *     It is written through `<commit>.events.<pid>.tmp` (or `.text.<pid>.tmp`; checked writes) and a rename; a temporary
 *     file whose pid is gone on this host, or older than ten minutes, is removed at the next write.
 *     So are the commit index (`commits.idx`, commitIndex.ts: every commit on a timeline with its
 *     event's CID and seq, for short ids), the summary index (`summaries.json`, summaryIndex.ts: what `ls` shows of each tip,
 *     keyed by commit id) and the verify marks (`verified.json`, verifyMarks.ts: the last commit
 *     of each timeline `verify` found sound): behind a CRC-32, written whole through a temporary
 *     file and a rename, ignored when damaged, never authoritative (`verify --full` uses no mark).
 *
 * In memory
 *
 * I15 Commits and objects never change, refs do: what is keyed by a commit or object id is
 *     remembered freely (commitInfo, eventBlobs), what is keyed by a ref name is checked against the
 *     ref first (a remembered tip is used only while the branch still points at its commit).
 */

/** The fan-out under `events/` (I4): DIR_LEVELS levels of folders, FANOUT entries in each folder below the top. */
export const FANOUT = 32;
export const DIR_LEVELS = 2;
export const EVENTS_DIR = 'events';
/** The folder of the root tree that holds the newest checkpoint's snapshot (I16). */
export const WORKSPACE_DIR = 'workspace';

/** The snapshot a `checkpoint` event names (I16): its `tree` when that is a git tree id, else undefined. */
export function checkpointTree(event: { kind: string; [key: string]: unknown }): string | undefined {
  return event.kind === 'checkpoint' && typeof event.tree === 'string' && /^[0-9a-f]{40}$/.test(event.tree) ? event.tree : undefined;
}
/** Where a redaction keeps each original timeline's tip (I11's exception; core/secrets/redact.ts): not a branch, never pushed. */
export const UNREDACTED_PREFIX = 'refs/agentlog/unredacted/';
/** The trailers that name a commit's event (I5). */
export const TRAILER_EVENT = 'Agentlog-Event';
export const TRAILER_SEQ = 'Agentlog-Seq';
/** git's modes for a file and a folder, as tree entries spell them. */
export const FILE_MODE = '100644';
export const DIR_MODE = '40000';

/**
 * The path of event `seq` below `events/` (I4): DIR_LEVELS folder names, then the file name:
 * `events/<seq / 1024>/<seq / 32 % 32>/<seq>.cbor`. An append rewrites one leaf (≤ 32 entries), one
 * middle folder, `events/` and the root: small trees, because the trees an append rewrites cost more
 * bytes than the event itself when they are large.
 */
export function eventPath(seq: number): string[] {
  const out: string[] = [];
  for (let level = 0; level < DIR_LEVELS; level++) {
    const span = FANOUT ** (DIR_LEVELS - level);
    out.push(level === 0 ? String(Math.floor(seq / span)).padStart(6, '0') : String(Math.floor(seq / span) % FANOUT).padStart(2, '0'));
  }
  out.push(`${String(seq).padStart(9, '0')}.cbor`);
  return out;
}
