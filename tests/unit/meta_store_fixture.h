#pragma once
// The metadata stores' test fixture: each test runs on SQLite files and on PostgreSQL
// (STACKLENS_TEST_POSTGRES_URL, a superuser's URL as tests/support/postgres.sh prints it; without
// it the PostgreSQL runs are skipped), on a fresh database. A suite of its own derives from
// MetaStoreTest and instantiates it for both backends.
#include <gtest/gtest.h>
#include <fmt/format.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>

#include "storage/postgres/pg_connection.h"
#include "storage/postgres/postgres_meta_store.h"
#include "storage/sqlite/sqlite_meta_store.h"
#include "temp_dir.h"

namespace stacklens::test {

enum class Backend { sqlite, postgres };

constexpr size_t kPoolSize = 4;
constexpr int kStatementTimeoutMs = 5000;

// The error code of a failed call; nullopt when it succeeded.
template <typename T>
std::optional<ErrorCode> code_of(const Result<T>& r) {
  if (r) return std::nullopt;
  return r.error().code;
}

inline const char* postgres_url() { return std::getenv("STACKLENS_TEST_POSTGRES_URL"); }

// A new, empty database on the test server; dropped (with its connections) by the destructor.
class ScratchDatabase {
 public:
  ScratchDatabase() {
    static std::atomic<int> counter{0};
    name_ = fmt::format("stacklens_unit_{}_{}", ::getpid(), counter++);
    const std::string admin = postgres_url();
    url_ = admin.substr(0, admin.rfind('/') + 1) + name_;
    ok_ = run_as_admin(fmt::format("CREATE DATABASE {}", name_));
  }
  ~ScratchDatabase() {
    if (ok_) (void)run_as_admin(fmt::format("DROP DATABASE {} WITH (FORCE)", name_));
  }
  Status status() const { return ok_; }
  const std::string& url() const { return url_; }

 private:
  static Status run_as_admin(const std::string& sql) {
    auto conn = postgres::PgConn::connect(postgres_url(), kStatementTimeoutMs);
    if (!conn) return conn.error();
    return (*conn)->exec(sql);
  }
  std::string name_, url_;
  Status ok_ = ok_status();
};

class MetaStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::postgres) {
      if (!postgres_url())
        GTEST_SKIP() << "STACKLENS_TEST_POSTGRES_URL is unset; start a server with tests/support/postgres.sh "
                        "(scripts/test.sh does)";
      db_.emplace();
      ASSERT_TRUE(db_->status()) << db_->status().error().message;
    } else {
      dir_ = fresh_dir("meta");
    }
    store_ = open_again();
    ASSERT_TRUE(store_);
  }
  void TearDown() override {
    store_.reset();
    db_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Another store on the same data: another node, or the admin commands' own process.
  std::unique_ptr<MetaStore> open_again() {
    if (GetParam() == Backend::postgres) {
      auto s = postgres::PostgresMetaStore::open(db_->url(), kPoolSize, kStatementTimeoutMs);
      EXPECT_TRUE(s) << s.error().message;
      return s ? std::unique_ptr<MetaStore>(std::move(*s)) : nullptr;
    }
    auto s = sqlite::SqliteMetaStore::open((dir_ / "meta.db").string());
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::unique_ptr<MetaStore>(std::move(*s)) : nullptr;
  }

  template <typename T>
  static void expect_error(const Result<T>& r, ErrorCode code, const std::string& message) {
    ASSERT_FALSE(r) << "expected: " << message;
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_EQ(r.error().message, message);
  }

  std::filesystem::path dir_;
  std::optional<ScratchDatabase> db_;
  std::unique_ptr<MetaStore> store_;
};

}  // namespace stacklens::test
