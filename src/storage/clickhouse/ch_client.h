#pragma once
// ClickHouse's HTTP interface: each call is one POST (the statement in the body, or, for an
// insert, in the URL with the rows as the body) on a kept-alive connection of a bounded pool.
// Every call has a deadline; a connection that failed is dropped, and a call that met a
// dropped keep-alive connection is sent once more on a fresh one (an insert too: rows are
// deduplicated by key, so a second copy is never counted; see clickhouse_span_store.h).
//
// Errors: `unavailable` (the 503 of the HTTP map, with Retry-After) when the server cannot be
// reached, is overloaded, refuses the credentials, or a quorum insert did not reach its
// quorum; `internal` for a statement ClickHouse rejects (our bug).
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.h"
#include "storage/clickhouse/ch_endpoint.h"

namespace stacklens::clickhouse {

class ChConnection;

class ChClient {
 public:
  struct Options {
    size_t pool_size = 8;
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds query_timeout{30000};  // the whole call, connection wait included
  };
  ChClient(Endpoint endpoint, Options options);
  ~ChClient();

  // Runs `sql` and returns its output (TabSeparated for SELECTs). `settings` become URL
  // parameters (ClickHouse settings such as insert_quorum).
  Result<std::string> query(const std::string& sql, const std::map<std::string, std::string>& settings = {});
  // INSERT: `insert` is "INSERT INTO t FORMAT TabSeparated", `rows` its data.
  Result<std::string> insert(const std::string& insert, const std::string& rows,
                             const std::map<std::string, std::string>& settings = {});

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  Result<std::string> call(const std::string& target_query, const std::string& body,
                           const std::map<std::string, std::string>& settings);
  Result<std::unique_ptr<ChConnection>> acquire(std::chrono::steady_clock::time_point deadline);
  void give_back(std::unique_ptr<ChConnection> conn);
  void drop();

  const Endpoint endpoint_;
  const Options options_;
  const std::string authorization_;  // "Basic ..."
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<ChConnection>> idle_;
  size_t open_ = 0;
};

// The settings of every insert: on a cluster, a quorum of two replicas (insert_quorum) waited
// for at most 5 s, long enough for a replica to catch up after a short pause; a quorum not
// reached by then is `unavailable` (503, and the client's retry is counted once) rather than an
// acknowledgement. An insert refused while another's quorum is pending is sent again by the
// client within that time (ClickHouse 18.16 takes one quorum insert into a table at a time).
// Without a cluster, none.
std::map<std::string, std::string> insert_settings(const Endpoint& endpoint);

// ClickHouse's error code in an error answer ("Code: 286, e.displayText() = ..."), 0 if none.
int error_code_of(const std::string& body);

}  // namespace stacklens::clickhouse
