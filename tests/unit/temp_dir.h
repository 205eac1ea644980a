#pragma once
// An empty directory of the unit tests' own under the system's temporary directory,
// named after `name` and this process (created afresh on each call).
#include <unistd.h>

#include <filesystem>
#include <string>
#include <string_view>

inline std::filesystem::path fresh_dir(std::string_view name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("stacklens-unit-" + std::string(name) + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}
