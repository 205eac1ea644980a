#include "storage/store_checksum.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace stacklens {
namespace {

// Each value length-prefixed, so no two different rows share a canonical form.
void put(std::string& out, std::string_view v) { fmt::format_to(std::back_inserter(out), "{}:{};", v.size(), v); }
void put(std::string& out, int64_t v) { fmt::format_to(std::back_inserter(out), "{};", v); }
// Reals to twelve decimal places: ClickHouse 18.16 may read a decimal into the neighbouring
// double (9.045e-05 as 9.044999999999998e-05), a difference no stored figure means.
void put_real(std::string& out, double v) {
  if (std::fabs(v) < 9e6)
    fmt::format_to(std::back_inserter(out), "{};", std::llround(v * 1e12));
  else
    fmt::format_to(std::back_inserter(out), "{:.12e};", v);
}
template <typename T, typename F>
void put_opt(std::string& out, const std::optional<T>& v, F put_value) {
  if (!v) {
    out += "~;";
    return;
  }
  put_value(out, *v);
}

void put_attributes(std::string& out, Attributes attributes) {
  std::sort(attributes.begin(), attributes.end());
  put(out, static_cast<int64_t>(attributes.size()));
  for (const auto& [k, v] : attributes) put(out, k), put(out, v);
}

void put_sealed(std::string& out, const std::optional<SealedText>& t) {
  put_opt(out, t, [](std::string& o, const SealedText& s) { put(o, int64_t{s.key_id}), put(o, s.bytes); });
}

}  // namespace

void Tally::add(std::string_view canonical) {
  unsigned char digest[16];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(canonical.data()),
                     canonical.size(), nullptr, 0);
  uint64_t lanes[2];
  std::memcpy(lanes, digest, sizeof lanes);
  ++count;
  sum[0] += lanes[0];
  sum[1] += lanes[1];
}

std::string Tally::checksum() const { return fmt::format("{:016x}{:016x}", sum[0], sum[1]); }

std::string canonical_span(const SpanRecord& r) {
  const Span& s = r.span;
  std::string out;
  put(out, s.project_id), put(out, s.trace_id), put(out, s.span_id);
  put_opt(out, s.parent_span_id, [](std::string& o, const std::string& v) { put(o, v); });
  put(out, s.name), put(out, s.kind), put(out, s.status), put(out, s.start_us), put(out, s.end_us);
  put_attributes(out, s.attributes);
  auto tags = s.tags;
  std::sort(tags.begin(), tags.end());
  put(out, static_cast<int64_t>(tags.size()));
  for (const auto& t : tags) put(out, t);
  put(out, static_cast<int64_t>(s.events.size()));
  for (const auto& e : s.events) put(out, e.name), put(out, e.time_us), put_attributes(out, e.attributes);
  put_opt(out, s.llm, [](std::string& o, const LlmData& l) {
    put(o, l.model), put(o, l.provider), put(o, l.input_tokens), put(o, l.output_tokens), put(o, l.total_tokens);
    put_real(o, l.cost_usd);
    put_opt(o, l.temperature, put_real);
    put_opt(o, l.max_tokens, [](std::string& p, int64_t v) { put(p, v); });
    put(o, int64_t{l.is_streaming});
    put_opt(o, l.finish_reason, [](std::string& p, const std::string& v) { put(p, v); });
    put(o, l.cache_read_tokens), put(o, l.cache_write_tokens), put(o, l.reasoning_tokens);
    put(o, cost_source_name(l.cost_source));
  });
  put_sealed(out, r.prompt);
  put_sealed(out, r.completion);
  return out;
}

std::string canonical_score(int64_t project_id, const Score& s) {
  std::string out;
  auto text = [](std::string& o, const std::string& v) { put(o, v); };
  put(out, project_id), put(out, s.id), put(out, s.trace_id);
  put_opt(out, s.span_id, text);
  put(out, s.name), put(out, score_type_name(s.type)), put_real(out, s.number), put(out, s.category);
  put_opt(out, s.comment, text);
  put(out, s.source);
  put_opt(out, s.author, text);
  put(out, s.created_us), put(out, s.updated_us);
  return out;
}

std::string canonical_row(const CellRow& row) {
  std::string out;
  for (const Cell& c : row) put_opt(out, c, [](std::string& o, const std::string& v) { put(o, v); });
  return out;
}

}  // namespace stacklens
