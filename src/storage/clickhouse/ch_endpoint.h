#pragma once
// Where the ClickHouse span store is, from the span-store-url setting:
//   clickhouse://user:password@host:8123/database?cluster=NAME
//   http://user:password@host:8123/database?cluster=NAME
// (the same thing: ClickHouse's HTTP interface; user default, port 8123, database stacklens
// when left out). With a cluster name the tables are replicated on every host of that cluster
// (ON CLUSTER, ReplicatedReplacingMergeTree) and inserts wait for a quorum of two replicas.
#include <string>

#include "core/error.h"

namespace stacklens::clickhouse {

struct Endpoint {
  std::string host;
  std::string port = "8123";
  std::string database = "stacklens";
  std::string user = "default";
  std::string password;
  std::string cluster;  // empty: one server, plain ReplacingMergeTree

  // host:port/database (never the password), for log lines and errors.
  std::string describe() const { return "ClickHouse at " + host + ":" + port + "/" + database; }
};

// bad_request naming what is wrong (never echoing the password).
Result<Endpoint> parse_endpoint(const std::string& url);

}  // namespace stacklens::clickhouse
