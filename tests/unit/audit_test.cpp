// The audit chain's signing key and its verifier, on a SQLite metadata store changed behind its
// back (the server tests do the same through the binary, on SQLite and PostgreSQL).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "audit/chain_verifier.h"
#include "audit/checkpointer.h"
#include "storage/audit_chain.h"
#include "storage/sqlite/sqlite_db.h"
#include "storage/sqlite/sqlite_meta_store.h"
#include "temp_dir.h"

using namespace stacklens;

namespace {

class AuditChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_dir("audit");
    auto signer = AuditSigner::open_or_create(dir_ / "audit-signing.key");
    ASSERT_TRUE(signer) << signer.error().message;
    signer_.emplace(std::move(*signer));
    auto store = sqlite::SqliteMetaStore::open((dir_ / "meta.db").string());
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    std::vector<AuditEntry> entries(6);
    for (size_t i = 0; i < entries.size(); ++i) {
      entries[i].project_id = 1;
      entries[i].data_type = i % 2 ? "email" : "card";
      entries[i].policy = i % 2 ? "redact" : "block";
      entries[i].field = "prompt";
      entries[i].trace_id = "t" + std::to_string(i);
    }
    ASSERT_TRUE(store_->append_audit(entries));
    { audit::Checkpointer signing(*store_, *signer_); }  // signs the head as it stops
    auto db = sqlite::Db::open((dir_ / "meta.db").string());
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  audit::ChainCheck check() {
    auto c = audit::verify_chain(*store_, *signer_);
    EXPECT_TRUE(c) << c.error().message;
    return c ? *c : audit::ChainCheck{};
  }
  void exec(const std::string& sql) { ASSERT_TRUE(db_->exec(sql)) << sql; }

  std::filesystem::path dir_;
  std::optional<AuditSigner> signer_;
  std::unique_ptr<sqlite::SqliteMetaStore> store_;
  std::unique_ptr<sqlite::Db> db_;
};

TEST(AuditSigner, KeyIsCreatedOnceReadableOnlyByItsOwnerAndSignaturesVerify) {
  const auto dir = fresh_dir("audit-key");
  auto a = AuditSigner::open_or_create(dir / "k");
  auto b = AuditSigner::open_or_create(dir / "k");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->public_key(), b->public_key());
  struct stat st{};
  ASSERT_EQ(::stat((dir / "k").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string sig = a->sign(7, std::string(64, 'a'));
  EXPECT_TRUE(b->verify(7, std::string(64, 'a'), sig));
  EXPECT_FALSE(b->verify(8, std::string(64, 'a'), sig));
  EXPECT_FALSE(b->verify(7, std::string(64, 'b'), sig));
  EXPECT_FALSE(b->verify(7, std::string(64, 'a'), "zz"));
  auto other = AuditSigner::open_or_create(dir / "other");
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->verify(7, std::string(64, 'a'), sig));
  EXPECT_EQ(AuditSigner::open(dir / "missing").error().code, ErrorCode::not_found);
  std::filesystem::remove_all(dir);
}

TEST_F(AuditChainTest, AGoodChainIsIntactAndSigned) {
  auto c = check();
  EXPECT_TRUE(c.intact()) << c.problem;
  EXPECT_EQ(c.entries, 6);
  EXPECT_EQ(c.signed_through, 6);
}

TEST_F(AuditChainTest, AChangedFieldIsNamed) {
  exec("UPDATE audit_log SET policy = 'allow' WHERE id = 3");
  auto c = check();
  EXPECT_EQ(c.first_bad, 3) << c.problem;
}

TEST_F(AuditChainTest, ARemovedEntryIsNamed) {
  exec("DELETE FROM audit_log WHERE id = 2");
  EXPECT_EQ(check().first_bad, 2);
}

TEST_F(AuditChainTest, EntriesCutFromTheEndAreCaughtByTheCheckpoint) {
  exec("DELETE FROM audit_log WHERE id >= 5");
  auto c = check();
  EXPECT_EQ(c.first_bad, 5) << c.problem;
}

TEST_F(AuditChainTest, SwappedEntriesAreNamed) {
  exec("UPDATE audit_log SET id = -1 WHERE id = 4");
  exec("UPDATE audit_log SET id = 4 WHERE id = 5");
  exec("UPDATE audit_log SET id = 5 WHERE id = -1");
  EXPECT_EQ(check().first_bad, 4);
}

TEST_F(AuditChainTest, AForgedCheckpointIsRefused) {
  exec("UPDATE audit_checkpoints SET signature = '" + std::string(128, '0') + "'");
  auto c = check();
  EXPECT_FALSE(c.intact());
  EXPECT_NE(c.problem.find("signature"), std::string::npos) << c.problem;
}

}  // namespace
