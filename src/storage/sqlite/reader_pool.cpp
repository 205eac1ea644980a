#include "storage/sqlite/reader_pool.h"

#include "storage/sqlite/span_connection.h"

namespace stacklens::sqlite {

ReaderPool::Lease::~Lease() {
  if (!db_) return;
  std::lock_guard lock(pool_->mu_);
  pool_->idle_.push_back(std::move(db_));
}

Result<ReaderPool::Lease> ReaderPool::lease() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto db = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(db));
    }
  }
  auto db = open_span_reader(path_);
  if (!db) return db.error();
  return Lease(this, std::move(*db));
}

}  // namespace stacklens::sqlite
