#pragma once
// Where spans live. The SQLite backend is the embedded default; every SQL
// dialect detail stays inside a backend. Handlers and services see only this.
#include <functional>
#include <vector>

#include "core/error.h"
#include "model/query.h"
#include "model/span.h"

namespace stacklens {

struct WriteOutcome {
  int64_t inserted = 0;    // new spans
  int64_t duplicates = 0;  // (project, trace, span) already stored: ignored
};

// A page of every stored span (SpanStore::dump): `cursor` resumes after it; empty when no span
// follows (a page may be empty while the cursor is not).
struct SpanDump {
  std::vector<SpanRecord> spans;
  std::string cursor;
};

// The spans of a page of the trace list (SpanStore::list_trace_spans): each trace's spans together,
// by start time, in the list's order; `next_cursor` as the list's.
struct TraceSpansPage {
  std::vector<std::vector<SpanRecord>> traces;
  std::optional<std::string> next_cursor;
};

struct RecomputeProgress {
  int64_t spans_total = 0;    // spans of the traces in the period, counted first
  int64_t spans_done = 0;     // looked at so far
  int64_t spans_changed = 0;  // whose cost or cost source changed
};

class SpanStore {
 public:
  virtual ~SpanStore() = default;
  // Called on request threads before records are queued for write(): a backend may encode
  // them there (SpanRecord::encoded) to keep work off its single writer thread. After an
  // error (a full disk) the records are refused: they must not be passed to write().
  virtual Status prepare(std::vector<SpanRecord>& records) {
    (void)records;
    return ok_status();
  }
  // Commits all records in one durable transaction, or none of them.
  // Called from the single writer thread only.
  virtual Result<WriteOutcome> write(const std::vector<const SpanRecord*>& records) = 0;
  Result<WriteOutcome> write(const std::vector<SpanRecord>& records) {
    std::vector<const SpanRecord*> all;
    all.reserve(records.size());
    for (const auto& r : records) all.push_back(&r);
    return write(all);
  }

  // Readers: safe from any thread, concurrently with write().
  virtual Result<TracePage> list_traces(int64_t project_id, const TraceFilter& filter) = 0;
  virtual Result<std::optional<TraceDetail>> get_trace(int64_t project_id, const std::string& trace_id) = 0;
  // The pages of list_traces(filter) without each trace's models, providers and tags: what sums
  // of traces read (monitors, budgets). By default the list; a backend may skip what it adds.
  virtual Result<TracePage> list_trace_summaries(int64_t project_id, const TraceFilter& filter) {
    return list_traces(project_id, filter);
  }
  // The spans of the traces list_traces(filter) would answer, sealed text as stored (none without
  // `with_text`): an export's walk. By default the list, then each trace; a backend may read them
  // in fewer steps.
  virtual Result<TraceSpansPage> list_trace_spans(int64_t project_id, const TraceFilter& filter, bool with_text) {
    auto page = list_traces(project_id, filter);
    if (!page) return page.error();
    TraceSpansPage out{{}, std::move(page->next_cursor)};
    for (const auto& t : page->traces) {
      auto detail = get_trace(project_id, t.trace_id);
      if (!detail) return detail.error();
      if (!*detail) continue;  // removed since (retention)
      auto& spans = out.traces.emplace_back(std::move((*detail)->spans));
      if (!with_text)
        for (auto& r : spans) r.prompt.reset(), r.completion.reset();
    }
    return out;
  }
  virtual Result<std::vector<MetricsSeries>> metrics(int64_t project_id, const MetricsQuery& q) = 0;
  virtual Result<PeriodPage<SessionSummary>> list_sessions(int64_t project_id, const PeriodListQuery& q) = 0;
  virtual Result<PeriodPage<UserSummary>> list_users(int64_t project_id, const PeriodListQuery& q) = 0;
  // How many spans are stored, cheaply: SQLite counts every span ever stored (its largest
  // rowid, retention's removals included), ClickHouse its rows (a retried span's copies until
  // they merge).
  virtual Result<int64_t> count_spans() = 0;

  // Prices again the stored spans of the project's traces that started in [from, to):
  // `reprice` gives a span its cost again and says whether it changed; a changed span's row,
  // its trace's sums and the metrics follow. Runs in short steps beside ingest, calling
  // `progress` after each; it stops early (with what was done) when `progress` returns false.
  using Repricer = std::function<bool(Span&)>;
  using ProgressFn = std::function<bool(const RecomputeProgress&)>;
  virtual Result<RecomputeProgress> recompute_costs(int64_t project_id, Micros from, Micros to,
                                                    const Repricer& reprice, const ProgressFn& progress) = 0;
  // Retention: removes the project's spans of traces that began before `before`, with their
  // text and scores, and its metrics of before then, in short steps beside ingest; it stops
  // early when `go_on` returns false between steps. Returns the spans removed (ClickHouse: the
  // span rows it asked to remove, which go in the background).
  using GoOn = std::function<bool()>;
  virtual Result<int64_t> expire(int64_t project_id, Micros before, const GoOn& go_on) = 0;
  // Every stored span, a page of about `max_spans` at a time, in an order of the backend's own,
  // each span once, sealed text as stored (for `stacklens migrate`, which copies a store and then
  // reads source and copy through this to compare them). `after`: the previous page's cursor,
  // empty for the first page. Safe beside ingest, but spans stored meanwhile may be missed.
  virtual Result<SpanDump> dump(const std::string& after, int max_spans) = 0;
  // Cheap probe that storage can be read and has room to write; used by /ready.
  virtual Status check_ready() = 0;
};

}  // namespace stacklens
