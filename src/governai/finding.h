#pragma once

#include <cstddef>
#include <string_view>

#include "governai/pii_type.h"

namespace stacklens::governai {

// One piece of personal data in a scanned text: [begin, end) are byte offsets into that text.
// `field` is the view the caller passed to Scanner::scan (it must outlive the finding).
struct Finding {
  PiiType type;
  std::string_view field;
  std::size_t begin;
  std::size_t end;
  float confidence;  // 0..1: checksum and context evidence; overlapping findings keep the higher
};

}  // namespace stacklens::governai
