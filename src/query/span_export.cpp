#include "query/span_export.h"

namespace stacklens::query {

namespace {
// Trace summaries read per page of the list: small beside the spans they stand for.
constexpr int kTracesPerPage = 200;
}  // namespace

SpanExport::SpanExport(TraceService& traces, int64_t project_id, TraceFilter filter, bool open_text)
    : traces_(traces), project_id_(project_id), filter_(std::move(filter)), open_text_(open_text) {
  filter_.limit = kTracesPerPage;
  filter_.cursor.reset();
}

Status SpanExport::start() { return read_page(); }

Status SpanExport::read_page() {
  auto page = traces_.list(project_id_, filter_);
  if (!page) return page.error();
  page_ = std::move(page->traces);
  at_ = 0;
  last_page_ = !page->next_cursor;
  filter_.cursor = std::move(page->next_cursor);
  return ok_status();
}

Result<std::optional<std::vector<Span>>> SpanExport::next_trace() {
  for (;;) {
    while (at_ == page_.size()) {
      if (last_page_) return std::optional<std::vector<Span>>();
      if (auto st = read_page(); !st) return st.error();
    }
    auto trace = traces_.get(project_id_, page_[at_++].trace_id, open_text_);
    if (!trace && trace.error().code == ErrorCode::not_found) continue;
    if (!trace) return trace.error();
    return std::optional<std::vector<Span>>(std::move(trace->spans));
  }
}

}  // namespace stacklens::query
