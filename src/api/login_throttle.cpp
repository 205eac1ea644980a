#include "api/login_throttle.h"

#include <algorithm>

namespace stacklens::api {

int64_t LoginThrottle::wait_seconds(const std::string& email, Micros now) {
  std::lock_guard lock(mu_);
  auto it = state_.find(email);
  if (it == state_.end() || it->second.locked_until <= now) return 0;
  return (it->second.locked_until - now + 999999) / 1000000;
}

void LoginThrottle::failed(const std::string& email, Micros now) {
  std::lock_guard lock(mu_);
  if (state_.size() > 100000) state_.clear();  // bounded memory under a flood of made-up emails
  State& s = state_[email];
  s.failures++;
  if (s.failures > kFreeFailures) {
    const int64_t secs = std::min<int64_t>(kMaxLockSeconds, int64_t{1} << std::min(s.failures - kFreeFailures - 1, 16));
    s.locked_until = now + secs * 1000000;
  }
}

void LoginThrottle::succeeded(const std::string& email) {
  std::lock_guard lock(mu_);
  state_.erase(email);
}

}  // namespace stacklens::api
