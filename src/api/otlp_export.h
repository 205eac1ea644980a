#pragma once
// One OTLP trace export once its transport has read it, shared by POST /otlp/v1/traces
// (otlp_routes.cpp) and OTLP/gRPC (otlp_grpc/): the body read into spans (otlp::read_export:
// decoding, mapping, limits), GovernAI's screening, the commit through the SpanWriter.
#include <functional>
#include <string>
#include <string_view>

#include "api/services.h"
#include "model/access.h"

namespace stacklens::api {

struct OtlpAnswer {
  std::string body;          // an ExportTraceServiceResponse in the request's encoding
  std::string content_type;  // that encoding's media type
};

// `content_type` and `content_encoding` as OTLP/HTTP's headers name them (empty: JSON, not
// compressed). `done` is called exactly once, possibly on the writer's thread: with the answer
// once the accepted spans are committed (partial_success counts the rejected ones), or with the
// error that refused the whole export.
void export_otlp(Services& s, const Principal& who, std::string_view content_type, std::string_view content_encoding,
                 std::string_view body, std::function<void(Result<OtlpAnswer>)> done);

}  // namespace stacklens::api
