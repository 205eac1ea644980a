#pragma once
// Every statement the ClickHouse span store sends, built here and nowhere else, from SQL that
// both ClickHouse 18.16 (Debian's) and current releases accept (tests/server/test_clickhouse_statements.py
// runs each against both, through build/ch_statements). Values are quoted literals (ch_text.h):
// 18.16 has no query parameters.
//
// One table holds the spans: ReplacingMergeTree keyed on (project, trace, span), so a span
// stored twice (a client's retry through another node is another insert block) becomes one row
// when parts merge, and every read goes through FINAL, which merges the copies not merged yet.
// The copy kept is the one with the highest `version`: 2^63 minus its arrival order, so the
// first copy wins as on SQLite, and a span stored again by a cost recomputation (version + 1)
// replaces it.
// Partitioned by the day of the span's start, so retention drops whole days.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/query.h"
#include "model/score.h"

namespace stacklens::clickhouse::sql {

// The database and, on a cluster, the cluster the tables are created on (ON CLUSTER) and
// replicated across (ReplicatedReplacingMergeTree, each host's {shard} and {replica} macros).
struct Target {
  std::string database;
  std::string cluster;
};

// The schema this binary writes and reads; a database at a newer version is refused.
inline constexpr int kSchemaVersion = 1;

std::string create_database(const Target& t);
std::string create_version_table(const Target& t);
std::string read_version(const Target& t);
std::string record_version(const Target& t, int version, int64_t now_us);
// The statements of each schema version, in order (index 0: version 1). Each is idempotent
// (IF NOT EXISTS), so nodes that start together may run them side by side.
std::vector<std::vector<std::string>> migrations(const Target& t);

// The columns of a span row, in the order span rows are encoded (ch_span_row.h) and read.
inline constexpr const char* kSpanColumns =
    "project_id, trace_id, span_id, parent_span_id, has_parent, name, kind, status, start_us, end_us, latency_bucket, "
    "is_llm, model, provider, input_tokens, output_tokens, total_tokens, cost_usd, cost_source, "
    "temperature, max_tokens, is_streaming, finish_reason, cache_read_tokens, cache_write_tokens, reasoning_tokens, "
    "attributes, tags, events, session_id, user_id, prompt, prompt_key, completion, completion_key, version";
inline constexpr int kSpanColumnCount = 36;
inline constexpr int kSpanIdColumn = 2;

std::string insert_spans(const Target& t);  // rows: TabSeparated
std::string trace_spans(const Target& t, int64_t project_id, const std::string& trace_id);
// The spans of these traces (an export's page), every stored copy as in trace_spans, by trace,
// then as trace_spans; without text, none is sent (its keys -1: no text).
std::string traces_spans(const Target& t, int64_t project_id, const std::vector<std::string>& trace_ids, bool with_text);
std::string count_spans(const Target& t);
std::string ping();
std::string replica_state(const Target& t);  // on a cluster: is this replica read-only

// The trace list: one row per trace (the columns of TraceRow in ch_span_store_readers.cpp), at
// most filter.limit + 1 of them. `after`: the cursor's (start, trace id).
// Sorted by a score (filter.sort_score), traces without it are left out and pages go by
// `offset`.
std::string trace_page(const Target& t, int64_t project_id, const TraceFilter& filter,
                       const std::optional<std::pair<int64_t, std::string>>& after, int64_t offset = 0);
// Sessions and users: their sums over the traces that started in the period, one page.
std::string session_page(const Target& t, int64_t project_id, const PeriodListQuery& q);
std::string user_page(const Target& t, int64_t project_id, const PeriodListQuery& q);
// Metrics: per rollup bucket (a minute, or an hour when the interval is whole hours), group and
// latency bucket, the sums of the spans that started in [from_s, to_s).
std::string metrics(const Target& t, int64_t project_id, const MetricsQuery& q, int64_t level, int64_t from_s,
                    int64_t to_s);

// Scores (ch_score_store.h): one row per (project, id) in a ReplacingMergeTree by `version`; an
// edit or a removal (deleted = 1) is a newer row, reads go through FINAL and skip removed ones.
inline constexpr const char* kScoreColumns =
    "id, trace_id, span_id, name, data_type, number, category, comment, source, author, created_us, updated_us";
inline constexpr int kScoreColumnCount = 12;
std::string insert_scores(const Target& t);  // rows: kScoreColumns, then project_id, deleted, version
std::string score_by_id(const Target& t, int64_t project_id, const std::string& id);
// `after`: the cursor's (created_us, id).
std::string score_page(const Target& t, int64_t project_id, const ScoreFilter& f,
                       const std::optional<std::pair<int64_t, std::string>>& after);
std::string scores_of_trace(const Target& t, int64_t project_id, const std::string& trace_id);
// Per bucket of the interval and category (NULL for numeric and boolean): count and average.
std::string score_summary(const Target& t, int64_t project_id, const ScoreSummaryQuery& q);

// Recomputing costs: the spans of the project's traces that started in [from, to), counted, and
// read a page at a time in key order after `after` (trace id, span id).
std::string period_span_count(const Target& t, int64_t project_id, int64_t from_us, int64_t to_us);
std::string period_span_page(const Target& t, int64_t project_id, int64_t from_us, int64_t to_us,
                             const std::pair<std::string, std::string>& after, int limit);

// Retention: the project's span rows that began before `before_us` (counted first: no mutation
// is asked for when there is nothing to remove), removed, with its scores given before then;
// and the mutations of the database still running (one pass waits for the last to finish).
std::string expired_span_count(const Target& t, int64_t project_id, int64_t before_us);
std::string expire_spans(const Target& t, int64_t project_id, int64_t before_us);
std::string expire_scores(const Target& t, int64_t project_id, int64_t before_us);
std::string running_mutations(const Target& t);

// Every span and every score in key order, a page at a time (`stacklens migrate` reads a store
// through these to compare it with its source): the project's spans after (trace id, span id),
// the first project with spans after a project, and the scores after (project, score id).
// A page is read within one key range (up to `before`, empty: to the end), so that each read is
// bounded: the ranges begin at the trace ids sampled one in `every` by their hash (about a page
// of spans each), after the project's spans and traces are counted.
std::string span_dump_page(const Target& t, int64_t project_id, const std::pair<std::string, std::string>& after,
                           const std::string& before, int limit);
std::string project_span_count(const Target& t, int64_t project_id);
std::string span_dump_ranges(const Target& t, int64_t project_id, int64_t every);
std::string next_span_project(const Target& t, int64_t after_project);
std::string score_dump_page(const Target& t, const std::pair<int64_t, std::string>& after, int limit);

// Every statement above with example arguments, every option on, for the statement test.
struct Sample {
  std::string name;
  std::string sql;
  std::string rows;  // for an insert: its TabSeparated data
};
std::vector<Sample> samples(const Target& t);

}  // namespace stacklens::clickhouse::sql
