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

class TraceService {
 public:
  TraceService(SpanStore& store, const Sealer& sealer) : store_(store), sealer_(sealer) {}
  Result<TracePage> list(int64_t project_id, const TraceFilter& filter) { return store_.list_traces(project_id, filter); }
  Result<TraceView> get(int64_t project_id, const std::string& trace_id);
  Result<std::vector<MetricsSeries>> metrics(int64_t project_id, const MetricsQuery& q) {
    return store_.metrics(project_id, q);
  }

 private:
  SpanStore& store_;
  const Sealer& sealer_;
};

}  // namespace stacklens::query
