#include "otlp/export_response.h"

#include <boost/json.hpp>

#include "core/json.h"
#include "otlp/protobuf_reader.h"

namespace stacklens::otlp {

// ExportTraceServiceResponse.partial_success = 1;
// ExportTracePartialSuccess.rejected_spans = 1, error_message = 2.
std::string response_protobuf(const ExportResult& r) {
  std::string out;
  if (r.rejected_spans == 0 && r.error_message.empty()) return out;
  std::string partial;
  if (r.rejected_spans) put_varint_field(partial, 1, static_cast<uint64_t>(r.rejected_spans));
  if (!r.error_message.empty()) put_bytes_field(partial, 2, r.error_message);
  put_bytes_field(out, 1, partial);
  return out;
}

std::string response_json(const ExportResult& r) {
  boost::json::object o;
  if (r.rejected_spans != 0 || !r.error_message.empty())
    o["partialSuccess"] = boost::json::object{{"rejectedSpans", r.rejected_spans}, {"errorMessage", r.error_message}};
  return json::serialize(o);
}

std::string response_body(MediaType type, const ExportResult& r) {
  return type == MediaType::protobuf ? response_protobuf(r) : response_json(r);
}

std::string_view content_type_of(MediaType type) {
  return type == MediaType::protobuf ? "application/x-protobuf" : "application/json";
}

}  // namespace stacklens::otlp
