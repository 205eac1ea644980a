#pragma once
// spans.db's reader connections: taken from the pool for one read and given back after it,
// opened when none is free. Readers run concurrently with the writer (WAL).
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.h"
#include "storage/sqlite/sqlite_db.h"

namespace stacklens::sqlite {

class ReaderPool {
 public:
  // A connection lent for one read; back to the pool when the lease ends.
  class Lease {
   public:
    Lease(ReaderPool* pool, std::unique_ptr<Db> db) : pool_(pool), db_(std::move(db)) {}
    Lease(Lease&&) = default;
    ~Lease();
    Db& operator*() { return *db_; }
    Db* operator->() { return db_.get(); }

   private:
    ReaderPool* pool_;
    std::unique_ptr<Db> db_;
  };

  explicit ReaderPool(std::string path) : path_(std::move(path)) {}
  // Any thread.
  Result<Lease> lease();

 private:
  std::string path_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Db>> idle_;
};

}  // namespace stacklens::sqlite
