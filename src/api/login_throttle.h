#pragma once
// Slows down password guessing: after a few failed sign-ins for one email, each
// further failure locks that email out for twice as long (up to 5 minutes). The
// count and the lock live in the metadata store, so a lock made through one node
// holds on every node of a cluster.
#include <string>

#include "core/time.h"
#include "storage/meta_store.h"

namespace stacklens::api {

class LoginThrottle {
 public:
  explicit LoginThrottle(MetaStore& meta) : meta_(meta) {}
  // Seconds to wait before the next attempt for this email, 0 when allowed now. When the store
  // cannot answer, 0: the sign-in then fails on the same store with its own error.
  int64_t wait_seconds(const std::string& email, Micros now);
  void failed(const std::string& email, Micros now);
  void succeeded(const std::string& email);

  // The lock that the `failures`-th failure in a row sets (0: none).
  static Micros lock_until(int64_t failures, Micros now);

 private:
  static constexpr int kFreeFailures = 3;
  static constexpr int64_t kMaxLockSeconds = 300;
  MetaStore& meta_;
};

}  // namespace stacklens::api
