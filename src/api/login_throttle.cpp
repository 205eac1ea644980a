#include "api/login_throttle.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace stacklens::api {

Micros LoginThrottle::lock_until(int64_t failures, Micros now) {
  if (failures <= kFreeFailures) return 0;
  const int64_t doublings = std::min<int64_t>(failures - kFreeFailures - 1, 16);
  return now + std::min<int64_t>(kMaxLockSeconds, int64_t{1} << doublings) * 1000000;
}

int64_t LoginThrottle::wait_seconds(const std::string& email, Micros now) {
  auto record = meta_.login_failures(email);
  if (!record || record->locked_until <= now) return 0;
  return (record->locked_until - now + 999999) / 1000000;
}

void LoginThrottle::failed(const std::string& email, Micros now) {
  if (auto r = meta_.record_login_failure(email, now, &LoginThrottle::lock_until); !r)
    spdlog::warn("sign-in failure not recorded: {}", r.error().message);
}

void LoginThrottle::succeeded(const std::string& email) {
  if (auto st = meta_.clear_login_failures(email); !st)
    spdlog::warn("sign-in failures not cleared: {}", st.error().message);
}

}  // namespace stacklens::api
