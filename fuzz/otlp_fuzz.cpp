// libFuzzer target for the OTLP reader: the first byte picks the request's
// Content-Type (even: protobuf, odd: JSON) and, with bit 1 set, gzip; the rest
// is the body. otlp::read_export decodes, maps and validates as the handler
// does; gunzip sees the body on its own too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "otlp/export_reader.h"
#include "otlp/gzip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string_view type = (data[0] & 1) ? "application/json" : "application/x-protobuf";
  const std::string_view encoding = (data[0] & 2) ? "gzip" : "";
  const stacklens::Limits limits;
  (void)stacklens::otlp::read_export(type, encoding, body, 1, limits);
  (void)stacklens::otlp::gunzip(body, 1 << 20);
  return 0;
}
