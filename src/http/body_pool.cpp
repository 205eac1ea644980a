#include "http/body_pool.h"

#include <algorithm>

namespace stacklens::http {

std::string BodyPool::take(size_t length) {
  std::string body;
  if (length >= kSmallest && length <= kLargest) {
    std::lock_guard lock(mu_);
    // The longest kept string fills the fewest bytes.
    auto it = std::max_element(kept_.begin(), kept_.end(),
                               [](const std::string& a, const std::string& b) { return a.size() < b.size(); });
    if (it != kept_.end()) {
      body = std::move(*it);
      *it = std::move(kept_.back());
      kept_.pop_back();
    }
  }
  body.resize(length);  // fills only beyond what the string held already
  return body;
}

void BodyPool::give(std::string&& body) {
  if (body.size() < kSmallest || body.capacity() > kLargest) return;
  std::lock_guard lock(mu_);
  if (kept_.size() < kKept) kept_.push_back(std::move(body));
}

}  // namespace stacklens::http
