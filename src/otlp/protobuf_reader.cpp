#include "otlp/protobuf_reader.h"

#include <fmt/format.h>

namespace stacklens::otlp {
namespace {

Error truncated(std::string_view what) {
  return make_error(ErrorCode::bad_request, fmt::format("malformed protobuf: {}", what));
}

}  // namespace

Result<uint64_t> ProtobufReader::varint() {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= data_.size()) return truncated("truncated varint");
    const auto byte = static_cast<uint8_t>(data_[pos_++]);
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return v;
  }
  return truncated("varint longer than 10 bytes");
}

Result<std::optional<Field>> ProtobufReader::next() {
  if (pos_ >= data_.size()) return std::optional<Field>{};
  SL_TRY(key, varint());
  Field f;
  if ((key >> 3) == 0 || (key >> 3) > 0x1fffffff) return truncated("field number out of range");
  f.number = static_cast<uint32_t>(key >> 3);
  const auto type = static_cast<uint8_t>(key & 7);
  auto take = [&](size_t n) -> Result<std::string_view> {
    if (n > data_.size() - pos_) return truncated(fmt::format("field {} runs past the end", f.number));
    auto view = data_.substr(pos_, n);
    pos_ += n;
    return view;
  };
  auto little_endian = [](std::string_view b) {
    uint64_t v = 0;
    for (size_t i = b.size(); i-- > 0;) v = (v << 8) | static_cast<uint8_t>(b[i]);
    return v;
  };
  switch (type) {
    case 0: {
      f.type = WireType::varint;
      SL_TRY(v, varint());
      f.scalar = v;
      break;
    }
    case 1: {
      f.type = WireType::fixed64;
      SL_TRY(b, take(8));
      f.scalar = little_endian(b);
      break;
    }
    case 2: {
      f.type = WireType::length_delimited;
      SL_TRY(n, varint());
      if (n > data_.size()) return truncated(fmt::format("field {} runs past the end", f.number));
      SL_TRY(b, take(static_cast<size_t>(n)));
      f.bytes = b;
      break;
    }
    case 5: {
      f.type = WireType::fixed32;
      SL_TRY(b, take(4));
      f.scalar = little_endian(b);
      break;
    }
    default:
      return truncated(fmt::format("unsupported wire type {} in field {}", type, f.number));
  }
  return std::optional<Field>(f);
}

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_tag(std::string& out, uint32_t number, WireType type) {
  put_varint(out, (static_cast<uint64_t>(number) << 3) | static_cast<uint8_t>(type));
}

void put_bytes_field(std::string& out, uint32_t number, std::string_view bytes) {
  put_tag(out, number, WireType::length_delimited);
  put_varint(out, bytes.size());
  out.append(bytes);
}

void put_varint_field(std::string& out, uint32_t number, uint64_t v) {
  put_tag(out, number, WireType::varint);
  put_varint(out, v);
}

}  // namespace stacklens::otlp
