// core/search/ owns full-text search across every timeline of a store: a derived index beside the
// event cache, in `.git/agentlog/search/` (I14: rebuildable, never needed for correctness, deleted or
// damaged → rebuilt), over what was said, thought, given to tools and answered by them, and the files
// a tool touched (documents.ts, read with core/reading's tool views; words.ts cuts them up). The
// index is one SQLite database with an FTS5 table (indexDb.ts: a term dictionary with each word's
// postings in b-tree pages, so a query reads the pages of its words, not the index), brought up to
// date before each search, incrementally (update.ts): a timeline that grew has only its new events
// indexed, a fork only the events after those it shares; a timeline replaced or gone loses its
// documents. query.ts ranks (BM25), filters and makes each hit's snippet (snippet.ts) from the event
// read back from the store.

export { search, parseQuery, type SearchHit, type SearchOptions, type SearchResult } from './query.js';
export { updateIndex, type IndexProgress, type UpdateResult } from './update.js';
export type { Snippet } from './snippet.js';
