#pragma once
// spans.db schema, as migrations applied in order (PRAGMA user_version counts them). The
// first is the baseline; later changes are added as migrations after it.
#include <string_view>
#include <vector>

namespace stacklens::sqlite {

inline const std::vector<std::string_view> kSpanMigrations = {
    // A span is one row, appended, that points at its trace's row (trace_row) and is unique
    // within it (span_in_trace): trace rows are numbered in arrival order and a trace's spans
    // arrive close together, so new index entries land at the end of the index instead of at
    // random pages. Its columns are only what SQL reads (the list filters' name, model and
    // provider, tags for the list's facets) and its ids; the rest is packed into one blob on
    // the request thread (span_row.h), as the writer's cost per row grows with its columns.
    // A span's sealed text is in `packed` or in spans.text (text_log.h), and its attributes'
    // JSON in its trace's row.
    //
    // A trace row sums its spans and keeps their attributes and tags (their JSON, concatenated
    // in span id order), so the list's filters test one row per trace. It is found through
    // trace_keys, filled in sorted slices from the traces kept in memory since
    // (trace_identities.h); keyed_through: every trace row up to it is in trace_keys.
    // text_end: the end of the text that committed rows point at (spans.text must be at least
    // that long).
    //
    // Dashboards read per-minute and per-hour rollups, merged about once a second
    // (rollup_state.h): through_id is the last span id they include (spans above it are
    // summed again on start), generation counts the merges (readers use it to add the
    // unmerged sums exactly once).
    R"sql(
CREATE TABLE spans(
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL,
  trace_row INTEGER NOT NULL,
  span_key INTEGER NOT NULL,   -- id_key(span_id), span_codec.h
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  name TEXT NOT NULL,
  model TEXT,                  -- model and provider: NULL for a span without LLM data
  provider TEXT,
  tags TEXT NOT NULL,          -- JSON array
  packed BLOB NOT NULL);
CREATE UNIQUE INDEX span_in_trace ON spans(trace_row, span_key);
CREATE TABLE traces(
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL,
  trace_key INTEGER NOT NULL,  -- id_key(trace_id)
  trace_id TEXT NOT NULL,
  name TEXT NOT NULL,
  has_root INTEGER NOT NULL,
  start_us INTEGER NOT NULL,
  end_us INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  span_count INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  total_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  attributes TEXT NOT NULL,
  tags TEXT NOT NULL);
CREATE INDEX trace_time ON traces(project_id, start_us, id);
CREATE TABLE trace_keys(
  project_id INTEGER NOT NULL,
  trace_key INTEGER NOT NULL,
  trace_row INTEGER NOT NULL,
  PRIMARY KEY(project_id, trace_key)) WITHOUT ROWID;
CREATE TABLE ingest_state(keyed_through INTEGER NOT NULL, text_end INTEGER NOT NULL);
INSERT INTO ingest_state VALUES(0, 0);
CREATE TABLE rollups(
  project_id INTEGER NOT NULL,
  level INTEGER NOT NULL,      -- bucket width in seconds: 60 or 3600
  dim INTEGER NOT NULL,        -- 0 all spans, 1 model, 2 provider, 3 operation name
  bucket INTEGER NOT NULL,     -- bucket start, seconds since the epoch
  grp TEXT NOT NULL,
  llm INTEGER NOT NULL,        -- 1: spans with LLM data
  requests INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  latency BLOB NOT NULL,       -- LatencyHistogram, encoded
  PRIMARY KEY(project_id, level, dim, bucket, grp, llm)) WITHOUT ROWID;
CREATE TABLE rollup_state(through_id INTEGER NOT NULL, generation INTEGER NOT NULL);
INSERT INTO rollup_state VALUES(0, 0);
)sql",
    // A trace's session and user: the first non-empty ids its spans carry (batch_prepare.cpp).
    // Partial indexes, so traces without them cost nothing. By session or user (a session's
    // traces, the trace list's filters, one session's or user's sums), and by time (the
    // sessions and users of a period), each covering what the sessions and users lists read,
    // so the lists read no trace row (session_list_reader.cpp).
    R"sql(
ALTER TABLE traces ADD COLUMN session_id TEXT;
ALTER TABLE traces ADD COLUMN user_id TEXT;
CREATE INDEX trace_session ON traces(project_id, session_id, start_us, user_id, errors, total_tokens, cost_usd)
  WHERE session_id IS NOT NULL;
CREATE INDEX trace_user ON traces(project_id, user_id, start_us, session_id, errors, total_tokens, cost_usd)
  WHERE user_id IS NOT NULL;
CREATE INDEX session_time ON traces(project_id, start_us, session_id, user_id, errors, total_tokens, cost_usd)
  WHERE session_id IS NOT NULL;
CREATE INDEX user_time ON traces(project_id, start_us, user_id, session_id, errors, total_tokens, cost_usd)
  WHERE user_id IS NOT NULL;
)sql",
    // Scores of traces and spans (sqlite_score_store.h), written on a connection of their own:
    // a score is one small row, unique per (project, id); the trace list filters and sorts by
    // them through score_trace.
    R"sql(
CREATE TABLE scores(
  row INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL,
  id TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  span_id TEXT,
  name TEXT NOT NULL,
  data_type TEXT NOT NULL,     -- numeric, categorical, boolean
  number REAL,                 -- numeric value, or a boolean as 0/1; NULL for categorical
  category TEXT,               -- categorical value
  comment TEXT,
  source TEXT NOT NULL,
  author TEXT,
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL);
CREATE UNIQUE INDEX score_id ON scores(project_id, id);
CREATE INDEX score_trace ON scores(project_id, trace_id, name);
CREATE INDEX score_name_time ON scores(project_id, name, created_us);
CREATE INDEX score_time ON scores(project_id, created_us);
)sql",
    // Spans with tokens the price table could not price (CostSource::unpriced): counted per
    // trace (the trace list's unpriced filter) and, with their tokens, per rollup.
    R"sql(
ALTER TABLE traces ADD COLUMN unpriced_spans INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollups ADD COLUMN unpriced_spans INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollups ADD COLUMN unpriced_tokens INTEGER NOT NULL DEFAULT 0;
)sql",
    // Sessions' and users' traces in id_traces instead of the indexes keyed by session and by
    // user (each new trace took a random page of each): entries of recent traces are kept in
    // memory and merged in sorted slices (id_traces.h), keyed by the id's 64-bit key
    // (sl_id_key, span_codec.h's id_key) and covering what the lists sum; `other` is the
    // trace's user of a session's entry, its session of a user's. ids_through: every entry of
    // a trace row up to it is in id_traces. The trigger keeps a merged entry equal to its
    // trace row.
    R"sql(
DROP INDEX trace_session;
DROP INDEX trace_user;
CREATE TABLE id_traces(
  project_id INTEGER NOT NULL,
  kind INTEGER NOT NULL,       -- 0 session, 1 user
  id_key INTEGER NOT NULL,
  trace_row INTEGER NOT NULL,
  id TEXT NOT NULL,
  other TEXT,
  start_us INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  total_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  PRIMARY KEY(project_id, kind, id_key, trace_row)) WITHOUT ROWID;
INSERT INTO id_traces
  SELECT project_id, 0, sl_id_key(session_id), id, session_id, user_id, start_us, errors, total_tokens, cost_usd
  FROM traces WHERE session_id IS NOT NULL
  UNION ALL
  SELECT project_id, 1, sl_id_key(user_id), id, user_id, session_id, start_us, errors, total_tokens, cost_usd
  FROM traces WHERE user_id IS NOT NULL
  ORDER BY 1, 2, 3, 4;
ALTER TABLE ingest_state ADD COLUMN ids_through INTEGER NOT NULL DEFAULT 0;
UPDATE ingest_state SET ids_through = (SELECT coalesce(max(id), 0) FROM traces);
CREATE TRIGGER id_traces_follow AFTER UPDATE OF start_us, errors, total_tokens, cost_usd, session_id, user_id
  ON traces WHEN new.session_id IS NOT NULL OR new.user_id IS NOT NULL
BEGIN
  UPDATE id_traces SET other = new.user_id, start_us = new.start_us, errors = new.errors,
      total_tokens = new.total_tokens, cost_usd = new.cost_usd
    WHERE new.session_id IS NOT NULL AND project_id = new.project_id AND kind = 0
      AND id_key = sl_id_key(new.session_id) AND trace_row = new.id;
  UPDATE id_traces SET other = new.session_id, start_us = new.start_us, errors = new.errors,
      total_tokens = new.total_tokens, cost_usd = new.cost_usd
    WHERE new.user_id IS NOT NULL AND project_id = new.project_id AND kind = 1
      AND id_key = sl_id_key(new.user_id) AND trace_row = new.id;
END;
)sql",
};

}  // namespace stacklens::sqlite
