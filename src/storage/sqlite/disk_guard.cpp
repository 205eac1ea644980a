#include "storage/sqlite/disk_guard.h"

#include <fmt/format.h>
#include <sys/statvfs.h>

#include <filesystem>

namespace stacklens::sqlite {

DiskGuard::DiskGuard(const std::string& path, uint64_t reserve_bytes)
    : dir_(std::filesystem::path(path).parent_path().string()), reserve_bytes_(reserve_bytes) {}

Status DiskGuard::check() const {
  struct statvfs vfs {};
  if (::statvfs(dir_.empty() ? "." : dir_.c_str(), &vfs) != 0) return ok_status();
  const uint64_t free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  if (free_bytes < reserve_bytes_)
    return make_error(ErrorCode::storage_full,
                      fmt::format("storage is full: {} MiB free in {}, {} MiB are kept in reserve", free_bytes >> 20,
                                  dir_, reserve_bytes_ >> 20));
  return ok_status();
}

}  // namespace stacklens::sqlite
