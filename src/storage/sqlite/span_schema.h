#pragma once
// spans.db schema, as migrations applied in order (PRAGMA user_version counts them).
#include <string_view>
#include <vector>

namespace stacklens::sqlite {

inline const std::vector<std::string_view> kSpanMigrations = {
    R"sql(
CREATE TABLE spans(
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL,
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  parent_span_id TEXT,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  start_us INTEGER NOT NULL,
  end_us INTEGER NOT NULL,
  model TEXT, provider TEXT,
  input_tokens INTEGER, output_tokens INTEGER, total_tokens INTEGER, cost_usd REAL,
  temperature REAL, max_tokens INTEGER, is_streaming INTEGER, finish_reason TEXT,
  prompt BLOB, prompt_key INTEGER, completion BLOB, completion_key INTEGER,
  attributes TEXT NOT NULL,
  tags TEXT NOT NULL,
  UNIQUE(project_id, trace_id, span_id)
);
CREATE INDEX spans_time ON spans(project_id, start_us);
CREATE TABLE traces(
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL,
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
  UNIQUE(project_id, trace_id)
);
CREATE INDEX traces_time ON traces(project_id, start_us, id);
CREATE TABLE span_tags(project_id INTEGER NOT NULL, trace_id TEXT NOT NULL, tag TEXT NOT NULL);
CREATE INDEX span_tags_lookup ON span_tags(project_id, tag, trace_id);
CREATE TABLE span_attrs(project_id INTEGER NOT NULL, trace_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL);
CREATE INDEX span_attrs_lookup ON span_attrs(project_id, key, value, trace_id);
)sql",
    // 2: span events (OpenTelemetry), a JSON array of {name, time_us, attributes}.
    R"sql(
ALTER TABLE spans ADD COLUMN events TEXT NOT NULL DEFAULT '[]';
)sql",
    // 3: built for ingest speed. Traces and spans are found by 64-bit keys of
    // their ids (sl_key, registered by the store) in one unique index that both
    // deduplicates and serves trace lookups; tag and attribute filters read the
    // span's JSON columns instead of per-value index rows; dashboards read
    // per-minute and per-hour rollups kept at ingest time (filled by the store
    // for data that predates them, see rollup_state).
    R"sql(
CREATE TABLE span_rows(
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL,
  trace_key INTEGER NOT NULL,
  span_key INTEGER NOT NULL,
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  parent_span_id TEXT,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  start_us INTEGER NOT NULL,
  end_us INTEGER NOT NULL,
  model TEXT, provider TEXT,
  input_tokens INTEGER, output_tokens INTEGER, total_tokens INTEGER, cost_usd REAL,
  temperature REAL, max_tokens INTEGER, is_streaming INTEGER, finish_reason TEXT,
  prompt BLOB, prompt_key INTEGER, completion BLOB, completion_key INTEGER,
  attributes TEXT NOT NULL,
  tags TEXT NOT NULL,
  events TEXT NOT NULL);
INSERT INTO span_rows SELECT id, project_id, sl_key(trace_id), sl_key(span_id), trace_id, span_id, parent_span_id,
  name, kind, status, start_us, end_us, model, provider, input_tokens, output_tokens, total_tokens, cost_usd,
  temperature, max_tokens, is_streaming, finish_reason, prompt, prompt_key, completion, completion_key,
  attributes, tags, events FROM spans;
DROP TABLE spans;
DROP TABLE span_tags;
DROP TABLE span_attrs;
ALTER TABLE span_rows RENAME TO spans;
CREATE UNIQUE INDEX span_identity ON spans(project_id, trace_key, span_key);
CREATE INDEX span_time ON spans(project_id, start_us);
CREATE TABLE trace_rows(
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL,
  trace_key INTEGER NOT NULL,
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
  cost_usd REAL NOT NULL);
INSERT INTO trace_rows SELECT id, project_id, sl_key(trace_id), trace_id, name, has_root, start_us, end_us, errors,
  span_count, input_tokens, output_tokens, total_tokens, cost_usd FROM traces;
DROP TABLE traces;
ALTER TABLE trace_rows RENAME TO traces;
CREATE UNIQUE INDEX trace_identity ON traces(project_id, trace_key);
CREATE INDEX trace_time ON traces(project_id, start_us, id);
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
CREATE TABLE rollup_state(rebuilt INTEGER NOT NULL);
INSERT INTO rollup_state VALUES(0);
)sql",
    // 4: each trace keeps its spans' attributes and tags (the spans' JSON, concatenated),
    // so attribute and tag filters test one row per trace instead of joining its spans.
    R"sql(
ALTER TABLE traces ADD COLUMN attributes TEXT NOT NULL DEFAULT '';
ALTER TABLE traces ADD COLUMN tags TEXT NOT NULL DEFAULT '';
UPDATE traces SET
  attributes = coalesce((SELECT group_concat(s.attributes, '') FROM spans s
                         WHERE s.project_id = traces.project_id AND s.trace_key = traces.trace_key), ''),
  tags = coalesce((SELECT group_concat(s.tags, '') FROM spans s
                   WHERE s.project_id = traces.project_id AND s.trace_key = traces.trace_key), '');
)sql",
    // 5: a span points at its trace's row (trace_row) and is unique within it. Trace rows are
    // numbered in arrival order and a trace's spans arrive close together, so new index entries
    // land at the end of span_in_trace instead of at a random page of span_identity (a random
    // 64-bit key per span): one random index per trace (trace_identity) instead of two per span.
    // span_time goes too: no query reads spans by time (lists read traces, dashboards rollups).
    R"sql(
ALTER TABLE spans ADD COLUMN trace_row INTEGER NOT NULL DEFAULT 0;
UPDATE spans SET trace_row = (SELECT t.id FROM traces t
                              WHERE t.project_id = spans.project_id AND t.trace_key = spans.trace_key);
DROP INDEX span_identity;
DROP INDEX span_time;
CREATE UNIQUE INDEX span_in_trace ON spans(trace_row, span_key);
)sql",
    // 6: rollups are merged into the table about once a second rather than at every commit;
    // through_id is the last span id they include (spans above it are summed again on start),
    // generation counts the merges (readers use it to add the unmerged sums exactly once).
    R"sql(
ALTER TABLE rollup_state ADD COLUMN through_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_state ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
UPDATE rollup_state SET through_id = CASE WHEN rebuilt = 1 THEN (SELECT coalesce(max(id), 0) FROM spans) ELSE 0 END;
)sql",
    // 7: a trace's row is found through trace_keys, filled in sorted slices from the traces
    // kept in memory since (see trace_identities.h), instead of a unique index on traces that
    // every new trace wrote at a random page. keyed_through: every trace row up to it is in
    // trace_keys.
    R"sql(
CREATE TABLE trace_keys(
  project_id INTEGER NOT NULL,
  trace_key INTEGER NOT NULL,
  trace_row INTEGER NOT NULL,
  PRIMARY KEY(project_id, trace_key)) WITHOUT ROWID;
INSERT INTO trace_keys SELECT project_id, trace_key, id FROM traces;
DROP INDEX trace_identity;
CREATE TABLE ingest_state(keyed_through INTEGER NOT NULL);
INSERT INTO ingest_state SELECT coalesce(max(id), 0) FROM traces;
)sql",
    // 8: prompt and completion text of batched spans go to spans.text (see text_log.h): the
    // sealed prompt at text_at, its completion right after it. Other spans, and those stored
    // before, keep theirs in the prompt and completion columns. text_end: the end of the text
    // that committed rows point at (spans.text must be at least that long).
    R"sql(
ALTER TABLE spans ADD COLUMN text_at INTEGER;
ALTER TABLE spans ADD COLUMN prompt_len INTEGER;
ALTER TABLE spans ADD COLUMN completion_len INTEGER;
ALTER TABLE ingest_state ADD COLUMN text_end INTEGER NOT NULL DEFAULT 0;
)sql",
    // 9: a span's attributes JSON is stored once, in its trace row: traces.attributes is its
    // spans' JSON concatenated in span id order, and attributes_len is this span's length
    // there (its offset is the sum over the trace's earlier spans). Spans stored before keep
    // theirs in spans.attributes (attributes_len NULL), which is also what their trace row
    // holds for them; new rows leave spans.attributes empty.
    R"sql(
ALTER TABLE spans ADD COLUMN attributes_len INTEGER;
)sql",
    // 10: a span row keeps in columns only what SQL reads (trace_row, span_key, name, model,
    // provider, tags) and its ids; the rest is one blob (see span_row.h), as the writer's cost
    // per row grows with its columns. New rows leave the other columns empty ('', 0, NULL) and
    // trace_key 0; rows stored before keep them (packed NULL).
    R"sql(
ALTER TABLE spans ADD COLUMN packed BLOB;
)sql",
};

}  // namespace stacklens::sqlite
