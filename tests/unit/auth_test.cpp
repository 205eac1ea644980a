// The Authenticator: an API key or a session cookie becomes a Principal with scopes, or a
// 401/403 that says why. Against a real metadata store in a temporary directory.
#include <gtest/gtest.h>

#include <boost/url.hpp>

#include "api/auth.h"
#include "crypto/secrets.h"
#include "storage/sqlite/sqlite_meta_store.h"
#include "temp_dir.h"

using namespace stacklens;
using boost::beast::http::verb;

namespace {

constexpr Micros kHourUs = 3600LL * 1000000;

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto meta = sqlite::SqliteMetaStore::open((fresh_dir("auth") / "meta.db").string());
    ASSERT_TRUE(meta) << meta.error().message;
    meta_ = std::move(*meta);
    auth_.emplace(*meta_);
    auto p = meta_->create_project("default");
    auto o = meta_->create_project("other");
    ASSERT_TRUE(p && o);
    default_ = p->id;
    other_ = o->id;
  }

  std::string key(ScopeSet scopes, int64_t project) {
    const auto k = secrets::generate_api_key();
    EXPECT_TRUE(meta_->create_key(project, "test", k.prefix, k.hash, scopes));
    return k.secret;
  }

  // A signed-in user with `roles` (project id -> role); returns the cookie's token.
  std::string session_of(const std::string& email, std::vector<std::pair<int64_t, Role>> roles,
                         Micros expires_us = now_micros() + kHourUs) {
    auto user = meta_->create_user(email, "not-a-password-hash");
    EXPECT_TRUE(user) << user.error().message;
    for (const auto& [project, role] : roles) EXPECT_TRUE(meta_->set_role(user->id, project, role));
    const std::string token = secrets::random_token(32);
    EXPECT_TRUE(meta_->create_session(user->id, secrets::hash_api_key(token), kCsrf, expires_us));
    return token;
  }

  Result<Principal> authenticate(verb method, std::vector<std::pair<std::string, std::string>> headers,
                                 Scope needed) {
    http::Request req;
    req.method(method);
    req.target("/x");
    for (const auto& [k, v] : headers) req.set(k, v);
    const auto url = boost::urls::parse_origin_form("/x");
    http::Context ctx{req, {}, "/x", url->params()};
    return auth_->authenticate(ctx, needed);
  }

  static std::string cookie(const std::string& token) { return "theme=dark; stacklens_session=" + token; }

  static constexpr const char* kCsrf = "csrf-token-of-the-session";
  std::unique_ptr<MetaStore> meta_;
  std::optional<api::Authenticator> auth_;
  int64_t default_ = 0, other_ = 0;
};

void expect_error(const Result<Principal>& r, ErrorCode code, std::string_view says) {
  ASSERT_FALSE(r) << "expected an error saying: " << says;
  EXPECT_EQ(r.error().code, code) << r.error().message;
  EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
}

TEST_F(AuthTest, KeyInEitherHeaderGivesItsProjectAndScopes) {
  const ScopeSet scopes = static_cast<ScopeSet>(Scope::traces_write) | static_cast<ScopeSet>(Scope::traces_read);
  const std::string k = key(scopes, other_);
  for (const auto& header : std::vector<std::pair<std::string, std::string>>{
           {"X-Api-Key", k}, {"Authorization", "Bearer " + k}, {"Authorization", "bearer " + k + "  "}}) {
    auto who = authenticate(verb::post, {header}, Scope::traces_write);
    ASSERT_TRUE(who) << header.first << ": " << who.error().message;
    EXPECT_EQ(who->project_id, other_);
    EXPECT_EQ(who->scopes, scopes);
    EXPECT_EQ(who->actor, "key:" + k.substr(0, 11));
  }
}

TEST_F(AuthTest, KeyWithoutTheScopeIs403NamingIt) {
  const std::string k = key(static_cast<ScopeSet>(Scope::traces_read), default_);
  expect_error(authenticate(verb::post, {{"X-Api-Key", k}}, Scope::traces_write), ErrorCode::forbidden,
               "lacks the traces:write scope (it has: traces:read)");
}

TEST_F(AuthTest, MissingMalformedUnknownAndRevokedKeysAre401) {
  expect_error(authenticate(verb::get, {}, Scope::traces_read), ErrorCode::unauthorized, "API key missing");
  expect_error(authenticate(verb::get, {{"X-Api-Key", "not-a-key"}}, Scope::traces_read), ErrorCode::unauthorized,
               "API key is malformed");
  expect_error(authenticate(verb::get, {{"X-Api-Key", secrets::generate_api_key().secret}}, Scope::traces_read),
               ErrorCode::unauthorized, "API key is invalid");
  const std::string k = key(static_cast<ScopeSet>(Scope::traces_read), default_);
  ASSERT_TRUE(authenticate(verb::get, {{"X-Api-Key", k}}, Scope::traces_read));
  ASSERT_TRUE(meta_->revoke_key(k.substr(0, 11), std::nullopt));
  expect_error(authenticate(verb::get, {{"X-Api-Key", k}}, Scope::traces_read), ErrorCode::unauthorized,
               "API key " + k.substr(0, 11) + " has been revoked");
}

TEST_F(AuthTest, AKeyIsUsedEvenBesideASessionCookie) {
  const std::string token = session_of("viewer@example.com", {{default_, Role::viewer}});
  const std::string k = key(static_cast<ScopeSet>(Scope::traces_write), other_);
  auto who = authenticate(verb::post, {{"Cookie", cookie(token)}, {"X-Api-Key", k}}, Scope::traces_write);
  ASSERT_TRUE(who) << who.error().message;
  EXPECT_EQ(who->project_id, other_);
}

TEST_F(AuthTest, SessionGetsTheScopesOfTheUsersRole) {
  const std::string token = session_of("viewer@example.com", {{default_, Role::viewer}});
  auto who = authenticate(verb::get, {{"Cookie", cookie(token)}}, Scope::traces_read);
  ASSERT_TRUE(who) << who.error().message;
  EXPECT_EQ(who->project_id, default_);
  EXPECT_EQ(who->scopes, scopes_of(Role::viewer));
  EXPECT_EQ(who->actor, "user:viewer@example.com");
  expect_error(authenticate(verb::post, {{"Cookie", cookie(token)}, {"X-CSRF-Token", kCsrf}}, Scope::traces_write),
               ErrorCode::forbidden, "your role in project default is viewer, which lacks the traces:write scope");
}

TEST_F(AuthTest, StateChangingSessionRequestsNeedTheCsrfToken) {
  const std::string token = session_of("member@example.com", {{default_, Role::member}});
  for (verb method : {verb::post, verb::put, verb::delete_}) {
    expect_error(authenticate(method, {{"Cookie", cookie(token)}}, Scope::prompts_write), ErrorCode::forbidden,
                 "CSRF token missing or wrong");
    expect_error(authenticate(method, {{"Cookie", cookie(token)}, {"X-CSRF-Token", "another-token"}},
                              Scope::prompts_write),
                 ErrorCode::forbidden, "CSRF token missing or wrong");
    EXPECT_TRUE(authenticate(method, {{"Cookie", cookie(token)}, {"X-CSRF-Token", kCsrf}}, Scope::prompts_write));
  }
  EXPECT_TRUE(authenticate(verb::get, {{"Cookie", cookie(token)}}, Scope::prompts_read));  // reads need none
}

TEST_F(AuthTest, TheProjectHeaderChoosesAmongTheUsersProjects) {
  const std::string token = session_of("both@example.com", {{default_, Role::viewer}, {other_, Role::admin}});
  auto who = authenticate(verb::get, {{"Cookie", cookie(token)}, {"X-StackLens-Project", "other"}},
                          Scope::keys_manage);
  ASSERT_TRUE(who) << who.error().message;
  EXPECT_EQ(who->project_id, other_);
  EXPECT_EQ(who->scopes, scopes_of(Role::admin));

  const std::string only_default = session_of("one@example.com", {{default_, Role::admin}});
  expect_error(authenticate(verb::get, {{"Cookie", cookie(only_default)}, {"X-StackLens-Project", "other"}},
                            Scope::traces_read),
               ErrorCode::forbidden, "you are not a member of project 'other'");
}

TEST_F(AuthTest, UserInNoProjectIs403) {
  const std::string token = session_of("nobody@example.com", {});
  expect_error(authenticate(verb::get, {{"Cookie", cookie(token)}}, Scope::traces_read), ErrorCode::forbidden,
               "you are not a member of any project");
}

TEST_F(AuthTest, UnknownOrExpiredSessionsAre401) {
  expect_error(authenticate(verb::get, {{"Cookie", cookie(secrets::random_token(32))}}, Scope::traces_read),
               ErrorCode::unauthorized, "your session has expired or was signed out");
  const std::string expired = session_of("old@example.com", {{default_, Role::admin}}, now_micros() - 1);
  expect_error(authenticate(verb::get, {{"Cookie", cookie(expired)}}, Scope::traces_read), ErrorCode::unauthorized,
               "your session has expired or was signed out");
  expect_error(authenticate(verb::get, {{"Cookie", "stacklens_session="}}, Scope::traces_read),
               ErrorCode::unauthorized, "not signed in");
}

TEST(CookieValue, FindsTheNamedCookieOnly) {
  http::Request req;
  req.set("Cookie", "a=1; stacklens_session_old=x;  stacklens_session=tok; z=2");
  const auto url = boost::urls::parse_origin_form("/");
  http::Context ctx{req, {}, "/", url->params()};
  EXPECT_EQ(api::cookie_value(ctx, api::kSessionCookie), "tok");
  EXPECT_EQ(api::cookie_value(ctx, "z"), "2");
  EXPECT_FALSE(api::cookie_value(ctx, "stacklens"));
}

}  // namespace
