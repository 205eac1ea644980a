#include "storage/sqlite/span_row.h"

#include <fmt/format.h>

#include <cstring>

#include "storage/sqlite/span_codec.h"

namespace stacklens::sqlite {
namespace {

// Version 2 added the cost source and the usage types; rows of version 1 read with neither.
constexpr char kVersion = 2;
constexpr char kVersionWithoutUsage = 1;
enum Flag : uint64_t {
  kParent = 1 << 0,
  kLlm = 1 << 1,
  kTemperature = 1 << 2,
  kMaxTokens = 1 << 3,
  kFinishReason = 1 << 4,
  kStreaming = 1 << 5,
  kPrompt = 1 << 6,
  kCompletion = 1 << 7,
  kTextLog = 1 << 8,  // prompt and completion are in spans.text (lengths here), else their bytes are
  kUsage = 1 << 9,    // cache read, cache write and reasoning tokens follow the cost source
};

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void u(uint64_t v) {
    while (v >= 0x80) {
      out_ += static_cast<char>(v | 0x80);
      v >>= 7;
    }
    out_ += static_cast<char>(v);
  }
  void i(int64_t v) { u((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void d(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    for (int k = 0; k < 8; ++k) out_ += static_cast<char>((bits >> (8 * k)) & 0xff);
  }
  void s(std::string_view v) {
    u(v.size());
    out_ += v;
  }

 private:
  std::string& out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return at_ == in_.size(); }
  uint64_t u() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at_ >= in_.size()) return fail();
      const auto b = static_cast<unsigned char>(in_[at_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
    return fail();
  }
  int64_t i() {
    const uint64_t z = u();
    return static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
  }
  double d() {
    if (in_.size() - at_ < 8) return static_cast<double>(fail());
    uint64_t bits = 0;
    for (int k = 0; k < 8; ++k) bits |= static_cast<uint64_t>(static_cast<unsigned char>(in_[at_++])) << (8 * k);
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  size_t at() const { return at_; }
  std::string s() {
    const uint64_t n = u();
    if (!ok_ || n > in_.size() - at_) return fail(), std::string();
    std::string v(in_.substr(at_, n));
    at_ += n;
    return v;
  }

 private:
  uint64_t fail() {
    ok_ = false;
    at_ = in_.size();
    return 0;
  }
  std::string_view in_;
  size_t at_ = 0;
  bool ok_ = true;
};

}  // namespace

std::string pack_span(const SpanRecord& r) {
  const Span& sp = r.span;
  const SpanRecord::Encoded& e = *r.encoded;
  uint64_t flags = 0;
  if (sp.parent_span_id) flags |= kParent;
  if (sp.llm) {
    flags |= kLlm;
    if (sp.llm->temperature) flags |= kTemperature;
    if (sp.llm->max_tokens) flags |= kMaxTokens;
    if (sp.llm->finish_reason) flags |= kFinishReason;
    if (sp.llm->is_streaming) flags |= kStreaming;
    if (sp.llm->cache_read_tokens || sp.llm->cache_write_tokens || sp.llm->reasoning_tokens) flags |= kUsage;
  }
  if (r.prompt) flags |= kPrompt;
  if (r.completion) flags |= kCompletion;
  if (e.text_at) flags |= kTextLog;
  std::string out;
  out.reserve(64 + e.events.size() +
              (e.text_at ? 0 : (r.prompt ? r.prompt->bytes.size() : 0) + (r.completion ? r.completion->bytes.size() : 0)));
  out += kVersion;
  Writer w(out);
  w.u(flags);
  if (sp.parent_span_id) w.s(*sp.parent_span_id);
  w.s(sp.kind);
  w.s(sp.status);
  w.i(sp.start_us);
  w.i(sp.end_us);
  if (sp.llm) {
    const LlmData& l = *sp.llm;
    w.i(l.input_tokens);
    w.i(l.output_tokens);
    w.i(l.total_tokens);
    w.d(l.cost_usd);
    w.u(static_cast<uint64_t>(l.cost_source));
    if (flags & kUsage) {
      w.i(l.cache_read_tokens);
      w.i(l.cache_write_tokens);
      w.i(l.reasoning_tokens);
    }
    if (l.temperature) w.d(*l.temperature);
    if (l.max_tokens) w.i(*l.max_tokens);
    if (l.finish_reason) w.s(*l.finish_reason);
  }
  for (const auto* sealed : {&r.prompt, &r.completion}) {
    if (!*sealed) continue;
    w.i((*sealed)->key_id);
    if (!e.text_at) w.s((*sealed)->bytes);
  }
  if (e.text_at) {
    w.i(*e.text_at);
    w.i(e.prompt_len);
    w.i(e.completion_len);
  }
  w.s(e.events);
  w.i(static_cast<int64_t>(e.attributes.size()));
  return out;
}

Result<std::string> with_cost(std::string_view packed, double cost_usd, CostSource source) {
  const auto corrupt = [](std::string_view why) {
    return make_error(ErrorCode::internal, fmt::format("a stored span row is corrupt ({})", why));
  };
  if (packed.empty() || (packed[0] != kVersion && packed[0] != kVersionWithoutUsage))
    return corrupt("unknown packed format");
  const bool has_source = packed[0] == kVersion;
  Reader in(packed.substr(1));
  const uint64_t flags = in.u();
  if (!(flags & kLlm)) return corrupt("no LLM data to price");
  if (flags & kParent) (void)in.s();
  (void)in.s(), (void)in.s(), (void)in.i(), (void)in.i(), (void)in.i(), (void)in.i(), (void)in.i();
  const size_t cost_at = 1 + in.at();
  (void)in.d();
  if (has_source) (void)in.u();
  if (!in.ok()) return corrupt("truncated");
  std::string out;
  out.reserve(packed.size() + 1);
  out += kVersion;
  out.append(packed.substr(1, cost_at - 1));
  Writer w(out);
  w.d(cost_usd);
  w.u(static_cast<uint64_t>(source));
  out.append(packed.substr(1 + in.at()));
  return out;
}

Status unpack_span(std::string_view packed, SpanRecord& r, PackedPlace& place) {
  const auto corrupt = [&](std::string_view why) {
    return make_error(ErrorCode::internal, fmt::format("a stored span row is corrupt ({})", why));
  };
  if (packed.empty() || (packed[0] != kVersion && packed[0] != kVersionWithoutUsage))
    return corrupt("unknown packed format");
  const bool has_usage = packed[0] == kVersion;
  Reader in(packed.substr(1));
  Span& sp = r.span;
  const uint64_t flags = in.u();
  if (flags & kParent) sp.parent_span_id = in.s();
  sp.kind = in.s();
  sp.status = in.s();
  sp.start_us = in.i();
  sp.end_us = in.i();
  if (flags & kLlm) {
    LlmData& l = sp.llm ? *sp.llm : sp.llm.emplace();
    l.input_tokens = in.i();
    l.output_tokens = in.i();
    l.total_tokens = in.i();
    l.cost_usd = in.d();
    if (has_usage) {
      const uint64_t source = in.u();
      if (source >= std::size(kCostSources)) return corrupt("unknown cost source");
      l.cost_source = static_cast<CostSource>(source);
      if (flags & kUsage) {
        l.cache_read_tokens = in.i();
        l.cache_write_tokens = in.i();
        l.reasoning_tokens = in.i();
      }
    }
    if (flags & kTemperature) l.temperature = in.d();
    if (flags & kMaxTokens) l.max_tokens = in.i();
    if (flags & kFinishReason) l.finish_reason = in.s();
    l.is_streaming = (flags & kStreaming) != 0;
  }
  for (auto [flag, sealed] : {std::pair(kPrompt, &r.prompt), std::pair(kCompletion, &r.completion)}) {
    if (!(flags & flag)) continue;
    SealedText& t = sealed->emplace();
    t.key_id = static_cast<int>(in.i());
    if (!(flags & kTextLog)) t.bytes = in.s();
  }
  place = PackedPlace{};
  if (flags & kTextLog) {
    place.text_at = in.i();
    place.prompt_len = in.i();
    place.completion_len = in.i();
  }
  const std::string events = in.s();
  place.attributes_len = in.i();
  if (!in.ok()) return corrupt("truncated");
  if (!in.done()) return corrupt("trailing bytes");
  if (place.attributes_len < 0 || place.prompt_len < 0 || place.completion_len < 0 || (place.text_at && *place.text_at < 0))
    return corrupt("negative length");
  parse_events(events, sp.events);
  return ok_status();
}

}  // namespace stacklens::sqlite
