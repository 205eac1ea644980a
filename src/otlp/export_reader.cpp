#include "otlp/export_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "ingest/span_validator.h"
#include "otlp/genai_mapping.h"
#include "otlp/gzip.h"
#include "otlp/otlp_decoder.h"
#include "otlp/otlp_json.h"

namespace stacklens::otlp {
namespace {

// A header value's token before any parameters (";charset=..."), lowercase.
std::string lower_token(std::string_view v) {
  v = v.substr(0, v.find(';'));
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  std::string out(v);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Result<MediaType> media_type_of(std::string_view content_type) {
  const std::string type = lower_token(content_type);
  if (type == "application/x-protobuf" || type == "application/protobuf") return MediaType::protobuf;
  if (type == "application/json" || type.empty()) return MediaType::json;
  return make_error(ErrorCode::unsupported_media,
                    fmt::format("Content-Type '{}' is not supported: send application/x-protobuf or application/json",
                                type.substr(0, 64)));
}

// Whether the body must be inflated first: gzip or none.
Result<bool> gzipped(std::string_view content_encoding) {
  const std::string enc = lower_token(content_encoding);
  if (enc == "gzip") return true;
  if (enc.empty() || enc == "identity") return false;
  return make_error(ErrorCode::unsupported_media,
                    fmt::format("Content-Encoding '{}' is not supported: send gzip or none", enc.substr(0, 64)));
}

// Maps and validates every span; the first rejection's reason names the span, the rest are counted.
void map_spans(const TraceRequest& req, int64_t project_id, const Limits& limits, Export& out) {
  out.spans.reserve(req.span_count());
  for (const auto& resource : req.resource_spans)
    for (const auto& scope : resource.scope_spans)
      for (const auto& in : scope.spans) {
        Span span = to_span(in, scope, resource, project_id);
        if (auto st = ingest::validate_span(span, limits); !st) {
          if (out.result.rejected_spans++ == 0)
            out.result.error_message = fmt::format("span '{}': {}", in.span_id.substr(0, 32), st.error().message);
          continue;
        }
        out.spans.push_back(std::move(span));
      }
  if (out.result.rejected_spans > 1)
    out.result.error_message += fmt::format(" (and {} more rejected)", out.result.rejected_spans - 1);
}

}  // namespace

Result<Export> read_export(std::string_view content_type, std::string_view content_encoding, std::string_view body,
                           int64_t project_id, const Limits& limits) {
  Export out;
  SL_TRY(media_type, media_type_of(content_type));
  out.media_type = media_type;
  SL_TRY(inflate, gzipped(content_encoding));
  std::string inflated;
  if (inflate) {
    SL_TRY(text, gunzip(body, limits.max_body_bytes));
    inflated = std::move(text);
    body = inflated;
  }
  SL_TRY(req, media_type == MediaType::protobuf ? decode_protobuf(body) : decode_json(body));
  if (const size_t n = req.span_count(); n > limits.max_batch_spans)
    return make_error(ErrorCode::payload_too_large,
                      fmt::format("request has {} spans; the limit is {} per request", n, limits.max_batch_spans));
  map_spans(req, project_id, limits, out);
  return out;
}

}  // namespace stacklens::otlp
