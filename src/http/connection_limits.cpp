#include "http/connection_limits.h"

#include <fmt/format.h>
#include <sys/resource.h>

namespace stacklens::http {
namespace {

// One client is one host: an IPv4 client reaching an IPv6 socket counts under its IPv4 address.
std::string client_key(const boost::asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
}

}  // namespace

ConnectionLimits::Slot::Slot(Slot&& other) noexcept : owner_(other.owner_), client_(std::move(other.client_)) {
  other.owner_ = nullptr;
}

ConnectionLimits::Slot& ConnectionLimits::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = other.owner_;
    client_ = std::move(other.client_);
    other.owner_ = nullptr;
  }
  return *this;
}

void ConnectionLimits::Slot::release() {
  if (owner_) owner_->release(client_);
  owner_ = nullptr;
}

Result<ConnectionLimits::Slot> ConnectionLimits::admit(const boost::asio::ip::address& client) {
  std::string key = client_key(client);
  std::lock_guard lock(mu_);
  if (open_ >= total_)
    return make_error(ErrorCode::unavailable,
                      fmt::format("too many connections: the server holds its cap of {}; retry later", total_));
  size_t& mine = by_client_[key];
  if (mine >= per_client_)
    return make_error(ErrorCode::unavailable,
                      fmt::format("too many connections from {} (cap {} per client); close some or retry later", key,
                                  per_client_));
  ++mine;
  ++open_;
  return Slot(this, std::move(key));
}

size_t ConnectionLimits::open() const {
  std::lock_guard lock(mu_);
  return open_;
}

void ConnectionLimits::release(const std::string& client) {
  std::lock_guard lock(mu_);
  --open_;
  auto it = by_client_.find(client);
  if (it != by_client_.end() && --it->second == 0) by_client_.erase(it);
}

size_t raise_open_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  return lim.rlim_cur == RLIM_INFINITY ? SIZE_MAX : static_cast<size_t>(lim.rlim_cur);
}

}  // namespace stacklens::http
