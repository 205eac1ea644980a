// libFuzzer target for the wire-format span reader (ingest/span_parser.cpp, a SAX handler
// over untrusted bodies): the first byte picks a single-span body (odd) or a batch (even), the
// rest is the body. Besides not crashing, a single span must read the same on its own as as
// the one item of a batch (result and, when rejected, the message).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ingest/span_parser.h"

namespace {
bool same(const stacklens::Result<stacklens::Span>& a, const stacklens::Result<stacklens::Span>& b) {
  if (static_cast<bool>(a) != static_cast<bool>(b)) return false;
  if (!a) return a.error().message == b.error().message;
  return a->trace_id == b->trace_id && a->span_id == b->span_id && a->name == b->name &&
         a->start_us == b->start_us && a->end_us == b->end_us && a->attributes == b->attributes &&
         a->tags == b->tags && static_cast<bool>(a->llm) == static_cast<bool>(b->llm);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  stacklens::Limits limits;
  limits.max_batch_spans = 8;
  if (data[0] & 1) {
    auto one = stacklens::ingest::parse_wire_span(body, 1, limits);
    auto batch = stacklens::ingest::parse_wire_batch("[" + std::string(body) + "]", 1, limits);
    const bool comparable = batch && batch->size() == 1 &&
                            (one || one.error().message.rfind("malformed JSON", 0) != 0);
    if (comparable && !same(one, (*batch)[0])) __builtin_trap();
  } else {
    (void)stacklens::ingest::parse_wire_batch(body, 1, limits);
  }
  return 0;
}
