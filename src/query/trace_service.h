#pragma once
// Reads traces back for the API: asks the SpanStore and opens the sealed
// prompt and completion text, so handlers only ever see plain spans.
#include "core/error.h"
#include "crypto/sealer.h"
#include "model/query.h"
#include "storage/span_store.h"

namespace stacklens::query {

struct TraceView {
  TraceSummary summary;
  std::vector<Span> spans;  // ordered by start time, text opened
};

// A session's traces in time order, each with its spans and their text: a conversation.
struct SessionView {
  std::string session_id;
  std::vector<TraceView> traces;
  std::optional<std::string> next_cursor;
};

class TraceService {
 public:
  TraceService(SpanStore& store, const Sealer& sealer) : store_(store), sealer_(sealer) {}
  Result<TracePage> list(int64_t project_id, const TraceFilter& filter) { return store_.list_traces(project_id, filter); }
  Result<TraceView> get(int64_t project_id, const std::string& trace_id);
  Result<std::vector<MetricsSeries>> metrics(int64_t project_id, const MetricsQuery& q) {
    return store_.metrics(project_id, q);
  }
  Result<PeriodPage<SessionSummary>> sessions(int64_t project_id, const PeriodListQuery& q) {
    return store_.list_sessions(project_id, q);
  }
  Result<PeriodPage<UserSummary>> users(int64_t project_id, const PeriodListQuery& q) {
    return store_.list_users(project_id, q);
  }
  // The spans of the traces `filter` lists (a page of them), each trace's by start time: with
  // `open_text` their text opened, without it none. Its cursor as the list's.
  struct SpansPage {
    std::vector<std::vector<Span>> traces;
    std::optional<std::string> next_cursor;
  };
  Result<SpansPage> list_spans(int64_t project_id, const TraceFilter& filter, bool open_text);
  // `limit` traces of the session from `cursor` on (not_found: the session has no trace).
  Result<SessionView> session(int64_t project_id, const std::string& session_id, int limit,
                              std::optional<std::string> cursor);

 private:
  // The span with its prompt and completion opened.
  Result<Span> opened(SpanRecord& r) const;

  SpanStore& store_;
  const Sealer& sealer_;
};

}  // namespace stacklens::query
