#include "otlp/otlp_decoder.h"

#include <fmt/format.h>

#include "otlp/encoding.h"
#include "otlp/protobuf_reader.h"

namespace stacklens::otlp {
namespace bj = boost::json;
namespace {

// Field numbers, per message, from the OTLP specification.
namespace f {
constexpr uint32_t request_resource_spans = 1;
constexpr uint32_t resource_spans_resource = 1, resource_spans_scope_spans = 2;
constexpr uint32_t resource_attributes = 1;
constexpr uint32_t scope_spans_scope = 1, scope_spans_spans = 2;
constexpr uint32_t scope_name = 1, scope_version = 2, scope_attributes = 3;
constexpr uint32_t span_trace_id = 1, span_span_id = 2, span_parent_span_id = 4, span_name = 5, span_kind = 6,
                   span_start = 7, span_end = 8, span_attributes = 9, span_events = 11, span_status = 15;
constexpr uint32_t event_time = 1, event_name = 2, event_attributes = 3;
constexpr uint32_t status_message = 2, status_code = 3;
constexpr uint32_t key_value_key = 1, key_value_value = 2;
constexpr uint32_t any_string = 1, any_bool = 2, any_int = 3, any_double = 4, any_array = 5, any_kvlist = 6,
                   any_bytes = 7;
constexpr uint32_t list_values = 1;  // ArrayValue.values and KeyValueList.values
}  // namespace f

constexpr int kMaxDepth = 32;

Error bad(std::string_view what) { return make_error(ErrorCode::bad_request, fmt::format("malformed protobuf: {}", what)); }

// Calls on_field(field) for every field of `bytes`, stopping at the first error.
template <typename F>
Status each_field(std::string_view bytes, F&& on_field) {
  ProtobufReader r(bytes);
  for (;;) {
    auto next = r.next();
    if (!next) return next.error();
    if (!*next) return ok_status();
    if (auto st = on_field(**next); !st) return st;
  }
}

Status want(const Field& fld, WireType type, std::string_view message) {
  if (fld.type != type) return bad(fmt::format("{} field {} has the wrong wire type", message, fld.number));
  return ok_status();
}

Result<bj::value> any_value(std::string_view bytes, int depth);

Result<std::pair<std::string, bj::value>> key_value(std::string_view bytes, int depth) {
  std::pair<std::string, bj::value> kv{std::string(), bj::value(nullptr)};
  auto st = each_field(bytes, [&](const Field& fld) -> Status {
    if (fld.number == f::key_value_key) {
      if (auto w = want(fld, WireType::length_delimited, "KeyValue"); !w) return w;
      kv.first.assign(fld.bytes);
    } else if (fld.number == f::key_value_value) {
      if (auto w = want(fld, WireType::length_delimited, "KeyValue"); !w) return w;
      auto v = any_value(fld.bytes, depth + 1);
      if (!v) return v.error();
      kv.second = std::move(*v);
    }
    return ok_status();
  });
  if (!st) return st.error();
  return kv;
}

Result<bj::value> any_value(std::string_view bytes, int depth) {
  if (depth > kMaxDepth) return bad("attribute values nested deeper than 32");
  bj::value out(nullptr);
  auto st = each_field(bytes, [&](const Field& fld) -> Status {
    switch (fld.number) {
      case f::any_string:
        if (auto w = want(fld, WireType::length_delimited, "AnyValue"); !w) return w;
        out = bj::string(fld.bytes);
        break;
      case f::any_bool:
        if (auto w = want(fld, WireType::varint, "AnyValue"); !w) return w;
        out = fld.scalar != 0;
        break;
      case f::any_int:
        if (auto w = want(fld, WireType::varint, "AnyValue"); !w) return w;
        out = static_cast<int64_t>(fld.scalar);
        break;
      case f::any_double:
        if (auto w = want(fld, WireType::fixed64, "AnyValue"); !w) return w;
        out = as_double(fld.scalar);
        break;
      case f::any_bytes:
        if (auto w = want(fld, WireType::length_delimited, "AnyValue"); !w) return w;
        out = bj::string(to_base64(fld.bytes));
        break;
      case f::any_array: {
        if (auto w = want(fld, WireType::length_delimited, "AnyValue"); !w) return w;
        bj::array arr;
        auto inner = each_field(fld.bytes, [&](const Field& item) -> Status {
          if (item.number != f::list_values) return ok_status();
          if (auto w = want(item, WireType::length_delimited, "ArrayValue"); !w) return w;
          auto v = any_value(item.bytes, depth + 1);
          if (!v) return v.error();
          arr.push_back(std::move(*v));
          return ok_status();
        });
        if (!inner) return inner;
        out = std::move(arr);
        break;
      }
      case f::any_kvlist: {
        if (auto w = want(fld, WireType::length_delimited, "AnyValue"); !w) return w;
        bj::object obj;
        auto inner = each_field(fld.bytes, [&](const Field& item) -> Status {
          if (item.number != f::list_values) return ok_status();
          if (auto w = want(item, WireType::length_delimited, "KeyValueList"); !w) return w;
          auto kv = key_value(item.bytes, depth + 1);
          if (!kv) return kv.error();
          obj[kv->first] = std::move(kv->second);
          return ok_status();
        });
        if (!inner) return inner;
        out = std::move(obj);
        break;
      }
      default:
        break;
    }
    return ok_status();
  });
  if (!st) return st.error();
  return out;
}

Status add_attribute(KeyValues& out, const Field& fld, std::string_view message) {
  if (auto w = want(fld, WireType::length_delimited, message); !w) return w;
  auto kv = key_value(fld.bytes, 0);
  if (!kv) return kv.error();
  out.push_back(std::move(*kv));
  return ok_status();
}

Result<OtlpEvent> event(std::string_view bytes) {
  OtlpEvent e;
  auto st = each_field(bytes, [&](const Field& fld) -> Status {
    switch (fld.number) {
      case f::event_time:
        if (auto w = want(fld, WireType::fixed64, "Span.Event"); !w) return w;
        e.time_unix_nano = fld.scalar;
        break;
      case f::event_name:
        if (auto w = want(fld, WireType::length_delimited, "Span.Event"); !w) return w;
        e.name.assign(fld.bytes);
        break;
      case f::event_attributes: return add_attribute(e.attributes, fld, "Span.Event");
      default: break;
    }
    return ok_status();
  });
  if (!st) return st.error();
  return e;
}

Result<OtlpSpan> span(std::string_view bytes) {
  OtlpSpan s;
  auto st = each_field(bytes, [&](const Field& fld) -> Status {
    switch (fld.number) {
      case f::span_trace_id:
      case f::span_span_id:
      case f::span_parent_span_id:
      case f::span_name: {
        if (auto w = want(fld, WireType::length_delimited, "Span"); !w) return w;
        if (fld.number == f::span_name) s.name.assign(fld.bytes);
        else (fld.number == f::span_trace_id ? s.trace_id : fld.number == f::span_span_id ? s.span_id : s.parent_span_id) =
            to_hex(fld.bytes);
        break;
      }
      case f::span_kind:
        if (auto w = want(fld, WireType::varint, "Span"); !w) return w;
        s.kind = static_cast<int>(static_cast<int32_t>(fld.scalar));
        break;
      case f::span_start:
      case f::span_end:
        if (auto w = want(fld, WireType::fixed64, "Span"); !w) return w;
        (fld.number == f::span_start ? s.start_time_unix_nano : s.end_time_unix_nano) = fld.scalar;
        break;
      case f::span_attributes: return add_attribute(s.attributes, fld, "Span");
      case f::span_events: {
        if (auto w = want(fld, WireType::length_delimited, "Span"); !w) return w;
        auto e = event(fld.bytes);
        if (!e) return e.error();
        s.events.push_back(std::move(*e));
        break;
      }
      case f::span_status: {
        if (auto w = want(fld, WireType::length_delimited, "Span"); !w) return w;
        return each_field(fld.bytes, [&](const Field& sf) -> Status {
          if (sf.number == f::status_message) {
            if (auto w = want(sf, WireType::length_delimited, "Status"); !w) return w;
            s.status_message.assign(sf.bytes);
          } else if (sf.number == f::status_code) {
            if (auto w = want(sf, WireType::varint, "Status"); !w) return w;
            s.status_code = static_cast<int>(static_cast<int32_t>(sf.scalar));
          }
          return ok_status();
        });
      }
      default: break;
    }
    return ok_status();
  });
  if (!st) return st.error();
  return s;
}

Result<OtlpScopeSpans> scope_spans(std::string_view bytes) {
  OtlpScopeSpans out;
  auto st = each_field(bytes, [&](const Field& fld) -> Status {
    if (fld.number == f::scope_spans_scope) {
      if (auto w = want(fld, WireType::length_delimited, "ScopeSpans"); !w) return w;
      return each_field(fld.bytes, [&](const Field& sf) -> Status {
        if (sf.number == f::scope_attributes) return add_attribute(out.scope_attributes, sf, "InstrumentationScope");
        if (sf.number == f::scope_name || sf.number == f::scope_version) {
          if (auto w = want(sf, WireType::length_delimited, "InstrumentationScope"); !w) return w;
          (sf.number == f::scope_name ? out.scope_name : out.scope_version).assign(sf.bytes);
        }
        return ok_status();
      });
    }
    if (fld.number == f::scope_spans_spans) {
      if (auto w = want(fld, WireType::length_delimited, "ScopeSpans"); !w) return w;
      auto s = span(fld.bytes);
      if (!s) return s.error();
      out.spans.push_back(std::move(*s));
    }
    return ok_status();
  });
  if (!st) return st.error();
  return out;
}

Result<OtlpResourceSpans> resource_spans(std::string_view bytes) {
  OtlpResourceSpans out;
  auto st = each_field(bytes, [&](const Field& fld) -> Status {
    if (fld.number == f::resource_spans_resource) {
      if (auto w = want(fld, WireType::length_delimited, "ResourceSpans"); !w) return w;
      return each_field(fld.bytes, [&](const Field& rf) -> Status {
        if (rf.number == f::resource_attributes) return add_attribute(out.resource_attributes, rf, "Resource");
        return ok_status();
      });
    }
    if (fld.number == f::resource_spans_scope_spans) {
      if (auto w = want(fld, WireType::length_delimited, "ResourceSpans"); !w) return w;
      auto s = scope_spans(fld.bytes);
      if (!s) return s.error();
      out.scope_spans.push_back(std::move(*s));
    }
    return ok_status();
  });
  if (!st) return st.error();
  return out;
}

}  // namespace

Result<TraceRequest> decode_protobuf(std::string_view body) {
  TraceRequest req;
  auto st = each_field(body, [&](const Field& fld) -> Status {
    if (fld.number != f::request_resource_spans) return ok_status();
    if (auto w = want(fld, WireType::length_delimited, "ExportTraceServiceRequest"); !w) return w;
    auto r = resource_spans(fld.bytes);
    if (!r) return r.error();
    req.resource_spans.push_back(std::move(*r));
    return ok_status();
  });
  if (!st) return st.error();
  return req;
}

}  // namespace stacklens::otlp
