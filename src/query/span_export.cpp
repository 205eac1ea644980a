#include "query/span_export.h"

#include <algorithm>

namespace stacklens::query {

namespace {
constexpr int kSpansPerPage = 5000;
constexpr int kMaxTracesPerPage = 500;  // the trace list's own largest page
constexpr int kFirstTracesPerPage = 50;
}  // namespace

SpanExport::SpanExport(TraceService& traces, int64_t project_id, TraceFilter filter, bool open_text)
    : traces_(traces), project_id_(project_id), filter_(std::move(filter)), open_text_(open_text) {
  filter_.limit = kFirstTracesPerPage;
  filter_.cursor.reset();
}

Status SpanExport::start() { return read_page(); }

Status SpanExport::read_page() {
  auto page = traces_.list_spans(project_id_, filter_, open_text_);
  if (!page) return page.error();
  page_ = std::move(page->traces);
  at_ = 0;
  last_page_ = !page->next_cursor;
  filter_.cursor = std::move(page->next_cursor);
  size_t spans = 0;
  for (const auto& t : page_) spans += t.size();
  if (!page_.empty())
    filter_.limit = static_cast<int>(
        std::clamp<size_t>(kSpansPerPage * page_.size() / std::max<size_t>(spans, 1), 1, kMaxTracesPerPage));
  return ok_status();
}

Result<std::optional<std::vector<Span>>> SpanExport::next_trace() {
  while (at_ == page_.size()) {
    if (last_page_) return std::optional<std::vector<Span>>();
    if (auto st = read_page(); !st) return st.error();
  }
  return std::optional<std::vector<Span>>(std::move(page_[at_++]));
}

}  // namespace stacklens::query
