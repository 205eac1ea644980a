#pragma once
// A small reader of the protobuf wire format (varint, fixed64, fixed32,
// length-delimited), written from the encoding specification. It never reads
// past its buffer: every malformed input becomes an error, never a crash.
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/error.h"

namespace stacklens::otlp {

enum class WireType : uint8_t { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

struct Field {
  uint32_t number = 0;
  WireType type = WireType::varint;
  uint64_t scalar = 0;          // varint, fixed64 and fixed32 values
  std::string_view bytes;       // length-delimited payload (a view into the reader's buffer)
};

class ProtobufReader {
 public:
  explicit ProtobufReader(std::string_view buffer) : data_(buffer) {}
  // The next field, std::nullopt at the end of the buffer, or an error for
  // truncated or malformed input (groups are refused: OTLP never uses them).
  Result<std::optional<Field>> next();

 private:
  Result<uint64_t> varint();
  std::string_view data_;
  size_t pos_ = 0;
};

// Helpers for scalar fields read as raw bits.
inline double as_double(uint64_t bits) {
  double d;
  static_assert(sizeof d == sizeof bits);
  __builtin_memcpy(&d, &bits, sizeof d);
  return d;
}

// Appends protobuf encodings (for the small responses the server writes).
void put_varint(std::string& out, uint64_t v);
void put_tag(std::string& out, uint32_t number, WireType type);
void put_bytes_field(std::string& out, uint32_t number, std::string_view bytes);
void put_varint_field(std::string& out, uint32_t number, uint64_t v);

}  // namespace stacklens::otlp
