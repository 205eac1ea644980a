// libFuzzer target for the OTLP decoders: the first byte picks the encoding
// (even: protobuf, odd: JSON), the rest is the body. Every decoded request is
// also mapped and validated, as the handler does, and gunzip sees the body too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/span_validator.h"
#include "otlp/genai_mapping.h"
#include "otlp/gzip.h"
#include "otlp/otlp_decoder.h"
#include "otlp/otlp_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto req = (data[0] & 1) ? stacklens::otlp::decode_json(body) : stacklens::otlp::decode_protobuf(body);
  if (req) {
    const stacklens::Limits limits;
    for (const auto& resource : req->resource_spans)
      for (const auto& scope : resource.scope_spans)
        for (const auto& span : scope.spans) {
          auto mapped = stacklens::otlp::to_span(span, scope, resource, 1);
          (void)stacklens::ingest::validate_span(mapped, limits);
        }
  }
  (void)stacklens::otlp::gunzip(body, 1 << 20);
  return 0;
}
