// Prints every statement of the ClickHouse span store (storage/clickhouse/ch_statements.h) with
// example arguments, as JSON, for tests/server/test_clickhouse_statements.py:
//   ch_statements DATABASE [CLUSTER]
// [{"name": ..., "sql": ..., "rows_hex": <an insert's TabSeparated data, hex>}, ...]
#include <boost/json.hpp>

#include <cstdio>
#include <iostream>

#include "storage/clickhouse/ch_statements.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: ch_statements DATABASE [CLUSTER]\n");
    return 2;
  }
  const stacklens::clickhouse::sql::Target target{argv[1], argc > 2 ? argv[2] : ""};
  boost::json::array out;
  for (const auto& s : stacklens::clickhouse::sql::samples(target)) {
    std::string hex;
    for (unsigned char c : s.rows) {
      static constexpr char kDigits[] = "0123456789abcdef";
      hex += kDigits[c >> 4];
      hex += kDigits[c & 15];
    }
    out.push_back(boost::json::object{{"name", s.name}, {"sql", s.sql}, {"rows_hex", hex}});
  }
  std::cout << boost::json::serialize(out) << "\n";
}
