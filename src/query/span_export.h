#pragma once
// The spans of the traces a trace-list filter matches, one trace at a time, in the list's order
// (a trace's spans by start time). Nothing is read ahead: the trace list is walked a page of
// summaries at a time and each trace read when it is asked for, so an export of any size holds
// one page of summaries and one trace.
#include <optional>
#include <vector>

#include "query/trace_service.h"

namespace stacklens::query {

class SpanExport {
 public:
  // `filter`'s limit and cursor are its own: the walk pages through the whole list.
  SpanExport(TraceService& traces, int64_t project_id, TraceFilter filter, bool open_text);
  // Reads the first page of the list, so that a filter the store refuses is an answer's error
  // rather than a body cut short.
  Status start();
  // The next trace's spans; none once every trace has been read. A trace removed since its page
  // was read (retention) is passed over.
  Result<std::optional<std::vector<Span>>> next_trace();

 private:
  Status read_page();

  TraceService& traces_;
  int64_t project_id_;
  TraceFilter filter_;
  bool open_text_;
  std::vector<TraceSummary> page_;
  size_t at_ = 0;
  bool last_page_ = false;
};

}  // namespace stacklens::query
