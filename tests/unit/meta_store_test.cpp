// The SQLite metadata store against real files: the API-key lookup it answers from memory.
#include <gtest/gtest.h>
#include <fmt/format.h>

#include <filesystem>

#include "storage/sqlite/sqlite_meta_store.h"
#include "temp_dir.h"

using namespace stacklens;
using namespace stacklens::sqlite;

// A key found once is answered from memory only while meta.db is unchanged: revoked through
// this store or through another connection (the admin commands run in their own process), it
// is refused on the very next lookup.
TEST(SqliteMetaStore, KeyLookupsSeeEveryRevocationAtOnce) {
  const auto dir = fresh_dir("meta");
  const std::string path = (dir / "meta.db").string();
  auto server = SqliteMetaStore::open(path);
  ASSERT_TRUE(server) << server.error().message;
  auto project = (*server)->create_project("p");
  ASSERT_TRUE(project);
  for (int via_other = 0; via_other < 2; ++via_other) {
    const std::string prefix = fmt::format("sl-key{}", via_other), hash = fmt::format("hash-{}", via_other);
    ASSERT_TRUE((*server)->create_key(project->id, "k", prefix, hash, 0));
    for (int i = 0; i < 3; ++i) {  // the second and third lookups are answered from memory
      auto found = (*server)->find_key_by_hash(hash);
      ASSERT_TRUE(found && *found);
      EXPECT_FALSE((*found)->revoked);
    }
    if (via_other) {
      auto admin = SqliteMetaStore::open(path);
      ASSERT_TRUE(admin);
      ASSERT_TRUE((*admin)->revoke_key(prefix, std::nullopt));
    } else {
      ASSERT_TRUE((*server)->revoke_key(prefix, std::nullopt));
    }
    auto found = (*server)->find_key_by_hash(hash);
    ASSERT_TRUE(found && *found);
    EXPECT_TRUE((*found)->revoked) << (via_other ? "revoked by another connection" : "revoked by this store");
    auto missing = (*server)->find_key_by_hash("no-such-hash");
    ASSERT_TRUE(missing);
    EXPECT_FALSE(*missing);
  }
  std::filesystem::remove_all(dir);
}
