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
};

}  // namespace stacklens::sqlite
