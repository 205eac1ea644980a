#pragma once
// A SpanStore for handler tests, with no database behind it. Each method answers through a
// replaceable function (as Envoy's test mocks give each method a default action that a test
// may override): by default writes are kept in memory and reads find nothing, so a test sets
// only the behaviour it is about ("the disk is full", "the database is busy").
#include <functional>
#include <mutex>
#include <vector>

#include "storage/span_store.h"

namespace stacklens::testing {

class FakeSpanStore : public SpanStore {
 public:
  using Records = std::vector<const SpanRecord*>;

  std::function<Status(std::vector<SpanRecord>&)> on_prepare = [](std::vector<SpanRecord>&) { return ok_status(); };
  // Called on the writer thread.
  std::function<Result<WriteOutcome>(const Records&)> on_write = [this](const Records& records) {
    return keep(records);
  };
  std::function<Result<TracePage>(int64_t, const TraceFilter&)> on_list_traces = [](int64_t, const TraceFilter&) {
    return Result<TracePage>(TracePage{});
  };
  std::function<Result<std::optional<TraceDetail>>(int64_t, const std::string&)> on_get_trace =
      [](int64_t, const std::string&) { return Result<std::optional<TraceDetail>>(std::nullopt); };
  std::function<Result<std::vector<MetricsSeries>>(int64_t, const MetricsQuery&)> on_metrics =
      [](int64_t, const MetricsQuery&) { return Result<std::vector<MetricsSeries>>(std::vector<MetricsSeries>{}); };
  std::function<Status()> on_check_ready = [] { return ok_status(); };

  // The default write: every span is new, and kept.
  WriteOutcome keep(const Records& records) {
    std::lock_guard lock(mu_);
    for (const SpanRecord* r : records) stored_.push_back(r->span);
    return WriteOutcome{static_cast<int64_t>(records.size()), 0};
  }
  std::vector<Span> stored() const {
    std::lock_guard lock(mu_);
    return stored_;
  }
  int writes() const {
    std::lock_guard lock(mu_);
    return writes_;
  }

  using SpanStore::write;
  Status prepare(std::vector<SpanRecord>& records) override { return on_prepare(records); }
  Result<WriteOutcome> write(const Records& records) override {
    {
      std::lock_guard lock(mu_);
      ++writes_;
    }
    return on_write(records);
  }
  Result<TracePage> list_traces(int64_t project_id, const TraceFilter& filter) override {
    return on_list_traces(project_id, filter);
  }
  Result<std::optional<TraceDetail>> get_trace(int64_t project_id, const std::string& trace_id) override {
    return on_get_trace(project_id, trace_id);
  }
  Result<std::vector<MetricsSeries>> metrics(int64_t project_id, const MetricsQuery& q) override {
    return on_metrics(project_id, q);
  }
  Result<PeriodPage<SessionSummary>> list_sessions(int64_t, const PeriodListQuery&) override {
    return PeriodPage<SessionSummary>{};
  }
  Result<PeriodPage<UserSummary>> list_users(int64_t, const PeriodListQuery&) override { return PeriodPage<UserSummary>{}; }
  Result<int64_t> count_spans() override {
    std::lock_guard lock(mu_);
    return static_cast<int64_t>(stored_.size());
  }
  // Prices the kept spans of the project that start in [from, to) again, in one step.
  Result<RecomputeProgress> recompute_costs(int64_t project_id, Micros from, Micros to, const Repricer& reprice,
                                            const ProgressFn& progress) override {
    RecomputeProgress p;
    std::lock_guard lock(mu_);
    for (Span& s : stored_) {
      if (s.project_id != project_id || s.start_us < from || s.start_us >= to) continue;
      ++p.spans_total, ++p.spans_done;
      if (reprice(s)) ++p.spans_changed;
    }
    progress(p);
    return p;
  }
  // Removes the project's kept spans that start before `before`.
  Result<int64_t> expire(int64_t project_id, Micros before, const GoOn&) override {
    std::lock_guard lock(mu_);
    return static_cast<int64_t>(std::erase_if(
        stored_, [&](const Span& s) { return s.project_id == project_id && s.start_us < before; }));
  }
  // The kept spans (text aside) from the `after`-th on, `max_spans` at a time.
  Result<SpanDump> dump(const std::string& after, int max_spans) override {
    std::lock_guard lock(mu_);
    const size_t from = after.empty() ? 0 : std::stoull(after);
    SpanDump page;
    for (size_t i = from; i < stored_.size() && page.spans.size() < static_cast<size_t>(max_spans); ++i)
      page.spans.push_back(SpanRecord{stored_[i], {}, {}, {}});
    const size_t next = from + page.spans.size();
    if (next < stored_.size()) page.cursor = std::to_string(next);
    return page;
  }
  Status check_ready() override { return on_check_ready(); }

 private:
  mutable std::mutex mu_;
  std::vector<Span> stored_;
  int writes_ = 0;
};

}  // namespace stacklens::testing
