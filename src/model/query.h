#pragma once
// What the query API asks of a SpanStore and what comes back.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/span.h"

namespace stacklens {

struct TraceFilter {
  std::optional<Micros> from_us, to_us;  // on the trace's start time, [from, to)
  std::optional<std::string> name;       // any span of the trace has this operation name
  std::optional<std::string> model;
  std::optional<std::string> provider;
  std::optional<std::string> status;     // "error": some span failed; "ok": none did
  std::vector<std::string> tags;         // all of them, on any span
  std::vector<std::pair<std::string, std::string>> attributes;  // all of them, on any span
  std::optional<double> min_latency_ms;
  std::optional<double> min_cost_usd;
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
  double cost_usd = 0;
  std::vector<std::string> models, providers, tags;
};

struct TracePage {
  std::vector<TraceSummary> traces;
  std::optional<std::string> next_cursor;
};

struct TraceDetail {
  TraceSummary summary;
  std::vector<SpanRecord> spans;  // ordered by start time; sealed text still sealed
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
  double cost_usd = 0;
  double latency_p50_ms = 0, latency_p95_ms = 0, latency_p99_ms = 0;
};

struct MetricsSeries {
  std::string group;
  std::vector<MetricsPoint> points;  // only buckets with data
};

}  // namespace stacklens
