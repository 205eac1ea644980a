#pragma once
// At most `size` connections to one PostgreSQL database, opened on demand and shared by the
// store's calls. A connection found broken (the server restarted, the network was cut) is
// discarded on its return together with the idle ones, which went down with it; the call that
// met it failed `unavailable`, and the next call connects afresh.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/postgres/pg_connection.h"

namespace stacklens::postgres {

class PgPool {
 public:
  PgPool(std::string url, size_t size, int statement_timeout_ms);

  // One connection, the caller's alone until the lease ends.
  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<PgConn> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_) pool_->give_back(std::move(conn_));
    }
    PgConn& operator*() { return *conn_; }
    PgConn* operator->() { return conn_.get(); }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConn> conn_;
  };

  // Waits for a free connection up to the statement timeout: `unavailable` when none came free
  // or the server cannot be reached.
  Result<Lease> acquire();
  const std::string& url() const { return url_; }

 private:
  void give_back(std::unique_ptr<PgConn> conn);

  const std::string url_;
  const size_t size_;
  const int statement_timeout_ms_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<PgConn>> idle_;
  size_t open_ = 0;  // idle and leased
};

}  // namespace stacklens::postgres
