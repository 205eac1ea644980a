#include "storage/sqlite/span_row_reader.h"

#include "storage/sqlite/span_codec.h"

namespace stacklens::sqlite {

namespace {

// Positions in kSpanColumns that are read by name.
constexpr int kAttributesColumn = 22, kAttributesLenColumn = 28, kPackedColumn = 29;

}  // namespace

Result<SpanRow> read_span(Stmt& s, int64_t project_id) {
  SpanRow row;
  SpanRecord& r = row.record;
  Span& sp = r.span;
  sp.project_id = project_id;
  sp.trace_id = s.text(0);
  sp.span_id = s.text(1);
  sp.name = s.text(3);
  parse_tags(s.text(23), sp.tags);
  if (!s.is_null(8)) {
    LlmData& l = sp.llm.emplace();
    l.model = s.text(8);
    l.provider = s.text(9);
  }
  if (!s.is_null(kPackedColumn)) {  // migration 10 on: the rest is packed (span_row.h)
    if (auto st = unpack_span(s.view(kPackedColumn), r, row.place); !st) return st.error();
    if (sp.llm.has_value() != !s.is_null(8)) return make_error(ErrorCode::internal, "a stored span row is corrupt (llm)");
    return row;
  }
  sp.parent_span_id = s.opt_text(2);
  sp.kind = s.text(4);
  sp.status = s.text(5);
  sp.start_us = s.i64(6);
  sp.end_us = s.i64(7);
  if (sp.llm) {
    LlmData& l = *sp.llm;
    l.input_tokens = s.i64(10);
    l.output_tokens = s.i64(11);
    l.total_tokens = s.i64(12);
    l.cost_usd = s.f64(13);
    l.temperature = s.opt_f64(14);
    l.max_tokens = s.opt_i64(15);
    l.is_streaming = s.i64(16) != 0;
    l.finish_reason = s.opt_text(17);
  }
  if (!s.is_null(18)) r.prompt = SealedText{s.text(18), static_cast<int>(s.i64(19))};
  if (!s.is_null(20)) r.completion = SealedText{s.text(20), static_cast<int>(s.i64(21))};
  if (!s.is_null(25)) {
    row.place.text_at = s.i64(25);
    if (!s.is_null(26)) r.prompt = SealedText{std::string(), static_cast<int>(s.i64(19))}, row.place.prompt_len = s.i64(26);
    if (!s.is_null(27))
      r.completion = SealedText{std::string(), static_cast<int>(s.i64(21))}, row.place.completion_len = s.i64(27);
  }
  parse_events(s.text(24), sp.events);
  if (s.is_null(kAttributesLenColumn)) row.own_attributes = s.text(kAttributesColumn);
  else row.place.attributes_len = s.i64(kAttributesLenColumn);
  return row;
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
