#include "otlp/gzip.h"

#include <fmt/format.h>
#include <zlib.h>

namespace stacklens::otlp {

Result<std::string> gunzip(std::string_view compressed, size_t max_bytes) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return make_error(ErrorCode::internal, "zlib inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char chunk[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof chunk;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return make_error(ErrorCode::bad_request, "request body is not valid gzip");
    }
    const size_t produced = sizeof chunk - zs.avail_out;
    if (out.size() + produced > max_bytes) {
      inflateEnd(&zs);
      return make_error(ErrorCode::payload_too_large,
                        fmt::format("decompressed request body is larger than the limit of {} bytes", max_bytes));
    }
    out.append(chunk, produced);
    if (rc == Z_OK && produced == 0 && zs.avail_in == 0) {
      inflateEnd(&zs);
      return make_error(ErrorCode::bad_request, "request body is truncated gzip");
    }
  }
  inflateEnd(&zs);
  return out;
}

}  // namespace stacklens::otlp
