#pragma once
// Slows down password guessing: after a few failed sign-ins for one email, each
// further failure locks that email out for twice as long (up to 5 minutes).
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/time.h"

namespace stacklens::api {

class LoginThrottle {
 public:
  // Seconds to wait before the next attempt for this email, 0 when allowed now.
  int64_t wait_seconds(const std::string& email, Micros now);
  void failed(const std::string& email, Micros now);
  void succeeded(const std::string& email);

 private:
  struct State {
    int failures = 0;
    Micros locked_until = 0;
  };
  static constexpr int kFreeFailures = 3;
  static constexpr int64_t kMaxLockSeconds = 300;
  std::mutex mu_;
  std::unordered_map<std::string, State> state_;
};

}  // namespace stacklens::api
