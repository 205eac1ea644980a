#include "alerts/monitor_value.h"

#include <algorithm>

#include "alerts/monitor_rules.h"

namespace stacklens::alerts {
namespace {

double ratio(int64_t part, int64_t whole) { return whole > 0 ? static_cast<double>(part) / whole : 0.0; }

Result<double> from_rollups(SpanStore& spans, const Monitor& m, const MonitorWindow& w) {
  MetricsQuery q;
  q.from_us = w.from_us;
  q.to_us = w.to_us;
  q.interval_us = w.to_us - w.from_us;  // whole minutes: one bucket
  std::string group;
  if (!m.filter.operation.empty()) q.group_by = GroupBy::name, group = m.filter.operation;
  if (!m.filter.model.empty()) q.group_by = GroupBy::model, group = m.filter.model;
  SL_TRY(series, spans.metrics(m.project_id, q));
  MetricsPoint sum;
  for (const auto& s : series) {
    if (q.group_by != GroupBy::none && s.group != group) continue;
    for (const auto& p : s.points) {
      sum.requests += p.requests;
      sum.errors += p.errors;
      sum.input_tokens += p.input_tokens;
      sum.output_tokens += p.output_tokens;
      sum.cost_usd += p.cost_usd;
      sum.unpriced_spans += p.unpriced_spans;
      sum.latency_p95_ms = std::max(sum.latency_p95_ms, p.latency_p95_ms);  // one bucket: its own
    }
  }
  if (m.metric == "cost") return sum.cost_usd;
  if (m.metric == "tokens") return static_cast<double>(sum.input_tokens + sum.output_tokens);
  if (m.metric == "requests") return static_cast<double>(sum.requests);
  if (m.metric == "error_rate") return ratio(sum.errors, sum.requests);
  if (m.metric == "latency_p95") return sum.latency_p95_ms;
  if (m.metric == "unpriced_spans") return static_cast<double>(sum.unpriced_spans);
  return make_error(ErrorCode::internal, "unknown monitor metric " + m.metric);
}

Result<double> from_traces(SpanStore& spans, const Monitor& m, const MonitorWindow& w) {
  TraceFilter f;
  f.from_us = w.from_us;
  f.to_us = w.to_us;
  if (!m.filter.operation.empty()) f.name = m.filter.operation;
  if (!m.filter.model.empty()) f.model = m.filter.model;
  if (!m.filter.user_id.empty()) f.user_id = m.filter.user_id;
  f.tags = m.filter.tags;
  f.attributes = m.filter.attributes;
  f.limit = 1000;
  int64_t traces = 0, failed = 0, spans_n = 0, tokens = 0, unpriced = 0;
  double cost = 0;
  std::vector<double> durations_ms;
  for (;;) {
    SL_TRY(page, spans.list_trace_summaries(m.project_id, f));
    for (const auto& t : page.traces) {
      ++traces;
      failed += t.status == "error";
      spans_n += t.span_count;
      tokens += t.total_tokens;
      unpriced += t.unpriced_spans;
      cost += t.cost_usd;
      if (m.metric == "latency_p95") durations_ms.push_back(static_cast<double>(t.end_us - t.start_us) / 1000.0);
    }
    if (!page.next_cursor) break;
    f.cursor = page.next_cursor;
  }
  if (m.metric == "cost") return cost;
  if (m.metric == "tokens") return static_cast<double>(tokens);
  if (m.metric == "requests") return static_cast<double>(spans_n);
  if (m.metric == "error_rate") return ratio(failed, traces);
  if (m.metric == "unpriced_spans") return static_cast<double>(unpriced);
  if (m.metric == "latency_p95") {
    if (durations_ms.empty()) return 0.0;
    // The nearest rank: the smallest duration at or above 95 % of them.
    const size_t rank = (durations_ms.size() * 95 + 99) / 100 - 1;
    std::nth_element(durations_ms.begin(), durations_ms.begin() + static_cast<std::ptrdiff_t>(rank), durations_ms.end());
    return durations_ms[rank];
  }
  return make_error(ErrorCode::internal, "unknown monitor metric " + m.metric);
}

}  // namespace

bool reads_rollups(const MonitorFilter& f) {
  return f.user_id.empty() && f.tags.empty() && f.attributes.empty() && (f.operation.empty() || f.model.empty());
}

Result<double> monitor_value(SpanStore& spans, MetaStore& meta, const Monitor& m, Micros now_us) {
  const MonitorWindow w = window_at(m.window_seconds, now_us);
  if (m.metric == "findings") {
    SL_TRY(counts, meta.audit_counts(m.project_id, w.from_us, w.to_us, w.to_us - w.from_us));
    int64_t n = 0;
    for (const auto& c : counts) n += c.count;
    return static_cast<double>(n);
  }
  return reads_rollups(m.filter) ? from_rollups(spans, m, w) : from_traces(spans, m, w);
}

}  // namespace stacklens::alerts
