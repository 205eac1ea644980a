#pragma once
// Content-Encoding: gzip bodies, inflated with zlib up to a size limit (a small
// body must not become gigabytes: over the limit is payload_too_large).
#include <string>
#include <string_view>

#include "core/error.h"

namespace stacklens::otlp {

Result<std::string> gunzip(std::string_view compressed, size_t max_bytes);

}  // namespace stacklens::otlp
