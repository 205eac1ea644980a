#include "api/export_rows.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "api/json_views.h"
#include "core/json.h"

namespace stacklens::api {
namespace bj = boost::json;

namespace {

// A row's cells, written straight into the output (an export writes millions: no JSON value is
// built per span). JSON Lines writes each value as JSON, as json::serialize would; CSV writes
// strings as fields, null as nothing, and the rest as its JSON text.
class Cells {
 public:
  Cells(std::string& out, ExportFormat f) : out_(out), csv_(f == ExportFormat::csv) {}

  void begin(std::string_view name) {
    if (csv_) {
      if (!first_) out_ += ',';
    } else {
      out_ += first_ ? "{" : ",";
      json::append_quoted(out_, name);
      out_ += ':';
    }
    first_ = false;
  }
  void end() { out_ += csv_ ? "\r\n" : "}\n"; }

  void null() {
    if (!csv_) out_ += "null";
  }
  void string(std::string_view v) {
    if (csv_) append_csv_field(out_, v);
    else json::append_quoted(out_, v);
  }
  void integer(int64_t v) { fmt::format_to(std::back_inserter(out_), "{}", v); }
  void boolean(bool v) { out_ += v ? "true" : "false"; }
  // Doubles as Boost.JSON writes them ("1.5E0"), through the thread's one serializer.
  void number(double v) {
    static thread_local bj::serializer serializer;
    const bj::value value(v);
    serializer.reset(&value);
    char buf[64];
    out_ += serializer.read(buf, sizeof buf);
  }
  void maybe(const std::optional<std::string>& v) { v ? string(*v) : null(); }
  void maybe(const std::optional<int64_t>& v) { v ? integer(*v) : null(); }
  void maybe(const std::optional<double>& v) { v ? number(*v) : null(); }
  // A list or an object: `write` appends its compact JSON text to the string it is given.
  template <typename F>
  void json(F write) {
    if (!csv_) return write(out_);
    static thread_local std::string scratch;
    scratch.clear();
    write(scratch);
    append_csv_field(out_, scratch);
  }

  // A comma, quote or line break in the field: one memchr each (find_first_of would search its
  // set once per character; prompts and completions run to kilobytes).
  static bool needs_quotes(std::string_view v) {
    for (char c : {',', '"', '\r', '\n'})
      if (v.find(c) != std::string_view::npos) return true;
    return false;
  }

  static void append_csv_field(std::string& out, std::string_view v) {
    if (!needs_quotes(v)) {
      out += v;
      return;
    }
    out.reserve(out.size() + v.size() + v.size() / 16 + 2);
    out += '"';
    // Runs up to and including each quote, the quote then doubled.
    for (size_t at = 0; at < v.size();) {
      const size_t quote = v.find('"', at);
      const size_t end = quote == std::string_view::npos ? v.size() : quote + 1;
      out.append(v.data() + at, end - at);
      if (quote != std::string_view::npos) out += '"';
      at = end;
    }
    out += '"';
  }

 private:
  std::string& out_;
  const bool csv_;
  bool first_ = true;
};

// Plain string attributes as a JSON object, in order. Typed ones, or a key given twice (the
// object keeps its first place and last value), go through the API's own view.
void append_attributes(std::string& out, const Attributes& attrs, const TypedKeys& typed) {
  bool plain = typed.empty();
  for (size_t i = 0; plain && i < attrs.size(); ++i)
    for (size_t j = 0; plain && j < i; ++j) plain = attrs[i].first != attrs[j].first;
  if (!plain) {
    out += json::serialize(attributes_object(attrs, typed));
    return;
  }
  out += '{';
  for (size_t i = 0; i < attrs.size(); ++i) {
    if (i) out += ',';
    json::append_quoted(out, attrs[i].first);
    out += ':';
    json::append_quoted(out, attrs[i].second);
  }
  out += '}';
}

struct Column {
  std::string_view name;
  bool text;  // prompt or completion: only when asked for
  void (*write)(const Span&, Cells&);
};

// An LLM field, null on spans without LLM data.
#define SL_LLM(call)       \
  [](const Span& s, Cells& c) { \
    if (!s.llm) return c.null(); \
    const LlmData& l = *s.llm;   \
    c.call;                      \
  }

// Field names as in the API's Span, with llmSpan's fields flattened into the row.
constexpr Column kColumns[] = {
    {"traceId", false, [](const Span& s, Cells& c) { c.string(s.trace_id); }},
    {"spanId", false, [](const Span& s, Cells& c) { c.string(s.span_id); }},
    {"parentSpanId", false, [](const Span& s, Cells& c) { c.maybe(s.parent_span_id); }},
    {"name", false, [](const Span& s, Cells& c) { c.string(s.name); }},
    {"kind", false, [](const Span& s, Cells& c) { c.string(s.kind); }},
    {"status", false, [](const Span& s, Cells& c) { c.string(s.status); }},
    {"startTime", false, [](const Span& s, Cells& c) { c.string(format_iso8601(s.start_us)); }},
    {"endTime", false, [](const Span& s, Cells& c) { c.string(format_iso8601(s.end_us)); }},
    {"latencyMs", false, [](const Span& s, Cells& c) { c.number(static_cast<double>(s.latency_us()) / 1000.0); }},
    {"model", false, SL_LLM(string(l.model))},
    {"provider", false, SL_LLM(string(l.provider))},
    {"inputTokens", false, SL_LLM(integer(l.input_tokens))},
    {"outputTokens", false, SL_LLM(integer(l.output_tokens))},
    {"totalTokens", false, SL_LLM(integer(l.total_tokens))},
    {"cacheReadTokens", false, SL_LLM(integer(l.cache_read_tokens))},
    {"cacheWriteTokens", false, SL_LLM(integer(l.cache_write_tokens))},
    {"reasoningTokens", false, SL_LLM(integer(l.reasoning_tokens))},
    {"estimatedCostUsd", false, SL_LLM(number(l.cost_usd))},
    {"costSource", false, SL_LLM(string(cost_source_name(l.cost_source)))},
    {"temperature", false, SL_LLM(maybe(l.temperature))},
    {"maxTokens", false, SL_LLM(maybe(l.max_tokens))},
    {"isStreaming", false, SL_LLM(boolean(l.is_streaming))},
    {"finishReason", false, SL_LLM(maybe(l.finish_reason))},
    {"tags", false,
     [](const Span& s, Cells& c) {
       c.json([&](std::string& out) {
         out += '[';
         for (size_t i = 0; i < s.tags.size(); ++i) {
           if (i) out += ',';
           json::append_quoted(out, s.tags[i]);
         }
         out += ']';
       });
     }},
    {"attributes", false,
     [](const Span& s, Cells& c) { c.json([&](std::string& out) { append_attributes(out, s.attributes, s.typed_attributes); }); }},
    {"events", false,
     [](const Span& s, Cells& c) {
       c.json([&](std::string& out) {
         out += '[';
         for (size_t i = 0; i < s.events.size(); ++i) {
           const SpanEvent& e = s.events[i];
           out += i ? ",{\"name\":" : "{\"name\":";
           json::append_quoted(out, e.name);
           out += ",\"time\":";
           json::append_quoted(out, format_iso8601(e.time_us));
           out += ",\"attributes\":";
           append_attributes(out, e.attributes, e.typed_attributes);
           out += '}';
         }
         out += ']';
       });
     }},
    {"promptContent", true, SL_LLM(maybe(l.prompt))},
    {"completionContent", true, SL_LLM(maybe(l.completion))},
};

#undef SL_LLM

}  // namespace

std::optional<ExportFormat> parse_export_format(std::string_view name) {
  if (name == "jsonl") return ExportFormat::jsonl;
  if (name == "csv") return ExportFormat::csv;
  return std::nullopt;
}

std::string_view export_extension(ExportFormat f) { return f == ExportFormat::csv ? "csv" : "jsonl"; }

std::string_view export_content_type(ExportFormat f) {
  return f == ExportFormat::csv ? "text/csv; charset=utf-8" : "application/x-ndjson";
}

void append_export_header(std::string& out, ExportFormat f, bool with_text) {
  if (f != ExportFormat::csv) return;
  bool first = true;
  for (const auto& c : kColumns) {
    if (c.text && !with_text) continue;
    if (!first) out += ',';
    first = false;
    out += c.name;
  }
  out += "\r\n";
}

void append_export_row(std::string& out, const Span& s, ExportFormat f, bool with_text) {
  Cells cells(out, f);
  for (const auto& c : kColumns) {
    if (c.text && !with_text) continue;
    cells.begin(c.name);
    c.write(s, cells);
  }
  cells.end();
}

}  // namespace stacklens::api
