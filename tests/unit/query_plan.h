#pragma once
// EXPLAIN QUERY PLAN's details of a statement, one per line: the tests that keep a query on its
// index read them.
#include <gtest/gtest.h>

#include <string>

#include "storage/sqlite/sqlite_db.h"

inline std::string query_plan(stacklens::sqlite::Db& db, const std::string& sql) {
  auto st = db.prepare("EXPLAIN QUERY PLAN " + sql);
  EXPECT_TRUE(st);
  std::string out;
  if (!st) return out;
  for (;;) {
    auto row = (*st)->step();
    EXPECT_TRUE(row);
    if (!row || !*row) break;
    out += (*st)->text(3) + "\n";
  }
  (*st)->reset();
  return out;
}
