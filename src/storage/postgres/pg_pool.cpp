#include "storage/postgres/pg_pool.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>

namespace stacklens::postgres {

PgPool::PgPool(std::string url, size_t size, int statement_timeout_ms)
    : url_(std::move(url)), size_(size == 0 ? 1 : size), statement_timeout_ms_(statement_timeout_ms) {}

Result<PgPool::Lease> PgPool::acquire() {
  std::unique_lock lock(mu_);
  const bool free = freed_.wait_for(lock, std::chrono::milliseconds(statement_timeout_ms_),
                                    [&] { return !idle_.empty() || open_ < size_; });
  if (!free)
    return make_error(ErrorCode::unavailable,
                      fmt::format("all {} PostgreSQL connections stayed busy for {} ms", size_, statement_timeout_ms_));
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(conn));
  }
  ++open_;
  lock.unlock();
  auto conn = PgConn::connect(url_, statement_timeout_ms_);
  if (!conn) {
    lock.lock();
    --open_;
    freed_.notify_one();
    return conn.error();
  }
  return Lease(this, std::move(*conn));
}

void PgPool::give_back(std::unique_ptr<PgConn> conn) {
  std::vector<std::unique_ptr<PgConn>> closing;  // closed outside the lock
  {
    std::lock_guard lock(mu_);
    if (conn->broken()) {
      closing.push_back(std::move(conn));
      for (auto& c : idle_) closing.push_back(std::move(c));
      idle_.clear();
      open_ -= closing.size();
      spdlog::warn("PostgreSQL connection lost: closed {} connection(s), the next call reconnects", closing.size());
    } else if (conn->in_transaction()) {
      closing.push_back(std::move(conn));
      --open_;
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  freed_.notify_all();
}

}  // namespace stacklens::postgres
