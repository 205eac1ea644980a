// libFuzzer target for GovernAI's scanner (governai/scanner.h) over any bytes: invalid UTF-8,
// long digit runs, repeated separators. Besides not crashing, every finding must lie inside
// the text, findings must not overlap and must come in order, and scanning the same text again
// must give the same findings.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "governai/scanner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const stacklens::governai::Scanner scanner;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<stacklens::governai::Finding> first;
  scanner.scan(text, "prompt", first);
  std::size_t last_end = 0;
  for (const auto& f : first) {
    if (f.begin >= f.end || f.end > size || f.begin < last_end || f.field != "prompt") __builtin_trap();
    last_end = f.end;
  }
  std::vector<stacklens::governai::Finding> again;
  scanner.scan(text, "prompt", again);
  if (again.size() != first.size()) __builtin_trap();
  for (std::size_t i = 0; i < first.size(); ++i)
    if (again[i].begin != first[i].begin || again[i].end != first[i].end || again[i].type != first[i].type)
      __builtin_trap();
  return 0;
}
