#pragma once
// The inputs a fuzz target keeps in the repository, for unit tests to replay: every input it
// ever crashed on (fuzz/regressions/<target>/) and every seed (fuzz/corpus/<target>/), with
// their first byte (each target's mode switch) still on.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

inline std::vector<std::string> fuzz_inputs(std::string_view target) {
  std::vector<std::string> out;
  for (const char* kind : {"fuzz/regressions", "fuzz/corpus"}) {
    const auto dir = std::filesystem::path(STACKLENS_SOURCE_DIR) / kind / target;
    if (!std::filesystem::exists(dir)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (!entry.is_regular_file() || entry.path().filename().string().starts_with(".")) continue;
      std::ifstream f(entry.path(), std::ios::binary);
      std::stringstream ss;
      ss << f.rdbuf();
      if (!ss.str().empty()) out.push_back(ss.str());
    }
  }
  return out;
}
