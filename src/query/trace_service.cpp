#include "query/trace_service.h"

#include <fmt/format.h>

namespace stacklens::query {

Result<Span> TraceService::opened(SpanRecord& r) const {
  Span s = std::move(r.span);
  const auto open = [&](const std::optional<SealedText>& sealed, std::string_view field,
                        std::optional<std::string>& into) -> Status {
    if (!sealed) return ok_status();
    auto plain = sealer_.open(*sealed, seal_context(s, field));
    if (!plain) return plain.error();
    into = std::move(*plain);
    return ok_status();
  };
  if (s.llm) {
    if (auto st = open(r.prompt, "prompt", s.llm->prompt); !st) return st.error();
    if (auto st = open(r.completion, "completion", s.llm->completion); !st) return st.error();
  }
  return s;
}

Result<TraceView> TraceService::get(int64_t project_id, const std::string& trace_id) {
  auto detail = store_.get_trace(project_id, trace_id);
  if (!detail) return detail.error();
  if (!*detail) return make_error(ErrorCode::not_found, fmt::format("trace '{}' not found in this project", trace_id));
  TraceView view;
  view.summary = std::move((*detail)->summary);
  for (auto& r : (*detail)->spans) {
    auto s = opened(r);
    if (!s) return s.error();
    view.spans.push_back(std::move(*s));
  }
  return view;
}

Result<TraceService::SpansPage> TraceService::list_spans(int64_t project_id, const TraceFilter& filter, bool open_text) {
  auto page = store_.list_trace_spans(project_id, filter, open_text);
  if (!page) return page.error();
  SpansPage out{{}, std::move(page->next_cursor)};
  out.traces.reserve(page->traces.size());
  for (auto& records : page->traces) {
    auto& spans = out.traces.emplace_back();
    spans.reserve(records.size());
    for (auto& r : records) {
      if (!open_text) r.prompt.reset(), r.completion.reset();
      auto s = opened(r);
      if (!s) return s.error();
      spans.push_back(std::move(*s));
    }
  }
  return out;
}

Result<SessionView> TraceService::session(int64_t project_id, const std::string& session_id, int limit,
                                          std::optional<std::string> cursor) {
  TraceFilter f;
  f.session_id = session_id;
  f.oldest_first = true;
  f.limit = limit;
  const bool first_page = !cursor;
  f.cursor = std::move(cursor);
  auto page = store_.list_traces(project_id, f);
  if (!page) return page.error();
  if (page->traces.empty() && first_page)
    return make_error(ErrorCode::not_found, fmt::format("session '{}' has no traces in this project", session_id));
  SessionView view{session_id, {}, std::move(page->next_cursor)};
  for (const auto& t : page->traces) {
    auto trace = get(project_id, t.trace_id);
    if (!trace) return trace.error();
    view.traces.push_back(std::move(*trace));
  }
  return view;
}

}  // namespace stacklens::query
