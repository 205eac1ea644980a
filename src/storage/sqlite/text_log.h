#pragma once
// spans.text: the sealed prompt and completion text of spans.db's spans, appended to a
// file of its own instead of stored in the span rows.
//
// Why: text is about half of a span's bytes, and in spans.db every byte is written twice
// (into the WAL at commit, into the database at checkpoint) by the single writer thread.
// Here it is written once, by the request threads (append), and made durable by an
// fdatasync that runs on a thread of its own while the writer inserts the rows
// (start_sync / wait_synced). A row names its text by offset and length.
//
// Crash safety: a commit waits for the sync of everything appended before it, so a
// committed row never points past what is on disk. Text appended for a commit that never
// happened (a crash, a failed commit) stays behind as unreferenced bytes; appends go on
// after it. Readers read with pread, concurrently with appends.
//
// Appends bypass the page cache (O_DIRECT) where the file system allows it: the text is
// rarely read back, and copying it into the page cache cost the request threads more than
// anything but compression late in a batched run (the kernel takes fresh pages for a file
// that only grows). A direct append starts at a multiple of kDirectBlock and is padded to
// one, from a buffer of the appending thread. Where O_DIRECT is refused (tmpfs), or a
// direct write is (a device with larger blocks), appends are buffered and packed end to end.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/error.h"

namespace stacklens::sqlite {

class TextLog {
 public:
  // Opens (creating it if needed) the file at `path`. `referenced_end`: the largest end of
  // text that stored rows point at; a shorter file means text was lost, and opening fails.
  enum class Appends { direct_if_possible, buffered };
  static Result<std::unique_ptr<TextLog>> open(const std::string& path, int64_t referenced_end,
                                               Appends appends = Appends::direct_if_possible);
  static constexpr int64_t kDirectBlock = 4096;  // offset, size and memory alignment of a direct write
  ~TextLog();
  TextLog(const TextLog&) = delete;
  TextLog& operator=(const TextLog&) = delete;

  // Writes the pieces one after the other and returns the offset of the first. Thread-safe.
  // Not durable until a sync that starts after it returned has finished.
  Result<int64_t> append(const std::vector<std::string_view>& pieces);
  // Writer: starts an fdatasync, on the sync thread, of every append that has returned.
  void start_sync();
  // Writer: waits until the appends that start_sync() saw are on disk.
  Status wait_synced();
  // An error once a sync has failed (every later commit fails too, until a restart).
  Status health() const;
  // `size` bytes at `offset`, as appended.
  Result<std::string> read(int64_t offset, int64_t size) const;
  // A hint that the bytes from `from` to `to` are about to be read: the kernel reads them in
  // large pieces ahead of the reads (text appended directly is not in the page cache, and a
  // page of the trace list reads its spans' text newest first, which defeats readahead).
  void will_read(int64_t from, int64_t to) const;
  // Erases text no row points at any more (retention): each (offset, size) range is zeroed and
  // its whole blocks given back to the file system (a hole), then synced. The file keeps its
  // size, so offsets stay valid.
  Status erase(const std::vector<std::pair<int64_t, int64_t>>& ranges);
  // Whether appends bypass the page cache.
  bool direct() const { return direct_.load(std::memory_order_relaxed); }

 private:
  TextLog(std::string path, int fd, int direct_fd, int64_t end);
  void sync_loop();
  Status write_buffered(const std::vector<std::string_view>& pieces, int64_t at);
  // `refused`: the file system refused the direct write (EINVAL); nothing failed yet.
  Status write_direct(const std::vector<std::string_view>& pieces, int64_t at, bool& refused);

  const std::string path_;
  const int fd_;         // reads, buffered appends, syncs
  const int direct_fd_;  // direct appends, or -1
  std::atomic<bool> direct_;  // false from the start without direct_fd_, or once a direct write was refused
  std::mutex append_mu_;
  int64_t end_;  // next append's offset (under append_mu_)

  std::atomic<int64_t> appended_{0};  // appends written so far (counted after their write)

  // Syncs are counted in appends: a sync started after appended_ read n covers the first n.
  mutable std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  int64_t sync_wanted_ = 0;  // appends the writer wants on disk (under sync_mu_)
  int64_t synced_ = 0;       // appends known to be on disk (under sync_mu_)
  std::string sync_error_;   // the last failed sync, reported to its waiter (under sync_mu_)
  bool stopping_ = false;
  std::thread sync_thread_;
};

}  // namespace stacklens::sqlite
