#include <gtest/gtest.h>

#include "crypto/secrets.h"
#include "model/access.h"

using namespace stacklens;

TEST(Scopes, ParseAndFormat) {
  std::string bad;
  auto set = parse_scopes("traces:write, prompts:read", &bad);
  ASSERT_TRUE(set);
  EXPECT_TRUE(has_scope(*set, Scope::traces_write));
  EXPECT_FALSE(has_scope(*set, Scope::traces_read));
  EXPECT_EQ(format_scopes(*set), "traces:write,prompts:read");
  EXPECT_FALSE(parse_scopes("traces:write,admin", &bad));
  EXPECT_EQ(bad, "admin");
  EXPECT_FALSE(parse_scopes("", &bad));
}

TEST(Roles, GiveScopes) {
  EXPECT_FALSE(has_scope(scopes_of(Role::viewer), Scope::prompts_write));
  EXPECT_TRUE(has_scope(scopes_of(Role::member), Scope::prompts_write));
  EXPECT_FALSE(has_scope(scopes_of(Role::member), Scope::keys_manage));
  EXPECT_TRUE(has_scope(scopes_of(Role::admin), Scope::members_manage));
  // Scores: members give them, viewers only read them, admins also configure them.
  EXPECT_FALSE(has_scope(scopes_of(Role::viewer), Scope::scores_write));
  EXPECT_TRUE(has_scope(scopes_of(Role::member), Scope::scores_write));
  EXPECT_FALSE(has_scope(scopes_of(Role::member), Scope::scores_configure));
  EXPECT_TRUE(has_scope(scopes_of(Role::admin), Scope::scores_configure));
  std::string bad;
  EXPECT_EQ(format_scopes(*parse_scopes("scores:write,scores:configure", &bad)), "scores:write,scores:configure");
}

TEST(ApiKeys, AreRandomPrefixedAndStoredAsHashes) {
  auto a = secrets::generate_api_key(), b = secrets::generate_api_key();
  EXPECT_NE(a.secret, b.secret);
  EXPECT_EQ(a.secret.size(), 3u + 48u);  // 192 random bits after "sl-"
  EXPECT_EQ(a.secret.substr(0, 3), "sl-");
  EXPECT_EQ(a.prefix, a.secret.substr(0, 11));
  EXPECT_EQ(a.hash, secrets::hash_api_key(a.secret));
  EXPECT_EQ(a.hash.find(a.secret.substr(3)), std::string::npos);
}

TEST(Passwords, HashWithArgon2id) {
  auto hash = secrets::hash_password("correct horse");
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(secrets::verify_password(*hash, "correct horse"));
  EXPECT_FALSE(secrets::verify_password(*hash, "wrong horse"));
}

