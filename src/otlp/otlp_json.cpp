#include "otlp/otlp_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/json.h"
#include "otlp/encoding.h"

namespace stacklens::otlp {
namespace bj = boost::json;
namespace {

Error bad(std::string_view where, std::string_view what) {
  return make_error(ErrorCode::bad_request, fmt::format("{} {}", where, what));
}

// The member named `camel` (or its snake_case spelling), null when absent.
const bj::value* member(const bj::object& o, std::string_view camel, std::string_view snake = {}) {
  if (auto it = o.find(camel); it != o.end() && !it->value().is_null()) return &it->value();
  if (!snake.empty())
    if (auto it = o.find(snake); it != o.end() && !it->value().is_null()) return &it->value();
  return nullptr;
}

Result<const bj::object*> object_at(const bj::value& v, std::string_view where) {
  if (!v.is_object()) return bad(where, "must be an object");
  return &v.get_object();
}

// Calls each(item, where) for every element of an optional array member.
template <typename F>
Status each_item(const bj::object& o, std::string_view camel, std::string_view snake, std::string_view where, F&& each) {
  const bj::value* v = member(o, camel, snake);
  if (!v) return ok_status();
  if (!v->is_array()) return bad(fmt::format("{}.{}", where, camel), "must be an array");
  const auto& arr = v->get_array();
  for (size_t i = 0; i < arr.size(); ++i)
    if (auto st = each(arr[i], fmt::format("{}.{}[{}]", where, camel, i)); !st) return st;
  return ok_status();
}

Result<std::string> string_field(const bj::object& o, std::string_view camel, std::string_view snake,
                                 std::string_view where) {
  const bj::value* v = member(o, camel, snake);
  if (!v) return std::string();
  if (!v->is_string()) return bad(fmt::format("{}.{}", where, camel), "must be a string");
  return std::string(v->get_string());
}

Result<uint64_t> uint64_field(const bj::object& o, std::string_view camel, std::string_view snake, std::string_view where) {
  const bj::value* v = member(o, camel, snake);
  if (!v) return uint64_t{0};
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<uint64_t>(v->get_int64());
  if (v->is_string()) {
    std::string_view s = v->get_string();
    uint64_t out = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return out;
  }
  return bad(fmt::format("{}.{}", where, camel), "must be an unsigned integer (number or decimal string)");
}

// An enum as a number or its name ("SPAN_KIND_CLIENT"); `names` are in value order.
template <size_t N>
Result<int> enum_field(const bj::object& o, std::string_view camel, const std::string_view (&names)[N],
                       std::string_view where) {
  const bj::value* v = member(o, camel);
  if (!v) return 0;
  if (v->is_int64() && v->get_int64() >= INT32_MIN && v->get_int64() <= INT32_MAX) return static_cast<int>(v->get_int64());
  if (v->is_uint64() && v->get_uint64() <= INT32_MAX) return static_cast<int>(v->get_uint64());
  if (v->is_string()) {
    auto it = std::find(std::begin(names), std::end(names), std::string_view(v->get_string()));
    if (it != std::end(names)) return static_cast<int>(it - std::begin(names));
  }
  return bad(fmt::format("{}.{}", where, camel), "is not a known enum value");
}

constexpr std::string_view kSpanKinds[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
                                           "SPAN_KIND_CLIENT",      "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"};
constexpr std::string_view kStatusCodes[] = {"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"};

// Hex (the OTLP JSON rule) when the text is hex of even length, else base64; as lowercase hex.
Result<std::string> id_field(const bj::object& o, std::string_view camel, std::string_view snake, std::string_view where) {
  SL_TRY(text, string_field(o, camel, snake, where));
  if (text.empty()) return text;
  if (auto bytes = from_hex(text)) return to_hex(*bytes);
  if (auto bytes = from_base64(text); bytes && !bytes->empty()) return to_hex(*bytes);
  return bad(fmt::format("{}.{}", where, camel), "must be hex or base64");
}

Result<bj::value> any_value(const bj::value& v, std::string_view where);

Result<KeyValues> key_values(const bj::object& o, std::string_view camel, std::string_view where) {
  KeyValues out;
  auto st = each_item(o, camel, {}, where, [&](const bj::value& item, const std::string& at) -> Status {
    SL_TRY(kv, object_at(item, at));
    SL_TRY(key, string_field(*kv, "key", {}, at));
    bj::value value(nullptr);
    if (const bj::value* val = member(*kv, "value")) {
      SL_TRY(parsed, any_value(*val, at + ".value"));
      value = std::move(parsed);
    }
    out.emplace_back(std::move(key), std::move(value));
    return ok_status();
  });
  if (!st) return st.error();
  return out;
}

Result<bj::value> any_value(const bj::value& v, std::string_view where) {
  SL_TRY(o, object_at(v, where));
  if (const bj::value* s = member(*o, "stringValue", "string_value")) {
    if (!s->is_string()) return bad(where, "stringValue must be a string");
    return *s;
  }
  if (const bj::value* b = member(*o, "boolValue", "bool_value")) {
    if (!b->is_bool()) return bad(where, "boolValue must be a boolean");
    return *b;
  }
  if (const bj::value* i = member(*o, "intValue", "int_value")) {
    if (i->is_int64()) return *i;
    if (i->is_uint64() && i->get_uint64() <= static_cast<uint64_t>(INT64_MAX)) return bj::value(static_cast<int64_t>(i->get_uint64()));
    if (i->is_string()) {
      std::string_view s = i->get_string();
      int64_t n = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
      if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return bj::value(n);
    }
    return bad(where, "intValue must be a 64-bit integer");
  }
  if (const bj::value* d = member(*o, "doubleValue", "double_value")) {
    if (d->is_number()) return bj::value(d->to_number<double>());
    if (d->is_string()) return *d;  // "NaN", "Infinity": kept as text
    return bad(where, "doubleValue must be a number");
  }
  if (const bj::value* b = member(*o, "bytesValue", "bytes_value")) {
    if (!b->is_string() || !from_base64(b->get_string())) return bad(where, "bytesValue must be base64");
    return *b;
  }
  if (const bj::value* a = member(*o, "arrayValue", "array_value")) {
    SL_TRY(arr, object_at(*a, std::string(where) + ".arrayValue"));
    bj::array out;
    auto st = each_item(*arr, "values", {}, std::string(where) + ".arrayValue", [&](const bj::value& item, const std::string& at) -> Status {
      SL_TRY(parsed, any_value(item, at));
      out.push_back(std::move(parsed));
      return ok_status();
    });
    if (!st) return st.error();
    return bj::value(std::move(out));
  }
  if (const bj::value* l = member(*o, "kvlistValue", "kvlist_value")) {
    SL_TRY(list, object_at(*l, std::string(where) + ".kvlistValue"));
    SL_TRY(kvs, key_values(*list, "values", std::string(where) + ".kvlistValue"));
    bj::object out;
    for (auto& [k, val] : kvs) out[k] = std::move(val);
    return bj::value(std::move(out));
  }
  return bj::value(nullptr);
}

Result<OtlpSpan> span(const bj::value& v, const std::string& where) {
  SL_TRY(o, object_at(v, where));
  OtlpSpan s;
  SL_TRY(trace_id, id_field(*o, "traceId", "trace_id", where));
  SL_TRY(span_id, id_field(*o, "spanId", "span_id", where));
  SL_TRY(parent, id_field(*o, "parentSpanId", "parent_span_id", where));
  SL_TRY(name, string_field(*o, "name", {}, where));
  SL_TRY(kind, enum_field(*o, "kind", kSpanKinds, where));
  SL_TRY(start, uint64_field(*o, "startTimeUnixNano", "start_time_unix_nano", where));
  SL_TRY(end, uint64_field(*o, "endTimeUnixNano", "end_time_unix_nano", where));
  SL_TRY(attributes, key_values(*o, "attributes", where));
  s.trace_id = std::move(trace_id);
  s.span_id = std::move(span_id);
  s.parent_span_id = std::move(parent);
  s.name = std::move(name);
  s.kind = kind;
  s.start_time_unix_nano = start;
  s.end_time_unix_nano = end;
  s.attributes = std::move(attributes);
  auto st = each_item(*o, "events", {}, where, [&](const bj::value& item, const std::string& at) -> Status {
    SL_TRY(eo, object_at(item, at));
    OtlpEvent e;
    SL_TRY(time, uint64_field(*eo, "timeUnixNano", "time_unix_nano", at));
    SL_TRY(ename, string_field(*eo, "name", {}, at));
    SL_TRY(eattrs, key_values(*eo, "attributes", at));
    e.time_unix_nano = time;
    e.name = std::move(ename);
    e.attributes = std::move(eattrs);
    s.events.push_back(std::move(e));
    return ok_status();
  });
  if (!st) return st.error();
  if (const bj::value* status = member(*o, "status")) {
    SL_TRY(so, object_at(*status, where + ".status"));
    SL_TRY(code, enum_field(*so, "code", kStatusCodes, where + ".status"));
    SL_TRY(message, string_field(*so, "message", {}, where + ".status"));
    s.status_code = code;
    s.status_message = std::move(message);
  }
  return s;
}

Result<OtlpScopeSpans> scope_spans(const bj::value& v, const std::string& where) {
  SL_TRY(o, object_at(v, where));
  OtlpScopeSpans out;
  if (const bj::value* scope = member(*o, "scope")) {
    SL_TRY(so, object_at(*scope, where + ".scope"));
    SL_TRY(name, string_field(*so, "name", {}, where + ".scope"));
    SL_TRY(version, string_field(*so, "version", {}, where + ".scope"));
    SL_TRY(attributes, key_values(*so, "attributes", where + ".scope"));
    out.scope_name = std::move(name);
    out.scope_version = std::move(version);
    out.scope_attributes = std::move(attributes);
  }
  auto st = each_item(*o, "spans", {}, where, [&](const bj::value& item, const std::string& at) -> Status {
    SL_TRY(s, span(item, at));
    out.spans.push_back(std::move(s));
    return ok_status();
  });
  if (!st) return st.error();
  return out;
}

}  // namespace

Result<TraceRequest> decode_json(std::string_view body) {
  SL_TRY(doc, json::parse(body));
  SL_TRY(root, object_at(doc, "request body"));
  TraceRequest req;
  auto st = each_item(*root, "resourceSpans", "resource_spans", "request", [&](const bj::value& item, const std::string& at) -> Status {
    SL_TRY(ro, object_at(item, at));
    OtlpResourceSpans rs;
    if (const bj::value* resource = member(*ro, "resource")) {
      SL_TRY(res, object_at(*resource, at + ".resource"));
      SL_TRY(attributes, key_values(*res, "attributes", at + ".resource"));
      rs.resource_attributes = std::move(attributes);
    }
    auto inner = each_item(*ro, "scopeSpans", "scope_spans", at, [&](const bj::value& ss, const std::string& sat) -> Status {
      SL_TRY(scope, scope_spans(ss, sat));
      rs.scope_spans.push_back(std::move(scope));
      return ok_status();
    });
    if (!inner) return inner;
    req.resource_spans.push_back(std::move(rs));
    return ok_status();
  });
  if (!st) return st.error();
  return req;
}

}  // namespace stacklens::otlp
