#include "storage/sqlite/span_row_reader.h"

#include <fmt/format.h>

#include "storage/sqlite/span_codec.h"

namespace stacklens::sqlite {

Result<SpanRow> read_span(Stmt& s, int64_t project_id) {
  SpanRow row;
  SpanRecord& r = row.record;
  Span& sp = r.span;
  sp.project_id = project_id;
  sp.trace_id = s.text(0);
  sp.span_id = s.text(1);
  sp.name = s.text(2);
  parse_tags(s.text(5), sp.tags);
  if (!s.is_null(3)) {
    LlmData& l = sp.llm.emplace();
    l.model = s.text(3);
    l.provider = s.text(4);
  }
  if (auto st = unpack_span(s.view(6), r, row.place); !st) return st.error();
  if (sp.llm.has_value() != !s.is_null(3)) return make_error(ErrorCode::internal, "a stored span row is corrupt (llm)");
  return row;
}

Status attach_attributes(std::string_view joined, size_t offset, size_t length, int64_t trace_row, Span& span) {
  if (offset + length > joined.size())
    return make_error(ErrorCode::internal,
                      fmt::format("trace row {} is corrupt: it lacks its spans' attributes", trace_row));
  parse_attributes(joined.substr(offset, length), span.attributes, span.typed_attributes);
  return ok_status();
}

Status read_text(const TextLog& texts, SpanRow& row) {
  if (!row.place.text_at) return ok_status();
  auto bytes = texts.read(*row.place.text_at, row.place.prompt_len + row.place.completion_len);
  if (!bytes) return bytes.error();
  const std::string_view both(*bytes);
  const auto prompt_len = static_cast<size_t>(row.place.prompt_len);
  if (row.record.prompt) row.record.prompt->bytes = std::string(both.substr(0, prompt_len));
  if (row.record.completion) row.record.completion->bytes = std::string(both.substr(prompt_len));
  return ok_status();
}

}  // namespace stacklens::sqlite
