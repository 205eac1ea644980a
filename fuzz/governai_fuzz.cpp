// libFuzzer target for GovernAI's scanner (governai/scanner.h) over any bytes: invalid UTF-8,
// long digit runs, repeated separators. Besides not crashing, every finding must lie inside
// the text, findings must not overlap and must come in order, and scanning the same text again
// must give the same findings. The text is also cut into parts at its '|' bytes and scanned
// with scan_each, which must find in each part what scan finds in it alone.
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
  std::vector<std::string_view> parts;
  for (std::size_t from = 0;;) {
    const std::size_t bar = text.find('|', from);
    parts.push_back(text.substr(from, bar == std::string_view::npos ? std::string_view::npos : bar - from));
    if (bar == std::string_view::npos) break;
    from = bar + 1;
  }
  std::vector<stacklens::governai::Finding> together;
  std::vector<std::uint32_t> counts;
  scanner.scan_each(parts, together, counts);
  if (counts.size() != parts.size()) __builtin_trap();
  std::size_t next = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::vector<stacklens::governai::Finding> alone;
    scanner.scan(parts[i], {}, alone);
    if (counts[i] != alone.size()) __builtin_trap();
    for (const auto& f : alone) {
      const auto& g = together[next++];
      if (g.begin != f.begin || g.end != f.end || g.type != f.type) __builtin_trap();
    }
  }
  if (next != together.size()) __builtin_trap();
  return 0;
}
