#pragma once
// The spans of the traces a trace-list filter matches, one trace at a time, in the list's order
// (a trace's spans by start time). The store is read a page of traces at a time, each page sized
// from the last one's spans per trace so that a page holds about kSpansPerPage spans: an export
// of any size holds one page in memory.
#include <optional>
#include <vector>

#include "query/trace_service.h"

namespace stacklens::query {

class SpanExport {
 public:
  // `filter`'s limit and cursor are its own: the walk pages through the whole list.
  SpanExport(TraceService& traces, int64_t project_id, TraceFilter filter, bool open_text);
  // Reads the first page, so that a filter the store refuses is an answer's error rather than a
  // body cut short.
  Status start();
  // The next trace's spans; none once every trace has been read.
  Result<std::optional<std::vector<Span>>> next_trace();

 private:
  Status read_page();

  TraceService& traces_;
  int64_t project_id_;
  TraceFilter filter_;
  bool open_text_;
  std::vector<std::vector<Span>> page_;
  size_t at_ = 0;
  bool last_page_ = false;
};

}  // namespace stacklens::query
