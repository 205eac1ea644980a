#pragma once
// Refuses writes while the file system holds less than a reserve, so SQLite never meets a
// full disk half-way through a commit or a checkpoint (and /ready says so).
#include <cstdint>
#include <string>

#include "core/error.h"

namespace stacklens::sqlite {

class DiskGuard {
 public:
  // `path`: a file in the directory to watch.
  DiskGuard(const std::string& path, uint64_t reserve_bytes);
  // storage_full while less than the reserve is free. Any thread.
  Status check() const;

 private:
  std::string dir_;  // as the message names it; statvfs reads "." for an empty one
  uint64_t reserve_bytes_;
};

}  // namespace stacklens::sqlite
