#pragma once
// Request bodies' memory, kept for the next request instead of freed.
//
// A body of known length is read into a string of that length, and growing a
// string zero-fills it first: for 1,000-span batches that was 2.4 MB of memset
// per request, ~2 % of the server's CPU, for bytes the socket overwrites at once.
// A string taken from here is already that long (or nearly), so it is not filled
// again. At most kKept strings of at most kLargest bytes are kept, so the pool
// holds at most 32 MB beyond the bodies in flight (in practice one or two batches).
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace stacklens::http {

class BodyPool {
 public:
  static constexpr size_t kKept = 8;
  static constexpr size_t kSmallest = 64 * 1024;        // smaller bodies are cheap to fill
  static constexpr size_t kLargest = 4 * 1024 * 1024;

  // A string of `length` bytes whose contents are to be overwritten.
  std::string take(size_t length);
  // A body done with (its contents are dropped).
  void give(std::string&& body);

 private:
  std::mutex mu_;
  std::vector<std::string> kept_;
};

}  // namespace stacklens::http
