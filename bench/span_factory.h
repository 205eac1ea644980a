#pragma once
// Realistic spans for benchmarks: operation names, models and providers from
// fixed lists; 3-10 attributes and 0-4 tags; 30 % nested under a parent; 20 %
// with prompt and completion text of 0.5-8 KB; 2 % errors; plausible tokens and
// costs; start times now, or spread over a window before now.
//
// Generating load must cost little CPU, as the load generator shares the machine
// with the server: each span is a copy of one of a few thousand pre-made spans
// (drawn at random, so the mix above holds), with fresh ids, start and end
// times, attribute values and tag numbers written into it at known offsets (so
// that filters on them match as many spans as fresh draws would). next_batch()
// goes further: a batch's body is laid out once per slot and only those fields
// are rewritten in it for each send, so its text is not copied again.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace stacklens::bench {

class SpanFactory {
 public:
  // With `window_s`, start times fall in the window before now: at random, or, given
  // `chronological_spans`, in time order across that many spans (as live traffic would
  // have arrived over the window).
  // With `sessions`, a root span carries a session_id (one of 100,000) and a user_id (one of
  // 10,000), as a chat application's traces do. With `pii`, prompt and completion text carries
  // personal data (an email, phone, card, IBAN, IP address or name) about once per 1.2 KB, for
  // GovernAI's cost; without, it has none.
  SpanFactory(uint64_t seed, int64_t window_s, int64_t chronological_spans = 0, bool sessions = false,
              bool pii = false)
      : rng_(seed), window_s_(window_s), chronological_(chronological_spans), sessions_(sessions), pii_(pii) {
    for (int i = 0; i < 64; ++i) pool_.push_back(text(8192));
    for (int i = 0; i < kTemplates; ++i) {
      roots_.push_back(make_template(false, i));
      children_templates_.push_back(make_template(true, i));
    }
  }

  // One span (a new trace, or a child of the previous one), wire format.
  // `span_ids`, if given, gets "traceId spanId" of each span made.
  std::string next_span_json(std::vector<std::string>* span_ids) {
    std::string out;
    append_span(out, span_ids);
    return out;
  }

  // The body of the next request: one span when `single`, else next_batch(n). Valid until the
  // next call (or, for a batch, as next_batch says).
  const std::string& next_body(bool single, int n, std::vector<std::string>* span_ids) {
    if (!single) return next_batch(n, span_ids);
    single_ = next_span_json(span_ids);
    return single_;
  }

  std::string batch_json(int n, std::vector<std::string>* span_ids) {
    std::string out = "{\"spans\":[";
    for (int i = 0; i < n; ++i) {
      if (i) out += ',';
      append_span(out, span_ids);
    }
    return out + "]}";
  }

  // A batch of `n` spans as fresh as batch_json's, in one of kSlots bodies, each laid out (a
  // random draw of templates) for kUsesPerLayout batches and rewritten in place for each: only
  // ids, times and numbers change between them. Laid out again after that, so that over a run
  // the mix is the templates' as with batch_json. Valid until kSlots more calls reuse its slot.
  const std::string& next_batch(int n, std::vector<std::string>* span_ids) {
    Slot& slot = slots_[next_slot_++ % kSlots];
    if (slot.spans.size() != static_cast<size_t>(n) || ++slot.uses % kUsesPerLayout == 0) {
      slot.spans.clear();
      slot.json = "{\"spans\":[";
      bool has_trace = false;  // the layout's own trace structure; fill() follows it
      int children = 0;
      for (int i = 0; i < n; ++i) {
        if (i) slot.json += ',';
        const bool child = next_is_child(has_trace, children);
        children = child ? children + 1 : 0;
        has_trace = true;
        const Template& t = pick(child);
        slot.spans.push_back(Placed{slot.json.size(), &t, child});
        slot.json += t.json;
      }
      slot.json += "]}";
    }
    for (const Placed& p : slot.spans) fill(slot.json.data() + p.at, *p.t, p.child, span_ids);
    return slot.json;
  }

 private:
  static constexpr const char* kModels[] = {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "o3-mini", "claude-3-5-sonnet",
                                            "claude-3-haiku", "claude-opus-4", "gemini-1.5-pro", "gemini-2.0-flash",
                                            "llama-3-70b", "mistral-large", "command-r-plus"};
  static constexpr const char* kProviders[] = {"openai", "openai", "openai", "openai", "anthropic", "anthropic",
                                               "anthropic", "gemini", "gemini", "bedrock", "azure-openai", "bedrock"};
  static constexpr const char* kWords[] = {
      "the", "customer", "asked", "about", "refund", "policy", "order", "shipping", "delay", "please", "summarise",
      "document", "context", "answer", "question", "retrieve", "relevant", "passages", "from", "knowledge", "base",
      "assistant", "user", "system", "you", "are", "a", "helpful", "agent", "tool", "call", "result", "json",
      "account", "invoice", "billing", "support", "ticket", "priority", "escalate", "translate", "french", "english",
      "code", "function", "return", "value", "error", "retry", "latency", "token", "model", "prompt", "completion"};

  uint64_t rand64() { return rng_(); }
  int uniform(int lo, int hi) { return lo + static_cast<int>(rng_() % static_cast<uint64_t>(hi - lo + 1)); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  std::string text(int bytes) {
    static constexpr const char* kPersonal[] = {
        "contact me at maria.garcia@example.com", "call +44 7400 123495", "card 4111 1111 1111 1111",
        "IBAN DE89 3704 0044 0532 0130 00", "from 159.119.67.37", "my name is Maria Garcia",
        "Dear John Smith,", "phone (212) 555-0187"};
    std::string out;
    out.reserve(static_cast<size_t>(bytes) + 64);
    while (static_cast<int>(out.size()) < bytes) {
      out += pii_ && chance(0.005) ? kPersonal[rng_() % (sizeof kPersonal / sizeof kPersonal[0])]
                                   : kWords[rng_() % (sizeof kWords / sizeof kWords[0])];
      out += chance(0.08) ? ". " : " ";
    }
    return out;
  }

  std::string pooled_text(int bytes) {
    const std::string& t = pool_[rng_() % pool_.size()];
    const size_t offset = rng_() % (t.size() - static_cast<size_t>(bytes) + 1);
    return t.substr(offset, static_cast<size_t>(bytes));
  }

  int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  // A pre-made span: its text, where its ids and times go, and its times relative to its trace.
  // A number drawn afresh for each copy: uniform in [lo, hi], all of one digit count.
  struct Number {
    size_t at = 0;
    int lo = 0, hi = 0, digits = 0;
  };
  struct Template {
    std::string json;
    size_t trace_at = 0, span_at = 0, parent_at = 0, start_at = 0, end_at = 0;  // parent_at: children only
    int64_t offset_ns = 0, duration_ns = 0;
    std::vector<Number> numbers;  // attribute values and tags
  };
  static constexpr int kTemplates = 2048;
  static constexpr std::string_view kTrace = "################################", kId = "################";
  static constexpr std::string_view kTime = "0000000000000000000";  // 19 digits: any time since 2001 in ns

  // Appends a number uniform in [lo, hi] and returns how to draw it again: uniform among the
  // numbers of its digit count in that range, which keeps the whole draw uniform.
  Number number(std::string& out, int lo, int hi) {
    const std::string text = std::to_string(uniform(lo, hi));
    int smallest = 1;  // of this digit count
    for (size_t i = 1; i < text.size(); ++i) smallest *= 10;
    const Number n{out.size(), std::max(lo, text.size() == 1 ? 0 : smallest), std::min(hi, smallest * 10 - 1),
                   static_cast<int>(text.size())};
    out += text;
    return n;
  }

  // Appends `placeholder` to `out` and returns where it starts.
  static size_t mark(std::string& out, std::string_view placeholder) {
    const size_t at = out.size();
    out += placeholder;
    return at;
  }

  // Template i carries text when i % 5 == 0, and is an error once in each 50 (at an offset that
  // cycles through 0-4, so that a fifth of the errors carry text too): 20 % and 2 % exactly,
  // so that every run sends the same mix (a random draw over 2,048 templates drifts).
  Template make_template(bool child, int i) {
    Template t;
    std::string& out = t.json;
    const int op = uniform(0, 49);
    const int m = uniform(0, 11);
    t.offset_ns = child ? uniform(1, 500) * 1000000LL : 0;
    t.duration_ns = static_cast<int64_t>(uniform(50, 4000)) * 1000000LL;
    const int in = uniform(50, 4000), outt = uniform(10, 1200);
    char num[64];
    out += "{\"traceId\":\"";
    t.trace_at = mark(out, kTrace);
    out += "\",\"spanId\":\"";
    t.span_at = mark(out, kId);
    out += "\",\"parentSpanId\":";
    if (child) {
      out += '"';
      t.parent_at = mark(out, kId);
      out += '"';
    } else {
      out += "null";
    }
    out += ",\"name\":\"operation-" + std::to_string(op) + "\",\"status\":\"";
    out += i % 50 == (i / 50) % 5 ? "error" : "ok";
    out += "\",\"startTime\":";
    t.start_at = mark(out, kTime);
    out += ",\"endTime\":";
    t.end_at = mark(out, kTime);
    out += ",\"attributes\":{";
    const int attrs = uniform(3, 10);
    for (int a = 0; a < attrs; ++a) {
      if (a) out += ',';
      out += "\"attr_" + std::to_string(a) + "\":\"value-";
      t.numbers.push_back(number(out, 0, 999));
      out += '"';
    }
    if (sessions_ && !child) {
      out += ",\"session_id\":\"session-";
      t.numbers.push_back(number(out, 0, 99999));
      out += "\",\"user_id\":\"user-";
      t.numbers.push_back(number(out, 0, 9999));
      out += '"';
    }
    out += "},\"tags\":[";
    const int tags = uniform(0, 4);
    for (int i = 0; i < tags; ++i) {
      if (i) out += ',';
      out += "\"tag-";
      t.numbers.push_back(number(out, 0, 19));
      out += '"';
    }
    out += "],\"llmSpan\":{\"model\":\"";
    out += kModels[m];
    out += "\",\"provider\":\"";
    out += kProviders[m];
    // Every second LLM span comes without a cost of its own (0, as the SDK sends by default), so
    // the server prices it from its price table; the others carry the caller's cost.
    std::snprintf(num, sizeof num, "%.6f", i % 2 ? (in * 2.5 + outt * 10.0) / 1e6 : 0.0);
    out += "\",\"inputTokens\":" + std::to_string(in) + ",\"outputTokens\":" + std::to_string(outt) +
           ",\"totalTokens\":" + std::to_string(in + outt) + ",\"estimatedCostUsd\":" + num +
           ",\"temperature\":0.7,\"maxTokens\":2048";
    if (i % 5 == 0) {
      out += ",\"promptContent\":\"" + pooled_text(uniform(512, 8192)) + "\"";
      out += ",\"completionContent\":\"" + pooled_text(uniform(512, 8192)) + "\"";
    }
    out += ",\"isStreaming\":false,\"finishReason\":\"stop\"}}";
    return t;
  }

  static void put_hex(char* at, uint64_t v, int digits) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; --i, v >>= 4) at[i] = kHex[v & 15];
  }

  static void put_time(char* at, int64_t ns) {
    auto v = static_cast<uint64_t>(ns);
    for (int i = static_cast<int>(kTime.size()) - 1; i >= 0; --i, v /= 10) at[i] = static_cast<char>('0' + v % 10);
  }

  // Whether the next span joins the current trace (30 %, at most 9 children a trace).
  bool next_is_child(bool has_trace, int children) { return has_trace && children < 9 && chance(0.30); }
  const Template& pick(bool child) {
    const auto& pool = child ? children_templates_ : roots_;
    return pool[rng_() % pool.size()];
  }

  void append_span(std::string& out, std::vector<std::string>* span_ids) {
    const bool child = next_is_child(has_trace_, children_);
    const Template& t = pick(child);
    const size_t base = out.size();
    out += t.json;
    fill(out.data() + base, t, child, span_ids);
  }

  // Writes a span's fresh ids, times and numbers into its copy of `t` at `p`; a span that is not
  // a child starts a new trace.
  void fill(char* p, const Template& t, bool child, std::vector<std::string>* span_ids) {
    if (!child) {
      put_hex(trace_, rand64(), 16);
      put_hex(trace_ + 16, rand64(), 16);
      put_hex(root_, rand64(), 16);
      has_trace_ = true;
      children_ = 0;
      start_ns_ = now_ns();
      if (window_s_ > 0 && chronological_ > 0)
        start_ns_ -= static_cast<int64_t>(static_cast<double>(window_s_) * 1e9 *
                                          static_cast<double>(std::max<int64_t>(0, chronological_ - made_)) /
                                          static_cast<double>(chronological_));
      else if (window_s_ > 0)
        start_ns_ -= static_cast<int64_t>(rng_() % static_cast<uint64_t>(window_s_)) * 1000000000LL;
    } else {
      ++children_;
    }
    ++made_;
    std::memcpy(p + t.trace_at, trace_, kTrace.size());
    if (child) {
      put_hex(p + t.span_at, rand64(), 16);
      std::memcpy(p + t.parent_at, root_, kId.size());
    } else {
      std::memcpy(p + t.span_at, root_, kId.size());
    }
    const int64_t start = start_ns_ + t.offset_ns;
    put_time(p + t.start_at, start);
    put_time(p + t.end_at, start + t.duration_ns);
    for (const Number& n : t.numbers) {
      auto v = static_cast<unsigned>(uniform(n.lo, n.hi));
      for (int i = n.digits - 1; i >= 0; --i, v /= 10) p[n.at + static_cast<size_t>(i)] = static_cast<char>('0' + v % 10);
    }
    if (span_ids)
      span_ids->push_back(std::string(trace_, kTrace.size()) + " " + std::string(p + t.span_at, kId.size()));
  }

  // A batch body laid out once: where each span's copy of its template starts.
  struct Placed {
    size_t at;
    const Template* t;
    bool child;
  };
  struct Slot {
    std::string json;
    std::vector<Placed> spans;
    unsigned uses = 0;
  };
  static constexpr int kSlots = 4, kUsesPerLayout = 8;
  Slot slots_[kSlots];
  unsigned next_slot_ = 0;
  std::string single_;  // next_body()'s single span

  std::mt19937_64 rng_;
  int64_t window_s_;
  int64_t chronological_ = 0, made_ = 0;
  bool sessions_ = false;
  bool pii_ = false;
  char trace_[32] = {}, root_[16] = {};
  bool has_trace_ = false;
  int children_ = 0;
  int64_t start_ns_ = 0;
  std::vector<std::string> pool_;
  std::vector<Template> roots_, children_templates_;
};

}  // namespace stacklens::bench
