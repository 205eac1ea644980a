#pragma once
// What the query API asks of a SpanStore and what comes back.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/span.h"

namespace stacklens {

// `score=accuracy>0.8` on the trace list: a score of the trace (or of one of its spans) named
// `name` whose numeric value compares so, or (op "=") whose value is `text` (categorical, or
// true/false for booleans).
struct ScoreCondition {
  std::string name;
  std::string op;  // ">", ">=", "<", "<=", "=", "!="
  std::optional<double> number;
  std::string text;
};

// `attr=retries>2` on the trace list: an attribute `key` of some span of the trace whose value is
// a number, or a string holding only a number, that compares with `number` by `op`.
struct AttributeComparison {
  std::string key;
  std::string op;  // ">", ">=", "<", "<="
  double number = 0;
};

struct TraceFilter {
  std::optional<Micros> from_us, to_us;  // on the trace's start time, [from, to)
  std::optional<std::string> name;       // any span of the trace has this operation name
  std::optional<std::string> model;
  std::optional<std::string> provider;
  std::optional<std::string> status;     // "error": some span failed; "ok": none did
  std::vector<std::string> tags;         // all of them, on any span
  // All of them, on any span: the value as a string, or when the value is a number, an
  // attribute holding that number (OTLP's typed values).
  std::vector<std::pair<std::string, std::string>> attributes;
  std::vector<AttributeComparison> attribute_numbers;  // all of them, on any span
  std::optional<double> min_latency_ms;
  std::optional<double> min_cost_usd;
  std::optional<bool> unpriced;          // true: traces with a span the price table could not price; false: none
  std::vector<ScoreCondition> scores;    // all of them: some score of the trace with that name matches
  std::optional<std::string> sort_score;  // newest first unless set: by this score's average, highest first
  bool sort_ascending = false;
  std::optional<std::string> session_id, user_id;
  bool oldest_first = false;  // a session's traces read in time order; the list is newest first
  int limit = 50;
  std::optional<std::string> cursor;
};

struct TraceSummary {
  std::string trace_id;
  std::string name;  // the root span's name (the earliest span's until the root arrives)
  Micros start_us = 0, end_us = 0;
  std::string status;
  int64_t span_count = 0;
  int64_t input_tokens = 0, output_tokens = 0, total_tokens = 0;
  int64_t unpriced_spans = 0;  // spans with tokens the price table could not price
  double cost_usd = 0;
  std::vector<std::string> models, providers, tags;
  std::optional<std::string> session_id, user_id;
};

struct TracePage {
  std::vector<TraceSummary> traces;
  std::optional<std::string> next_cursor;
};

struct TraceDetail {
  TraceSummary summary;
  std::vector<SpanRecord> spans;  // ordered by start time; sealed text still sealed
};

// The sessions and users lists: what their traces that started in [from, to) add up to.
// Sorted by one of their sums (ties by id), paged by offset.
struct PeriodListQuery {
  Micros from_us = 0, to_us = 0;
  std::optional<std::string> user_id;  // sessions only: of this user
  std::string sort = "last";           // one of kSessionSorts / kUserSorts
  bool ascending = false;
  int limit = 50;
  int64_t offset = 0;
};

inline constexpr std::string_view kSessionSorts[] = {"last", "first", "traces", "tokens", "cost", "errors"};
inline constexpr std::string_view kUserSorts[] = {"last", "first", "traces", "sessions", "tokens", "cost", "errors"};

struct SessionSummary {
  std::string session_id;
  std::optional<std::string> user_id;
  Micros first_us = 0, last_us = 0;  // the first and the last trace's start
  int64_t traces = 0, total_tokens = 0, errors = 0;  // errors: traces with a failed span
  double cost_usd = 0;
};

struct UserSummary {
  std::string user_id;
  Micros first_us = 0, last_us = 0;  // the first and the last trace's start
  int64_t traces = 0, sessions = 0, total_tokens = 0, errors = 0;  // errors: traces with a failed span
  double cost_usd = 0;
};

template <typename Row>
struct PeriodPage {
  std::vector<Row> rows;
  std::optional<int64_t> next_offset;  // more rows from there
};

enum class GroupBy { none, model, provider, name };

struct MetricsQuery {
  Micros from_us = 0, to_us = 0;
  int64_t interval_us = 3600LL * 1000000;  // a whole number of minutes
  GroupBy group_by = GroupBy::none;
  std::optional<std::string> kind;  // only "llm": spans with LLM data
};

struct MetricsPoint {
  Micros bucket_us = 0;
  int64_t requests = 0, errors = 0, input_tokens = 0, output_tokens = 0;
  int64_t unpriced_spans = 0, unpriced_tokens = 0;  // spans with tokens and no price, and their tokens
  double cost_usd = 0;
  double latency_p50_ms = 0, latency_p95_ms = 0, latency_p99_ms = 0;
};

struct MetricsSeries {
  std::string group;
  std::vector<MetricsPoint> points;  // only buckets with data
};

}  // namespace stacklens
