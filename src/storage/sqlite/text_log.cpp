#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "storage/sqlite/text_log.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace stacklens::sqlite {
namespace {

// A full disk is storage_full (507); any other failure of the disk is unavailable (503).
Error io_error(int err, std::string_view what, const std::string& path) {
  const ErrorCode code = err == ENOSPC || err == EDQUOT ? ErrorCode::storage_full : ErrorCode::unavailable;
  return Error{code, fmt::format("cannot {} {}: {}", what, path, std::strerror(err))};
}

// `n` bytes rounded up to whole direct-write blocks.
int64_t whole_blocks(int64_t n) { return (n + TextLog::kDirectBlock - 1) / TextLog::kDirectBlock * TextLog::kDirectBlock; }

}  // namespace

Result<std::unique_ptr<TextLog>> TextLog::open(const std::string& path, int64_t referenced_end, Appends appends) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return io_error(errno, "open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return io_error(err, "read the size of", path);
  }
  if (st.st_size < referenced_end) {
    ::close(fd);
    return make_error(ErrorCode::internal,
                      fmt::format("{} holds {} bytes but spans.db points at text up to byte {}: it was lost or "
                                  "replaced; restore it together with the spans.db it belongs to",
                                  path, st.st_size, referenced_end));
  }
  int64_t end = st.st_size;
  int direct_fd = -1;
  if (appends == Appends::direct_if_possible) {
    direct_fd = ::open(path.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);  // -1 where refused (tmpfs)
    if (direct_fd >= 0) end = whole_blocks(end);
  }
  return std::unique_ptr<TextLog>(new TextLog(path, fd, direct_fd, end));
}

TextLog::TextLog(std::string path, int fd, int direct_fd, int64_t end)
    : path_(std::move(path)),
      fd_(fd),
      direct_fd_(direct_fd),
      direct_(direct_fd >= 0),
      end_(end),
      sync_thread_([this] { sync_loop(); }) {}

TextLog::~TextLog() {
  {
    std::lock_guard lock(sync_mu_);
    stopping_ = true;
  }
  sync_cv_.notify_all();
  sync_thread_.join();
  if (direct_fd_ >= 0) ::close(direct_fd_);
  ::close(fd_);
}

Result<int64_t> TextLog::append(const std::vector<std::string_view>& pieces) {
  int64_t size = 0;
  for (auto p : pieces) size += static_cast<int64_t>(p.size());
  int64_t at = 0;
  const bool direct = this->direct();  // the reservation and the write agree
  {
    // Only the offset is taken under the lock; the bytes are written concurrently.
    std::lock_guard lock(append_mu_);
    at = end_;
    end_ += direct ? whole_blocks(size) : size;
  }
  bool refused = false;
  Status written = direct ? write_direct(pieces, at, refused) : write_buffered(pieces, at);
  if (refused) {
    if (direct_.exchange(false, std::memory_order_relaxed))  // buffered from now on
      spdlog::warn("{}: the file system refused a direct write (EINVAL); appending through the page cache from now on",
                   path_);
    written = write_buffered(pieces, at);
  }
  if (!written) return written.error();
  // Counted once written: a sync that starts after reading the count covers this append.
  appended_.fetch_add(1, std::memory_order_release);
  return at;
}

Status TextLog::write_buffered(const std::vector<std::string_view>& pieces, int64_t at) {
  std::vector<iovec> iov;
  iov.reserve(std::min<size_t>(pieces.size(), IOV_MAX));
  int64_t pos = at;
  for (size_t i = 0; i < pieces.size();) {
    iov.clear();
    for (; i < pieces.size() && iov.size() < IOV_MAX; ++i)
      if (!pieces[i].empty()) iov.push_back(iovec{const_cast<char*>(pieces[i].data()), pieces[i].size()});
    size_t first = 0;
    while (first < iov.size()) {
      const ssize_t n = ::pwritev(fd_, iov.data() + first, static_cast<int>(iov.size() - first), pos);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return io_error(n < 0 ? errno : EIO, "append to", path_);
      pos += n;
      // A short write: skip what was written and go on with the rest.
      for (size_t left = static_cast<size_t>(n); left > 0;) {
        if (left >= iov[first].iov_len) {
          left -= iov[first].iov_len;
          ++first;
        } else {
          iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
          iov[first].iov_len -= left;
          left = 0;
        }
      }
    }
  }
  return ok_status();
}

// The pieces are gathered into an aligned buffer of the thread's, 1 MiB at a time, and
// written from there; the last block is padded with zeros.
Status TextLog::write_direct(const std::vector<std::string_view>& pieces, int64_t at, bool& refused) {
  constexpr size_t kChunk = size_t{1} << 20;
  struct Buffer {
    char* data = static_cast<char*>(std::aligned_alloc(kDirectBlock, kChunk));
    ~Buffer() { std::free(data); }
  };
  thread_local Buffer buffer;
  if (!buffer.data) return make_error(ErrorCode::unavailable, "out of memory for a text append");
  size_t filled = 0;
  int64_t pos = at;
  const auto flush = [&]() -> Status {
    const auto padded = static_cast<size_t>(whole_blocks(static_cast<int64_t>(filled)));
    std::memset(buffer.data + filled, 0, padded - filled);
    for (size_t done = 0; done < padded;) {
      const ssize_t n = ::pwrite(direct_fd_, buffer.data + done, padded - done, pos + static_cast<int64_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EINVAL) {
        refused = true;
        return ok_status();
      }
      if (n <= 0) return io_error(n < 0 ? errno : EIO, "append to", path_);
      done += static_cast<size_t>(n);  // a short write that left the blocks is refused (EINVAL) next
    }
    pos += static_cast<int64_t>(padded);
    filled = 0;
    return ok_status();
  };
  for (std::string_view piece : pieces)
    while (!piece.empty()) {
      const size_t n = std::min(piece.size(), kChunk - filled);
      std::memcpy(buffer.data + filled, piece.data(), n);
      filled += n;
      piece.remove_prefix(n);
      if (filled == kChunk)
        if (auto st = flush(); !st || refused) return st;
    }
  if (filled > 0) return flush();
  return ok_status();
}

void TextLog::start_sync() {
  const int64_t appended = appended_.load(std::memory_order_acquire);
  {
    std::lock_guard lock(sync_mu_);
    if (appended <= sync_wanted_) return;
    sync_wanted_ = appended;
  }
  sync_cv_.notify_all();
}

Status TextLog::wait_synced() {
  std::unique_lock lock(sync_mu_);
  sync_cv_.wait(lock, [&] { return synced_ >= sync_wanted_ || !sync_error_.empty(); });
  if (!sync_error_.empty()) return make_error(ErrorCode::unavailable, sync_error_);
  return ok_status();
}

Status TextLog::health() const {
  std::lock_guard lock(sync_mu_);
  if (!sync_error_.empty()) return make_error(ErrorCode::unavailable, sync_error_);
  return ok_status();
}

Result<std::string> TextLog::read(int64_t offset, int64_t size) const {
  if (offset < 0 || size < 0) return make_error(ErrorCode::internal, "a span's text reference is malformed");
  std::string out(static_cast<size_t>(size), '\0');
  for (int64_t done = 0; done < size;) {
    const ssize_t n = ::pread(fd_, out.data() + done, static_cast<size_t>(size - done), offset + done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error(errno, "read", path_);
    if (n == 0)
      return make_error(ErrorCode::internal,
                        fmt::format("{} ends before a span's text (bytes {}..{})", path_, offset, offset + size));
    done += n;
  }
  return out;
}

void TextLog::will_read(int64_t from, int64_t to) const {
  if (from >= 0 && to > from) (void)::posix_fadvise(fd_, from, to - from, POSIX_FADV_WILLNEED);
}

Status TextLog::erase(const std::vector<std::pair<int64_t, int64_t>>& ranges) {
  if (ranges.empty()) return ok_status();
  static const std::string zeros(64 * 1024, '\0');
  for (const auto& [offset, size] : ranges) {
    if (offset < 0 || size <= 0) continue;
    if (::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, size) == 0) continue;
    if (errno != EOPNOTSUPP) return io_error(errno, "erase text in", path_);
    // A file system without holes: the bytes are overwritten with zeros instead.
    for (int64_t done = 0; done < size;) {
      const size_t n = static_cast<size_t>(std::min<int64_t>(size - done, static_cast<int64_t>(zeros.size())));
      const ssize_t w = ::pwrite(fd_, zeros.data(), n, offset + done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return io_error(errno, "erase text in", path_);
      done += w;
    }
  }
  if (::fdatasync(fd_) != 0) return io_error(errno, "sync", path_);
  return ok_status();
}

void TextLog::sync_loop() {
  pthread_setname_np(pthread_self(), "sl-text-sync");
  std::unique_lock lock(sync_mu_);
  for (;;) {
    sync_cv_.wait(lock, [&] { return stopping_ || sync_wanted_ > synced_; });
    if (stopping_) return;
    const int64_t target = sync_wanted_;
    lock.unlock();
    const int rc = ::fdatasync(fd_);
    const int err = errno;
    lock.lock();
    // After a failed sync the kernel may have dropped the pages it could not write, so a
    // later sync that succeeds proves nothing: every later commit fails too until a restart.
    if (rc != 0 && sync_error_.empty())
      sync_error_ = fmt::format("cannot write {} to disk: {}; restart the server once the disk is healthy", path_,
                                std::strerror(err));
    if (rc == 0 && sync_error_.empty()) synced_ = std::max(synced_, target);
    sync_cv_.notify_all();
  }
}

}  // namespace stacklens::sqlite
