#include "storage/clickhouse/ch_span_row.h"

#include <fmt/format.h>

#include "storage/clickhouse/ch_statements.h"
#include "storage/clickhouse/ch_text.h"
#include "storage/sqlite/batch_prepare.h"
#include "storage/sqlite/latency_histogram.h"
#include "storage/sqlite/span_codec.h"

namespace stacklens::clickhouse {

namespace {

void field(std::string& out, std::string_view s) {
  append_tsv(out, s);
  out += '\t';
}
void number(std::string& out, int64_t v) { fmt::format_to(std::back_inserter(out), "{}\t", v); }
void real(std::string& out, double v) { fmt::format_to(std::back_inserter(out), "{}\t", v); }
void null(std::string& out) { out += "\\N\t"; }

void sealed(std::string& out, const std::optional<SealedText>& text) {
  field(out, text ? std::string_view(text->bytes) : std::string_view());
  number(out, text ? text->key_id : -1);
}

bool is_null(const std::string& f) { return f == "\\N"; }

}  // namespace

void encode_span_row(SpanRecord& r) {
  Span& s = r.span;
  SpanRecord::Encoded e;
  e.attributes = sqlite::attributes_json(s.attributes, s.typed_attributes);
  e.tags = sqlite::tags_json(s.tags);
  e.events = sqlite::events_json(s.events);
  sqlite::take_ids(s.attributes, e);
  std::string& out = e.packed;
  out.reserve(256 + e.attributes.size() + e.tags.size() + e.events.size() + (r.prompt ? r.prompt->bytes.size() : 0) +
              (r.completion ? r.completion->bytes.size() : 0));
  number(out, s.project_id);
  field(out, s.trace_id);
  field(out, s.span_id);
  field(out, s.parent_span_id.value_or(""));
  number(out, s.parent_span_id ? 1 : 0);
  field(out, s.name);
  field(out, s.kind);
  field(out, s.status);
  number(out, s.start_us);
  number(out, s.end_us);
  number(out, static_cast<int64_t>(sqlite::LatencyHistogram::bucket_of(s.latency_us())));
  static const LlmData kNone;
  const LlmData& l = s.llm ? *s.llm : kNone;
  number(out, s.llm ? 1 : 0);
  field(out, l.model);
  field(out, l.provider);
  number(out, l.input_tokens);
  number(out, l.output_tokens);
  number(out, l.total_tokens);
  real(out, l.cost_usd);
  number(out, static_cast<int64_t>(l.cost_source));
  if (l.temperature) real(out, *l.temperature);
  else null(out);
  if (l.max_tokens) number(out, *l.max_tokens);
  else null(out);
  number(out, l.is_streaming ? 1 : 0);
  if (l.finish_reason) field(out, *l.finish_reason);
  else null(out);
  number(out, l.cache_read_tokens);
  number(out, l.cache_write_tokens);
  number(out, l.reasoning_tokens);
  field(out, e.attributes);
  field(out, e.tags);
  field(out, e.events);
  field(out, e.session_id);
  field(out, e.user_id);
  sealed(out, r.prompt);
  sealed(out, r.completion);
  // Freed here, on the request thread, rather than by the writer: the row holds them now.
  s.attributes = {};
  s.typed_attributes = {};
  s.tags = {};
  s.events = {};
  for (auto* text : {&r.prompt, &r.completion})
    if (*text) std::string().swap((*text)->bytes);
  r.encoded = std::move(e);
}

Result<SpanRecord> decode_span_row(const std::vector<std::string>& f) {
  if (f.size() != static_cast<size_t>(sql::kSpanColumnCount))
    return make_error(ErrorCode::internal,
                      fmt::format("a span row from ClickHouse has {} fields, not {}", f.size(), sql::kSpanColumnCount));
  SpanRecord r;
  Span& s = r.span;
  s.project_id = to_i64(f[0]);
  s.trace_id = f[1];
  s.span_id = f[2];
  if (f[4] == "1") s.parent_span_id = f[3];
  s.name = f[5];
  s.kind = f[6];
  s.status = f[7];
  s.start_us = to_i64(f[8]);
  s.end_us = to_i64(f[9]);
  if (f[11] == "1") {
    LlmData& l = s.llm.emplace();
    l.model = f[12];
    l.provider = f[13];
    l.input_tokens = to_i64(f[14]);
    l.output_tokens = to_i64(f[15]);
    l.total_tokens = to_i64(f[16]);
    l.cost_usd = to_f64(f[17]);
    l.cost_source = static_cast<CostSource>(to_i64(f[18]));
    if (!is_null(f[19])) l.temperature = to_f64(f[19]);
    if (!is_null(f[20])) l.max_tokens = to_i64(f[20]);
    l.is_streaming = f[21] == "1";
    if (!is_null(f[22])) l.finish_reason = f[22];
    l.cache_read_tokens = to_i64(f[23]);
    l.cache_write_tokens = to_i64(f[24]);
    l.reasoning_tokens = to_i64(f[25]);
  }
  sqlite::parse_attributes(f[26], s.attributes, s.typed_attributes);
  sqlite::parse_tags(f[27], s.tags);
  sqlite::parse_events(f[28], s.events);
  if (f[32] != "-1") r.prompt = SealedText{f[31], static_cast<int>(to_i64(f[32]))};
  if (f[34] != "-1") r.completion = SealedText{f[33], static_cast<int>(to_i64(f[34]))};
  return r;
}

}  // namespace stacklens::clickhouse
