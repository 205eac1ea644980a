// The metadata stores against real databases: every MetaStore test runs on SQLite files and on
// PostgreSQL (STACKLENS_TEST_POSTGRES_URL, a superuser's URL as tests/support/postgres.sh
// prints it; without it the PostgreSQL runs are skipped). Each test gets a fresh database.
#include <gtest/gtest.h>
#include <fmt/format.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "api/login_throttle.h"
#include "storage/audit_chain.h"
#include "storage/postgres/pg_connection.h"
#include "storage/postgres/pg_migrations.h"
#include "storage/postgres/pg_pool.h"
#include "storage/postgres/postgres_meta_store.h"
#include "storage/sqlite/sqlite_meta_store.h"
#include "meta_store_fixture.h"
#include "temp_dir.h"

using namespace stacklens;
using namespace stacklens::test;

namespace {

TEST_P(MetaStoreTest, ProjectsHaveUniqueNames) {
  auto empty = store_->is_empty();
  ASSERT_TRUE(empty);
  EXPECT_TRUE(*empty);
  auto a = store_->create_project("alpha");
  auto b = store_->create_project("beta");
  ASSERT_TRUE(a && b);
  EXPECT_LT(a->id, b->id);
  EXPECT_GT(a->created_us, 0);
  EXPECT_FALSE(*store_->is_empty());
  expect_error(store_->create_project("alpha"), ErrorCode::conflict, "project 'alpha' already exists");

  auto found = store_->find_project("beta");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->id, b->id);
  EXPECT_EQ((*found)->created_us, b->created_us);
  auto missing = store_->find_project("gamma");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
  auto all = store_->list_projects();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "alpha");
  EXPECT_EQ((*all)[1].name, "beta");
}

TEST_P(MetaStoreTest, RetentionIsSetPerProjectAndCleared) {
  auto a = store_->create_project("alpha");
  auto b = store_->create_project("beta");
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(a->retention_days);
  ASSERT_TRUE(store_->set_retention(a->id, 30));
  auto all = store_->list_projects();
  ASSERT_TRUE(all);
  EXPECT_EQ((*all)[0].retention_days, std::optional<int>(30));
  EXPECT_FALSE((*all)[1].retention_days);
  auto found = store_->find_project("alpha");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->retention_days, std::optional<int>(30));
  ASSERT_TRUE(store_->set_retention(a->id, std::nullopt));
  EXPECT_FALSE((*store_->find_project("alpha"))->retention_days);
  const Status missing = store_->set_retention(b->id + 100, 7);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

// Emails are one user whatever their (ASCII) case, as SQLite's NOCASE has it.
TEST_P(MetaStoreTest, UsersAreFoundByEmailInAnyCase) {
  auto u = store_->create_user("Ada@Example.com", "hash-1");
  ASSERT_TRUE(u);
  expect_error(store_->create_user("ada@example.COM", "hash-2"), ErrorCode::conflict,
               "user 'ada@example.COM' already exists");
  auto found = store_->find_user("ADA@example.com");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->user.id, u->id);
  EXPECT_EQ((*found)->user.email, "Ada@Example.com");
  EXPECT_EQ((*found)->password_hash, "hash-1");

  ASSERT_TRUE(store_->set_password("ada@example.com", "hash-3"));
  EXPECT_EQ((*store_->find_user("Ada@Example.com"))->password_hash, "hash-3");
  expect_error(store_->set_password("nobody@example.com", "x"), ErrorCode::not_found, "no user 'nobody@example.com'");
  auto nobody = store_->find_user("nobody@example.com");
  ASSERT_TRUE(nobody);
  EXPECT_FALSE(*nobody);

  ASSERT_TRUE(store_->create_user("bob@example.com", "h"));
  auto users = store_->list_users();
  ASSERT_TRUE(users);
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].email, "Ada@Example.com");
  EXPECT_EQ((*users)[1].email, "bob@example.com");
}

TEST_P(MetaStoreTest, MembershipsCarryOneRolePerProject) {
  auto p = store_->create_project("p");
  auto q = store_->create_project("q");
  auto carol = store_->create_user("carol@example.com", "h");
  auto ben = store_->create_user("Ben@example.com", "h");
  ASSERT_TRUE(p && q && carol && ben);
  ASSERT_TRUE(store_->set_role(carol->id, p->id, Role::viewer));
  ASSERT_TRUE(store_->set_role(carol->id, p->id, Role::admin));  // replaces the role
  ASSERT_TRUE(store_->set_role(carol->id, q->id, Role::member));
  ASSERT_TRUE(store_->set_role(ben->id, p->id, Role::viewer));
  EXPECT_EQ(code_of(store_->set_role(carol->id, 999999, Role::viewer)), ErrorCode::conflict);

  auto mine = store_->memberships_of(carol->id);
  ASSERT_TRUE(mine);
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ((*mine)[0].project_name, "p");
  EXPECT_EQ((*mine)[0].role, Role::admin);
  EXPECT_EQ((*mine)[0].project_created_us, p->created_us);
  EXPECT_EQ((*mine)[1].project_name, "q");
  EXPECT_EQ((*mine)[1].role, Role::member);

  auto members = store_->members_of(p->id);
  ASSERT_TRUE(members);
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].email, "Ben@example.com");  // by email, case folded
  EXPECT_EQ((*members)[1].email, "carol@example.com");

  ASSERT_TRUE(store_->remove_member("CAROL@example.com", p->id));
  expect_error(store_->remove_member("carol@example.com", p->id), ErrorCode::not_found,
               "'carol@example.com' is not a member of this project");
  EXPECT_EQ(store_->members_of(p->id)->size(), 1u);
}

TEST_P(MetaStoreTest, SessionsLiveUntilTheyExpireOrAreDeleted) {
  auto u = store_->create_user("dora@example.com", "h");
  ASSERT_TRUE(u);
  const Micros now = now_micros(), hour = 3600LL * 1000000;
  auto s = store_->create_session(u->id, "token-hash", "csrf", now + hour);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->user.id, u->id);
  EXPECT_EQ(s->expires_us, now + hour);
  auto twice = store_->create_session(u->id, "token-hash", "csrf", now + hour);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::conflict);
  EXPECT_EQ(twice.error().message.find("token-hash"), std::string::npos) << twice.error().message;

  auto found = store_->find_session("token-hash", now);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->id, s->id);
  EXPECT_EQ((*found)->user.email, "dora@example.com");
  EXPECT_EQ((*found)->csrf_token, "csrf");
  auto expired = store_->find_session("token-hash", now + hour);
  ASSERT_TRUE(expired);
  EXPECT_FALSE(*expired);

  ASSERT_TRUE(store_->delete_session("token-hash"));
  EXPECT_FALSE(*store_->find_session("token-hash", now));
  ASSERT_TRUE(store_->delete_session("token-hash"));  // deleting twice is not an error
}

// A key found once is refused on the very next lookup after it is revoked, through this store or
// another one (the admin commands run in their own process; other nodes have their own store).
TEST_P(MetaStoreTest, KeyLookupsSeeEveryRevocationAtOnce) {
  auto project = store_->create_project("p");
  ASSERT_TRUE(project);
  for (int via_other = 0; via_other < 2; ++via_other) {
    const std::string prefix = fmt::format("sl-key{}", via_other), hash = fmt::format("hash-{}", via_other);
    ASSERT_TRUE(store_->create_key(project->id, "k", prefix, hash, 0));
    for (int i = 0; i < 3; ++i) {  // on SQLite, the second and third lookups are answered from memory
      auto found = store_->find_key_by_hash(hash);
      ASSERT_TRUE(found && *found);
      EXPECT_FALSE((*found)->revoked);
    }
    if (via_other) {
      auto admin = open_again();
      ASSERT_TRUE(admin);
      ASSERT_TRUE(admin->revoke_key(prefix, std::nullopt));
    } else {
      ASSERT_TRUE(store_->revoke_key(prefix, std::nullopt));
    }
    auto found = store_->find_key_by_hash(hash);
    ASSERT_TRUE(found && *found);
    EXPECT_TRUE((*found)->revoked) << (via_other ? "revoked by another store" : "revoked by this store");
    auto missing = store_->find_key_by_hash("no-such-hash");
    ASSERT_TRUE(missing);
    EXPECT_FALSE(*missing);
  }
}

TEST_P(MetaStoreTest, KeysAreListedTouchedAndRevokedByIdOrPrefix) {
  auto p = store_->create_project("p");
  auto q = store_->create_project("q");
  ASSERT_TRUE(p && q);
  const ScopeSet scopes = static_cast<ScopeSet>(Scope::traces_write) | static_cast<ScopeSet>(Scope::keys_manage);
  auto a = store_->create_key(p->id, "ingest", "sl-aaaa", "hash-a", scopes);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->project_name, "p");
  EXPECT_EQ(a->name, "ingest");
  EXPECT_EQ(a->scopes, scopes);
  EXPECT_FALSE(a->last_used_us);
  EXPECT_FALSE(a->revoked_us);
  auto same_hash = store_->create_key(p->id, "again", "sl-bbbb", "hash-a", 0);
  ASSERT_FALSE(same_hash);
  EXPECT_EQ(same_hash.error().code, ErrorCode::conflict);
  EXPECT_EQ(same_hash.error().message.find("hash-a"), std::string::npos) << same_hash.error().message;
  auto b = store_->create_key(q->id, "b", "sl-same", "hash-b", 0);
  auto c = store_->create_key(q->id, "c", "sl-same", "hash-c", 0);
  ASSERT_TRUE(b && c);

  ASSERT_TRUE(store_->touch_key(a->id, 12345));
  auto found = store_->find_key_by_hash("hash-a");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->key.last_used_us, std::optional<Micros>(12345));
  EXPECT_EQ((*found)->key.project_name, "p");

  EXPECT_EQ(store_->list_keys(std::nullopt)->size(), 3u);
  auto of_q = store_->list_keys(q->id);
  ASSERT_TRUE(of_q);
  ASSERT_EQ(of_q->size(), 2u);
  EXPECT_EQ((*of_q)[0].id, b->id);
  EXPECT_EQ((*of_q)[1].id, c->id);

  expect_error(store_->revoke_key("sl-nope", std::nullopt), ErrorCode::not_found, "no API key 'sl-nope'");
  expect_error(store_->revoke_key("sl-same", std::nullopt), ErrorCode::conflict,
               "'sl-same' matches 2 keys; use the key id");
  expect_error(store_->revoke_key("sl-aaaa", q->id), ErrorCode::not_found, "no API key 'sl-aaaa'");
  auto revoked = store_->revoke_key(std::to_string(c->id), q->id);
  ASSERT_TRUE(revoked);
  EXPECT_EQ(revoked->id, c->id);
  ASSERT_TRUE(revoked->revoked_us);
  auto again = store_->revoke_key(std::to_string(c->id), std::nullopt);  // keeps the first revocation time
  ASSERT_TRUE(again);
  EXPECT_EQ(again->revoked_us, revoked->revoked_us);
  auto by_prefix = store_->revoke_key("sl-aaaa", p->id);
  ASSERT_TRUE(by_prefix);
  EXPECT_EQ(by_prefix->id, a->id);
}

TEST_P(MetaStoreTest, PromptsKeepNumberedVersionsAndPromotions) {
  auto p = store_->create_project("p");
  ASSERT_TRUE(p);
  auto prompt = store_->create_prompt(p->id, "greet", "says hello", "Hello {{name}}", "user:ada");
  ASSERT_TRUE(prompt) << prompt.error().message;
  EXPECT_EQ(prompt->latest_version, 1);
  EXPECT_EQ(prompt->description, "says hello");
  EXPECT_EQ(prompt->created_by, "user:ada");
  EXPECT_TRUE(prompt->environments.empty());
  expect_error(store_->create_prompt(p->id, "greet", "", "x", "a"), ErrorCode::conflict,
               "prompt 'greet' already exists; add a version instead");
  ASSERT_TRUE(store_->create_prompt(p->id, "Zeta", "", "z", "a"));
  ASSERT_TRUE(store_->create_prompt(p->id, "alpha", "", "a", "a"));

  auto v2 = store_->add_version(p->id, "greet", "Hi {{name}}", "shorter", "user:bob");
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->version, 2);
  expect_error(store_->add_version(p->id, "nope", "x", "m", "a"), ErrorCode::not_found,
               "prompt 'nope' does not exist in this project");
  auto versions = store_->list_versions(p->id, "greet");
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version, 2);
  EXPECT_EQ((*versions)[1].message, "initial version");
  EXPECT_EQ((*versions)[1].content, "Hello {{name}}");
  auto v1 = store_->get_version(p->id, "greet", 1);
  ASSERT_TRUE(v1 && *v1);
  EXPECT_EQ((*v1)->created_by, "user:ada");
  EXPECT_FALSE(*store_->get_version(p->id, "greet", 7));

  expect_error(store_->active_version(p->id, "greet", "production"), ErrorCode::not_found,
               "prompt 'greet' has no version promoted to production");
  expect_error(store_->promote(p->id, "greet", "production", 9, "a"), ErrorCode::not_found,
               "prompt 'greet' has no version 9");
  auto first = store_->promote(p->id, "greet", "production", 1, "user:ada");
  ASSERT_TRUE(first);
  ASSERT_TRUE(store_->promote(p->id, "greet", "staging", 2, "user:bob"));
  ASSERT_TRUE(store_->promote(p->id, "greet", "production", 2, "user:bob"));
  auto active = store_->active_version(p->id, "greet", "production");
  ASSERT_TRUE(active);
  EXPECT_EQ(active->version, 2);
  EXPECT_EQ(active->content, "Hi {{name}}");

  auto got = store_->get_prompt(p->id, "greet");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->latest_version, 2);
  ASSERT_EQ((*got)->environments.size(), 2u);  // in kEnvironments' order
  EXPECT_EQ((*got)->environments[0].env, "staging");
  EXPECT_EQ((*got)->environments[1].env, "production");
  EXPECT_EQ((*got)->environments[1].updated_by, "user:bob");

  auto back = store_->rollback(p->id, "greet", "production", "user:cy");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->version, 1);
  EXPECT_EQ(back->updated_by, "user:ada");
  EXPECT_EQ(back->updated_us, first->updated_us);
  EXPECT_EQ(store_->active_version(p->id, "greet", "production")->version, 1);
  expect_error(store_->rollback(p->id, "greet", "production", "a"), ErrorCode::conflict,
               "prompt 'greet' has no earlier version in production to roll back to");
  expect_error(store_->rollback(p->id, "greet", "dev", "a"), ErrorCode::conflict,
               "prompt 'greet' serves nothing in dev: nothing to roll back");

  auto history = store_->list_promotions(p->id, "greet");
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].version, 2);
  EXPECT_EQ((*history)[0].env, "production");
  ASSERT_TRUE((*history)[0].rolled_back_us);
  EXPECT_EQ((*history)[0].rolled_back_by, "user:cy");
  EXPECT_FALSE((*history)[1].rolled_back_us);
  EXPECT_EQ((*history)[1].rolled_back_by, "");

  auto all = store_->list_prompts(p->id);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);  // by name, byte order
  EXPECT_EQ((*all)[0].name, "Zeta");
  EXPECT_EQ((*all)[1].name, "alpha");
  EXPECT_EQ((*all)[2].name, "greet");
  EXPECT_EQ((*all)[2].environments.size(), 2u);
  EXPECT_FALSE(*store_->get_prompt(p->id, "nope"));
  EXPECT_TRUE(store_->list_prompts(p->id + 1000)->empty());
}

// Nodes (or a node and the admin commands) racing for one name: one wins, the others get the
// conflict a lone duplicate gets.
TEST_P(MetaStoreTest, RacesForOneNameEndInOneWinnerAndConflicts) {
  constexpr int kWriters = 4;
  std::vector<std::unique_ptr<MetaStore>> stores;
  for (int i = 0; i < kWriters; ++i) stores.push_back(open_again());
  for (const auto& s : stores) ASSERT_TRUE(s);
  std::vector<std::optional<Error>> project_errors(kWriters), user_errors(kWriters);
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i)
    writers.emplace_back([&, i] {
      if (auto r = stores[i]->create_project("race"); !r) project_errors[i] = r.error();
      if (auto r = stores[i]->create_user(i % 2 ? "Race@example.com" : "race@example.com", "h"); !r)
        user_errors[i] = r.error();
    });
  for (auto& t : writers) t.join();
  int project_wins = 0, user_wins = 0;
  for (int i = 0; i < kWriters; ++i) {
    if (!project_errors[i]) ++project_wins;
    else EXPECT_EQ(project_errors[i]->message, "project 'race' already exists");
    if (!user_errors[i]) ++user_wins;
    else EXPECT_EQ(user_errors[i]->code, ErrorCode::conflict) << user_errors[i]->message;
  }
  EXPECT_EQ(project_wins, 1);
  EXPECT_EQ(user_wins, 1);
  EXPECT_EQ(store_->list_projects()->size(), 1u);
}

// Versions written through several stores at once are numbered once each, without gaps.
TEST_P(MetaStoreTest, VersionsWrittenAtOnceAreNumberedOnce) {
  auto p = store_->create_project("p");
  ASSERT_TRUE(p);
  ASSERT_TRUE(store_->create_prompt(p->id, "shared", "", "v1", "a"));
  constexpr int kWriters = 3, kEach = 5;
  std::vector<std::unique_ptr<MetaStore>> stores;
  for (int i = 0; i < kWriters; ++i) stores.push_back(open_again());
  for (const auto& s : stores) ASSERT_TRUE(s);
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i)
    writers.emplace_back([&, i] {
      for (int n = 0; n < kEach; ++n)
        if (!stores[i]->add_version(p->id, "shared", fmt::format("{}-{}", i, n), "m", "a")) ++failures;
    });
  for (auto& t : writers) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto versions = store_->list_versions(p->id, "shared");
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->size(), static_cast<size_t>(1 + kWriters * kEach));
  for (size_t i = 0; i < versions->size(); ++i)
    EXPECT_EQ((*versions)[i].version, static_cast<int64_t>(versions->size() - i));
}

// Item changes from several nodes at once: each makes exactly one dataset version, and every
// version's items are the ones written up to it.
TEST_P(MetaStoreTest, DatasetEditsAtOnceEachMakeOneVersion) {
  auto p = store_->create_project("p");
  ASSERT_TRUE(p);
  Dataset d;
  d.name = "shared";
  d.created_by = "a";
  ASSERT_TRUE(store_->create_dataset(p->id, d));
  constexpr int kWriters = 3, kEach = 5;
  std::vector<std::unique_ptr<MetaStore>> stores;
  for (int i = 0; i < kWriters; ++i) stores.push_back(open_again());
  for (const auto& s : stores) ASSERT_TRUE(s);
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i)
    writers.emplace_back([&, i] {
      for (int n = 0; n < kEach; ++n) {
        DatasetItem item;
        item.id = fmt::format("{}-{}", i, n);
        item.input = "1";
        if (!stores[i]->edit_dataset_items(p->id, "shared", {{ItemChange::add, item}})) ++failures;
      }
    });
  for (auto& t : writers) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto now = store_->get_dataset(p->id, "shared");
  ASSERT_TRUE(now && *now);
  EXPECT_EQ((*now)->version, kWriters * kEach);
  EXPECT_EQ((*now)->item_count, kWriters * kEach);
  for (int64_t v = 0; v <= kWriters * kEach; ++v) {
    DatasetItemQuery q;
    q.version = v;
    q.limit = 500;
    auto page = store_->list_dataset_items(p->id, "shared", q);
    ASSERT_TRUE(page) << page.error().message;
    ASSERT_EQ(page->items.size(), static_cast<size_t>(v));
    if (v > 0) {
      EXPECT_EQ(page->items.back().version, v);  // added in the order of the versions
    }
  }
  DatasetItem gone;
  gone.id = "0-0";
  auto removed = store_->edit_dataset_items(p->id, "shared", {{ItemChange::remove, gone}, {ItemChange::remove, gone}});
  expect_error(removed, ErrorCode::bad_request, "item '0-0' is changed twice in one request");
  EXPECT_EQ((*store_->get_dataset(p->id, "shared"))->version, kWriters * kEach);
}

// The running runs of all projects come in one list, by project then oldest first, each with
// its project; finished and failed runs are left out.
TEST_P(MetaStoreTest, RunningDatasetRunsOfEveryProjectAreListed) {
  auto a = store_->create_project("a");
  auto b = store_->create_project("b");
  ASSERT_TRUE(a && b);
  auto none = store_->list_running_dataset_runs();
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_TRUE(none->empty());
  for (int64_t project : {a->id, b->id}) {
    for (const char* name : {"d1", "d2"}) {
      Dataset d;
      d.name = name;
      d.created_by = "u";
      ASSERT_TRUE(store_->create_dataset(project, d));
    }
  }
  auto start = [&](int64_t project, const std::string& dataset, const std::string& name) {
    DatasetRun run;
    run.dataset = dataset;
    run.name = name;
    run.created_by = "u";
    run.metadata = R"({"k": 1})";
    auto created = store_->create_dataset_run(project, run, std::nullopt);
    EXPECT_TRUE(created) << created.error().message;
    return created ? created->id : 0;
  };
  const int64_t b1 = start(b->id, "d1", "b1");
  const int64_t a1 = start(a->id, "d2", "a1");
  const int64_t done = start(a->id, "d1", "done");
  const int64_t failed = start(b->id, "d2", "failed");
  const int64_t a2 = start(a->id, "d1", "a2");
  ASSERT_TRUE(store_->finish_dataset_run(a->id, "d1", done, "finished", std::nullopt));
  ASSERT_TRUE(store_->finish_dataset_run(b->id, "d2", failed, "failed", std::nullopt));

  auto running = store_->list_running_dataset_runs();
  ASSERT_TRUE(running) << running.error().message;
  ASSERT_EQ(running->size(), 3u);
  const auto& r = *running;
  EXPECT_EQ(r[0].project_id, a->id);
  EXPECT_EQ(r[0].run.id, a1);
  EXPECT_EQ(r[0].run.dataset, "d2");
  EXPECT_EQ(r[1].project_id, a->id);
  EXPECT_EQ(r[1].run.id, a2);
  EXPECT_EQ(r[1].run.dataset, "d1");
  EXPECT_EQ(r[1].run.name, "a2");
  EXPECT_EQ(r[2].project_id, b->id);
  EXPECT_EQ(r[2].run.id, b1);
  EXPECT_EQ(r[2].run.dataset, "d1");
  for (const auto& p : r) {
    EXPECT_EQ(p.run.status, "running");
    EXPECT_EQ(p.run.metadata, R"({"k": 1})");
  }
  // The same records as the per-dataset list.
  auto listed = store_->list_dataset_runs(a->id, "d1");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, a2);
  EXPECT_EQ((*listed)[0].created_us, r[1].run.created_us);
  EXPECT_EQ((*listed)[0].item_count, r[1].run.item_count);
}

// Nodes starting together on one empty store: exactly one writes the first project, its
// admin and key; the others find it set up and write nothing.
TEST_P(MetaStoreTest, BootstrapHappensOnceWhenNodesStartTogether) {
  constexpr int kNodes = 4;
  std::vector<std::unique_ptr<MetaStore>> stores;
  for (int i = 0; i < kNodes; ++i) stores.push_back(open_again());
  for (const auto& s : stores) ASSERT_TRUE(s);
  std::vector<Result<std::optional<ApiKeyInfo>>> results(kNodes, std::optional<ApiKeyInfo>{});
  std::vector<std::thread> nodes;
  for (int i = 0; i < kNodes; ++i)
    nodes.emplace_back([&, i] {
      results[i] = stores[i]->bootstrap(BootstrapSeed{"default", "admin@stacklens.local", "hash", "bootstrap",
                                                      fmt::format("sl-boot{}", i), fmt::format("hash-{}", i), 3});
    });
  for (auto& t : nodes) t.join();
  int created = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r) << r.error().message;
    if (*r) {
      ++created;
      EXPECT_EQ((*r)->project_name, "default");
      EXPECT_EQ((*r)->scopes, 3u);
    }
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(store_->list_projects()->size(), 1u);
  EXPECT_EQ(store_->list_users()->size(), 1u);
  EXPECT_EQ(store_->list_keys(std::nullopt)->size(), 1u);
  auto admin = store_->find_user("admin@stacklens.local");
  ASSERT_TRUE(admin && *admin);
  auto roles = store_->memberships_of((*admin)->user.id);
  ASSERT_TRUE(roles && roles->size() == 1u);
  EXPECT_EQ((*roles)[0].role, Role::admin);
  auto again = store_->bootstrap(BootstrapSeed{"default", "x@example.com", "h", "k", "sl-x", "hx", 1});
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
}

// The throttle's record is the store's: failures through one node lock the email on another.
TEST_P(MetaStoreTest, SignInThrottlingIsSharedByEveryNode) {
  auto other_node = open_again();
  ASSERT_TRUE(other_node);
  api::LoginThrottle a(*store_), b(*other_node);
  const Micros now = now_micros();
  for (int i = 0; i < 3; ++i) (i % 2 ? a : b).failed("a@b.c", now);
  EXPECT_EQ(a.wait_seconds("a@b.c", now), 0);
  a.failed("a@b.c", now);
  EXPECT_EQ(b.wait_seconds("a@b.c", now), 1);
  b.failed("a@b.c", now);
  EXPECT_EQ(a.wait_seconds("a@b.c", now), 2);
  EXPECT_EQ(b.wait_seconds("a@b.c", now + 2'000'000), 0);
  EXPECT_EQ(a.wait_seconds("other@b.c", now), 0);
  for (int i = 0; i < 20; ++i) a.failed("a@b.c", now);
  EXPECT_EQ(b.wait_seconds("a@b.c", now), 300);  // at most 5 minutes
  b.succeeded("a@b.c");
  EXPECT_EQ(a.wait_seconds("a@b.c", now), 0);
  auto record = store_->login_failures("a@b.c");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->failures, 0);
  // A day without failures forgets the count: the next failure is the first again.
  for (int i = 0; i < 5; ++i) a.failed("old@b.c", now);
  a.failed("old@b.c", now + 86'401'000'000);
  EXPECT_EQ(store_->login_failures("old@b.c")->failures, 1);
  EXPECT_EQ(a.wait_seconds("old@b.c", now + 86'401'000'000), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, MetaStoreTest, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return info.param == Backend::sqlite ? "SQLite" : "PostgreSQL"; });

// What only the PostgreSQL store has: migrations shared by nodes, a server that restarts, a
// password in the URL.
class PostgresMetaStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!postgres_url())
      GTEST_SKIP() << "STACKLENS_TEST_POSTGRES_URL is unset; start a server with tests/support/postgres.sh";
    db_.emplace();
    ASSERT_TRUE(db_->status()) << db_->status().error().message;
  }
  static Result<std::unique_ptr<postgres::PostgresMetaStore>> open(const std::string& url) {
    return postgres::PostgresMetaStore::open(url, kPoolSize, kStatementTimeoutMs);
  }
  std::optional<ScratchDatabase> db_;
};

TEST_F(PostgresMetaStoreTest, NodesMigratingAnEmptyDatabaseAtOnceShareOneSchema) {
  constexpr int kNodes = 4;
  std::vector<std::unique_ptr<postgres::PostgresMetaStore>> stores(kNodes);
  std::vector<std::string> errors(kNodes);
  std::vector<std::thread> nodes;
  for (int i = 0; i < kNodes; ++i)
    nodes.emplace_back([&, i] {
      auto s = open(db_->url());
      if (s) stores[i] = std::move(*s);
      else errors[i] = s.error().message;
    });
  for (auto& t : nodes) t.join();
  for (int i = 0; i < kNodes; ++i) ASSERT_TRUE(stores[i]) << "node " << i << ": " << errors[i];
  auto p = stores[0]->create_project("shared");
  ASSERT_TRUE(p);
  for (auto& s : stores) EXPECT_EQ(s->list_projects()->size(), 1u);
  auto conn = postgres::PgConn::connect(db_->url(), kStatementTimeoutMs);
  ASSERT_TRUE(conn);
  static constexpr postgres::Statement kVersions{"versions", "SELECT version FROM stacklens_schema"};
  auto versions = (*conn)->run(kVersions);
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->rows(), 1);
  EXPECT_EQ(versions->i64(0, 0), static_cast<int64_t>(postgres::kMetaMigrations.size()));
}

TEST_F(PostgresMetaStoreTest, RefusesASchemaNewerThanTheBinary) {
  ASSERT_TRUE(open(db_->url()));
  auto conn = postgres::PgConn::connect(db_->url(), kStatementTimeoutMs);
  ASSERT_TRUE(conn);
  ASSERT_TRUE((*conn)->exec("UPDATE stacklens_schema SET version = 99"));
  auto refused = open(db_->url());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            fmt::format("PostgreSQL metadata schema version 99 is newer than this binary knows ({}): run the newer "
                        "stacklens",
                        postgres::kMetaMigrations.size()));
}

// The call that meets the connection the restart cut fails with a 503-mapped error; the next
// one, on a fresh connection, succeeds.
TEST_F(PostgresMetaStoreTest, RecoversAfterTheServerRestarts) {
  const char* dir = std::getenv("STACKLENS_TEST_POSTGRES_DIR");
  if (!dir) GTEST_SKIP() << "STACKLENS_TEST_POSTGRES_DIR (the server's directory for tests/support/postgres.sh) is unset";
  auto store = open(db_->url());
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->create_project("before"));
  const std::string restart =
      fmt::format("bash {}/tests/support/postgres.sh restart {}", STACKLENS_SOURCE_DIR, dir);
  ASSERT_EQ(std::system(restart.c_str()), 0) << restart;
  auto cut = (*store)->list_projects();
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().code, ErrorCode::unavailable) << cut.error().message;
  EXPECT_NE(cut.error().message.find("PostgreSQL connection lost"), std::string::npos) << cut.error().message;
  auto after = (*store)->list_projects();
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->size(), 1u);
  EXPECT_TRUE((*store)->create_project("after"));
}

TEST_F(PostgresMetaStoreTest, ConnectionErrorsNameTheServerButNeverThePassword) {
  std::string wrong = db_->url();
  const size_t colon = wrong.find(':', wrong.find("://") + 3), at = wrong.rfind('@');
  wrong.replace(colon + 1, at - colon - 1, "not-the-password");
  auto refused = open(wrong);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::unavailable);
  EXPECT_EQ(refused.error().message.find("not-the-password"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("postgres://stacklens:***@127.0.0.1"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("password authentication failed"), std::string::npos)
      << refused.error().message;
}

// A statement past the connection's timeout is cancelled by the server: a 503, not a 500.
TEST_F(PostgresMetaStoreTest, StatementsPastTheTimeoutAreUnavailable) {
  auto conn = postgres::PgConn::connect(db_->url(), 100);
  ASSERT_TRUE(conn);
  static constexpr postgres::Statement kSlow{"slow", "SELECT pg_sleep(30)"};
  auto slow = (*conn)->run(kSlow);
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error().code, ErrorCode::unavailable);
  EXPECT_EQ(slow.error().message, "slow: canceling statement due to statement timeout");
  EXPECT_FALSE((*conn)->broken());
}

TEST_F(PostgresMetaStoreTest, ThePoolOpensAtMostItsSize) {
  postgres::PgPool pool(db_->url(), 1, 100);
  {
    auto held = pool.acquire();
    ASSERT_TRUE(held) << held.error().message;
    auto none = pool.acquire();
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().code, ErrorCode::unavailable);
    EXPECT_EQ(none.error().message, "all 1 PostgreSQL connections stayed busy for 100 ms");
  }
  auto again = pool.acquire();
  ASSERT_TRUE(again) << again.error().message;
}

TEST(PostgresUrl, RedactsEveryFormOfThePassword) {
  using postgres::redact_url;
  EXPECT_EQ(redact_url("postgres://u:s3cret@db:5432/meta"), "postgres://u:***@db:5432/meta");
  EXPECT_EQ(redact_url("postgresql://u:p@ss/w@db/meta?sslmode=require"), "postgresql://u:***@db/meta?sslmode=require");
  EXPECT_EQ(redact_url("postgres://u@db/meta?password=s3cret&sslmode=require"),
            "postgres://u@db/meta?password=***&sslmode=require");
  EXPECT_EQ(redact_url("host=db user=u password='s 3' dbname=meta"), "host=db user=u password=*** dbname=meta");
  EXPECT_EQ(redact_url("postgres://db/meta"), "postgres://db/meta");
  EXPECT_EQ(redact_url("postgres://u@db:5432/meta"), "postgres://u@db:5432/meta");
}

// Nothing listens on a port just closed: the start stops with the reason and the redacted URL.
TEST(PostgresUnreachable, OpenFailsWithTheReason) {
  auto refused = postgres::PostgresMetaStore::open("postgres://u:s3cret@127.0.0.1:1/meta", kPoolSize,
                                                   kStatementTimeoutMs);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::unavailable);
  EXPECT_EQ(refused.error().message.rfind("cannot connect to PostgreSQL at postgres://u:***@127.0.0.1:1/meta: ", 0), 0u)
      << refused.error().message;
  EXPECT_EQ(refused.error().message.find("s3cret"), std::string::npos);
}

}  // namespace

TEST_P(MetaStoreTest, ScoreConfigsAreKeptPerProjectByName) {
  auto p = store_->create_project("scored");
  auto q = store_->create_project("other");
  ASSERT_TRUE(p && q);
  ScoreConfig numeric{"accuracy", ScoreType::numeric, 0.0, 0.1 + 0.2, {}, "how right", 0};
  ScoreConfig labels{"label", ScoreType::categorical, std::nullopt, std::nullopt, {"good", "bad", "so-so"}, "", 0};
  auto made = store_->create_score_config(p->id, numeric);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_GT(made->created_us, 0);
  ASSERT_TRUE(store_->create_score_config(p->id, labels));
  expect_error(store_->create_score_config(p->id, numeric), ErrorCode::conflict,
               "score config 'accuracy' already exists");
  ASSERT_TRUE(store_->create_score_config(q->id, numeric));  // another project's own

  auto listed = store_->list_score_configs(p->id);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].name, "accuracy");
  EXPECT_EQ((*listed)[0].max_value, 0.1 + 0.2);  // the same double back, not a rounded one
  EXPECT_EQ((*listed)[0].min_value, 0.0);
  EXPECT_EQ((*listed)[0].description, "how right");
  EXPECT_EQ((*listed)[0].created_us, made->created_us);
  EXPECT_EQ((*listed)[1].type, ScoreType::categorical);
  EXPECT_EQ((*listed)[1].categories, (std::vector<std::string>{"good", "bad", "so-so"}));
  EXPECT_FALSE((*listed)[1].min_value);

  ScoreConfig wider = numeric;
  wider.max_value = 100;
  auto updated = store_->update_score_config(p->id, wider);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->created_us, made->created_us);
  EXPECT_EQ((*store_->list_score_configs(p->id))[0].max_value, 100);
  EXPECT_EQ((*store_->list_score_configs(q->id))[0].max_value, 0.1 + 0.2);
  ScoreConfig missing = numeric;
  missing.name = "nope";
  expect_error(store_->update_score_config(p->id, missing), ErrorCode::not_found,
               "score config 'nope' does not exist in this project");

  ASSERT_TRUE(store_->delete_score_config(p->id, "label"));
  expect_error(store_->delete_score_config(p->id, "label"), ErrorCode::not_found,
               "score config 'label' does not exist in this project");
  EXPECT_EQ(store_->list_score_configs(p->id)->size(), 1u);
}

// A project's own prices: unique per model (any case), provider and date; every change raises the
// revision other nodes poll; recomputes keep their progress.
TEST_P(MetaStoreTest, ModelPricesAndRecomputesArePerProject) {
  auto p = store_->create_project("priced");
  auto q = store_->create_project("unpriced");
  ASSERT_TRUE(p && q);
  auto r0 = store_->model_price_revision();
  ASSERT_TRUE(r0) << r0.error().message;
  ModelPrice price{0, p->id, "My-Model", "", 1700000000000000, R"({"model":"My-Model"})", "key:sl-1", 0, 0};
  auto made = store_->create_model_price(price);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_GT(made->id, 0);
  EXPECT_GT(made->created_us, 0);
  EXPECT_EQ(made->definition, price.definition);
  ModelPrice same = price;
  same.model = "my-model";
  expect_error(store_->create_model_price(same), ErrorCode::conflict,
               "this project already prices 'my-model' at any provider from 2023-11-14T22:13:20.000000Z");
  same.provider = "acme";  // another provider: another price
  ASSERT_TRUE(store_->create_model_price(same));
  ModelPrice theirs = price;
  theirs.project_id = q->id;
  ASSERT_TRUE(store_->create_model_price(theirs));
  EXPECT_GT(*store_->model_price_revision(), *r0);

  EXPECT_EQ(store_->list_model_prices(p->id)->size(), 2u);
  EXPECT_EQ(store_->list_model_prices(std::nullopt)->size(), 3u);
  const int64_t before = *store_->model_price_revision();
  ModelPrice later = *made;
  later.effective_from += 1;
  later.updated_by = "user:a@b.c";
  auto updated = store_->update_model_price(later);
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->effective_from, later.effective_from);
  EXPECT_EQ(updated->created_us, made->created_us);
  EXPECT_EQ(updated->updated_by, "user:a@b.c");
  EXPECT_GT(*store_->model_price_revision(), before);
  ModelPrice elsewhere = later;
  elsewhere.project_id = q->id;  // not theirs to change
  const std::string missing = fmt::format("price {} does not exist in this project", made->id);
  expect_error(store_->update_model_price(elsewhere), ErrorCode::not_found, missing);
  expect_error(store_->delete_model_price(q->id, made->id), ErrorCode::not_found, missing);
  ASSERT_TRUE(store_->delete_model_price(p->id, made->id));
  EXPECT_EQ(store_->list_model_prices(p->id)->size(), 1u);

  CostRecompute job;
  job.project_id = p->id;
  job.from_us = 1;
  job.to_us = 2;
  job.started_by = "key:sl-1";
  auto started = store_->create_cost_recompute(job);
  ASSERT_TRUE(started) << started.error().message;
  started->spans_total = 10;
  started->spans_done = 10;
  started->spans_changed = 4;
  started->state = RecomputeState::done;
  started->finished_us = 123;
  ASSERT_TRUE(store_->update_cost_recompute(*started));
  auto got = store_->get_cost_recompute(p->id, started->id);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((**got).state, RecomputeState::done);
  EXPECT_EQ((**got).spans_changed, 4);
  EXPECT_EQ((**got).finished_us, 123);
  EXPECT_FALSE(*store_->get_cost_recompute(q->id, started->id));
  ASSERT_TRUE(store_->create_cost_recompute(job));
  auto listed = store_->list_cost_recomputes(p->id, 10);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_GT((*listed)[0].id, (*listed)[1].id);  // newest first
}

static AuditEntry finding(int64_t project_id, const std::string& type, const std::string& policy, Micros t) {
  AuditEntry e;
  e.time_us = t;
  e.project_id = project_id;
  e.data_type = type;
  e.policy = policy;
  e.field = "prompt";
  e.model = "gpt-4o";
  e.provider = "openai";
  e.trace_id = "t1";
  e.span_id = "s1";
  return e;
}

// Appends from several stores at once (nodes, processes) form one chain: ids 1..n without
// gaps, each entry linked to the one before and hashed by the chain's rule.
TEST_P(MetaStoreTest, AuditEntriesAppendedAtOnceFormOneChain) {
  auto p = store_->create_project("p");
  ASSERT_TRUE(p);
  constexpr int kWriters = 3, kEach = 6;
  std::vector<std::unique_ptr<MetaStore>> stores;
  for (int i = 0; i < kWriters; ++i) stores.push_back(open_again());
  for (const auto& s : stores) ASSERT_TRUE(s);
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i)
    writers.emplace_back([&, i] {
      for (int n = 0; n < kEach; ++n)
        if (!stores[i]->append_audit({finding(p->id, "email", "redact", 0), finding(p->id, "card", "block", 0)}))
          ++failures;
    });
  for (auto& t : writers) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto chain = store_->audit_chain(0, 1000);
  ASSERT_TRUE(chain) << chain.error().message;
  ASSERT_EQ(chain->size(), static_cast<size_t>(2 * kWriters * kEach));
  std::string prev = kAuditGenesis;
  for (size_t i = 0; i < chain->size(); ++i) {
    const AuditEntry& e = (*chain)[i];
    EXPECT_EQ(e.id, static_cast<int64_t>(i + 1));
    EXPECT_EQ(e.prev_hash, prev);
    EXPECT_EQ(e.hash, audit_entry_hash(e));
    EXPECT_GT(e.time_us, 0);
    prev = e.hash;
  }
  auto last = store_->last_audit_entry();
  ASSERT_TRUE(last && *last);
  EXPECT_EQ((**last).hash, prev);
  auto tail = store_->audit_chain(30, 1000);
  ASSERT_TRUE(tail);
  ASSERT_EQ(tail->size(), 6u);
  EXPECT_EQ(tail->front().id, 31);
}

TEST_P(MetaStoreTest, AuditEntriesAreListedCountedAndCheckpointed) {
  auto p = store_->create_project("p");
  auto q = store_->create_project("q");
  ASSERT_TRUE(p && q);
  EXPECT_FALSE(*store_->last_audit_entry());
  AuditEntry other = finding(p->id, "iban", "allow", 3'000'000);
  other.model = "claude";
  ASSERT_TRUE(store_->append_audit({finding(p->id, "email", "redact", 1'000'000),
                                    finding(p->id, "email", "redact", 1'500'000),
                                    finding(p->id, "card", "block", 2'000'000), other,
                                    finding(q->id, "email", "redact", 1'000'000)}));
  AuditFilter f;
  f.project_id = p->id;
  auto all = store_->list_audit(f);
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].id, 4);  // newest first
  f.data_type = "email";
  EXPECT_EQ(store_->list_audit(f)->size(), 2u);
  f.data_type.reset();
  f.policy = "block";
  EXPECT_EQ(store_->list_audit(f)->size(), 1u);
  f.policy.reset();
  f.model = "claude";
  EXPECT_EQ(store_->list_audit(f)->size(), 1u);
  f.model.reset();
  f.from_us = 1'500'000;
  f.to_us = 3'000'000;
  EXPECT_EQ(store_->list_audit(f)->size(), 2u);
  f.from_us.reset();
  f.to_us.reset();
  f.limit = 2;
  auto page = store_->list_audit(f);
  ASSERT_EQ(page->size(), 2u);
  f.before_id = page->back().id;
  auto next = store_->list_audit(f);
  ASSERT_EQ(next->size(), 2u);
  EXPECT_EQ(next->back().id, 1);

  auto counts = store_->audit_counts(p->id, 0, 10'000'000, 2'000'000);
  ASSERT_TRUE(counts) << counts.error().message;
  ASSERT_EQ(counts->size(), 3u);
  EXPECT_EQ((*counts)[0].bucket_us, 0);
  EXPECT_EQ((*counts)[0].data_type, "email");
  EXPECT_EQ((*counts)[0].count, 2);
  EXPECT_EQ((*counts)[1].bucket_us, 2'000'000);
  EXPECT_EQ((*counts)[1].data_type, "card");
  EXPECT_EQ((*counts)[2].policy, "allow");

  ASSERT_TRUE(store_->add_audit_checkpoint({5, "h5", "sig", 7}));
  ASSERT_TRUE(store_->add_audit_checkpoint({5, "other", "other", 8}));  // another node's: the first stays
  ASSERT_TRUE(store_->add_audit_checkpoint({2, "h2", "sig2", 9}));
  auto checkpoints = store_->list_audit_checkpoints();
  ASSERT_TRUE(checkpoints);
  ASSERT_EQ(checkpoints->size(), 2u);
  EXPECT_EQ((*checkpoints)[0].entry_id, 2);
  EXPECT_EQ((*checkpoints)[1].hash, "h5");

  auto none = store_->get_transparency(p->id);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->updated_us, 0);
  TransparencyInfo info{p->id, "support answers", "ops@example.com", "reviewed weekly", "may be wrong", "user:a", 0};
  auto put = store_->put_transparency(info);
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_GT(put->updated_us, 0);
  info.known_limitations = "none known";
  ASSERT_TRUE(store_->put_transparency(info));
  auto got = open_again()->get_transparency(p->id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->intended_purpose, "support answers");
  EXPECT_EQ(got->known_limitations, "none known");
  EXPECT_EQ(store_->get_transparency(q->id)->updated_us, 0);
}

// GovernAI policies: a project's own settings only (defaults live in the ingest code), set and
// reset in one call, kept apart per project; every change raises the revision nodes poll.
TEST_P(MetaStoreTest, GovernaiPoliciesAreSetAndResetPerProject) {
  auto p = store_->create_project("governed");
  auto q = store_->create_project("ungoverned");
  ASSERT_TRUE(p && q);
  auto r0 = store_->governai_policy_revision();
  ASSERT_TRUE(r0) << r0.error().message;
  EXPECT_TRUE(store_->list_governai_policies(p->id)->empty());
  GovernaiPolicy email{0, "email", PolicyAction::allow, "user:a@b.c", 0};
  GovernaiPolicy card{0, "card", PolicyAction::block, "user:a@b.c", 0};
  auto st = store_->set_governai_policies(p->id, {email, card}, {});
  ASSERT_TRUE(st) << st.error().message;
  ASSERT_TRUE(store_->set_governai_policies(q->id, {card}, {}));
  const int64_t r1 = *store_->governai_policy_revision();
  EXPECT_GT(r1, *r0);

  auto mine = store_->list_governai_policies(p->id);
  ASSERT_TRUE(mine) << mine.error().message;
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ((*mine)[0].data_type, "card");
  EXPECT_EQ((*mine)[0].action, PolicyAction::block);
  EXPECT_EQ((*mine)[1].data_type, "email");
  EXPECT_EQ((*mine)[1].action, PolicyAction::allow);
  EXPECT_EQ((*mine)[1].updated_by, "user:a@b.c");
  EXPECT_GT((*mine)[1].updated_us, 0);
  EXPECT_EQ(store_->list_governai_policies(std::nullopt)->size(), 3u);

  email.action = PolicyAction::redact;  // changed in place, card back to the default
  ASSERT_TRUE(store_->set_governai_policies(p->id, {email}, {"card"}));
  EXPECT_GT(*store_->governai_policy_revision(), r1);
  mine = store_->list_governai_policies(p->id);
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].data_type, "email");
  EXPECT_EQ((*mine)[0].action, PolicyAction::redact);
  auto theirs = store_->list_governai_policies(q->id);
  ASSERT_EQ(theirs->size(), 1u);
  EXPECT_EQ((*theirs)[0].action, PolicyAction::block);
}

TEST_P(MetaStoreTest, EvaluatorsRulesAndTheirRunsRoundTrip) {
  auto p = store_->create_project("evals");
  ASSERT_TRUE(p);
  Evaluator e;
  e.project_id = p->id;
  e.name = "grounded";
  e.template_text = "C: {{context}} A: {{output}}";
  e.connection = "judge";
  e.output = JudgeSchema{ScoreType::categorical, 0, 1, {"faithful", "hallucinated"}};
  e.created_by = "key:sl-1";
  ASSERT_TRUE(store_->create_evaluator(e));
  expect_error(store_->create_evaluator(e), ErrorCode::conflict, "evaluator 'grounded' already exists");
  e.output = JudgeSchema{ScoreType::numeric, 0.5, 4.25, {}};
  e.model = "gpt-4o";
  auto updated = store_->update_evaluator(e);
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->output.type, ScoreType::numeric);
  EXPECT_EQ(updated->output.min_value, 0.5);
  EXPECT_EQ(updated->output.max_value, 4.25);
  EXPECT_EQ(updated->model, std::optional<std::string>("gpt-4o"));

  const int64_t r0 = *store_->eval_rule_revision();
  EvalRule r;
  r.project_id = p->id;
  r.name = "live";
  r.evaluator = "grounded";
  r.filter = RuleFilter{"chat", std::nullopt, {"prod", "eu"}, {{"tier", "gold"}, {"region", "a=b"}}};
  r.sampling_rate = 0.1;
  r.delay_seconds = 30;
  auto made = store_->create_eval_rule(r);
  ASSERT_TRUE(made) << made.error().message;
  auto other_node = open_again();
  EXPECT_GT(*other_node->eval_rule_revision(), r0);
  auto all = other_node->list_eval_rules(std::nullopt);
  ASSERT_EQ(all->size(), 1u);
  const EvalRule& read = (*all)[0];
  EXPECT_EQ(read.filter.name, std::optional<std::string>("chat"));
  EXPECT_EQ(read.filter.model, std::nullopt);
  EXPECT_EQ(read.filter.tags, (std::vector<std::string>{"prod", "eu"}));
  EXPECT_EQ(read.filter.attributes, (std::vector<std::pair<std::string, std::string>>{{"tier", "gold"}, {"region", "a=b"}}));
  EXPECT_EQ(read.sampling_rate, 0.1);
  EXPECT_EQ(read.delay_seconds, 30);
  expect_error(store_->delete_evaluator(p->id, "grounded"), ErrorCode::conflict,
               "evaluator 'grounded' is used by rule(s) live: delete or change them first");

  const int64_t r1 = *store_->eval_rule_revision();
  r.id = made->id;
  r.paused = true;
  ASSERT_TRUE(store_->update_eval_rule(r));
  EXPECT_GT(*store_->eval_rule_revision(), r1);
  EXPECT_TRUE((*store_->get_eval_rule(p->id, r.id))->paused);

  std::vector<EvalRun> runs;
  for (int i = 0; i < 3; ++i)
    runs.push_back(EvalRun{0, r.id, i == 2 ? "error" : "ok", "t", "s" + std::to_string(i),
                           i == 2 ? std::nullopt : std::optional<std::string>("score"),
                           i == 2 ? std::optional<std::string>("off schema") : std::nullopt, 0.25, "judge", 1000 + i});
  runs.push_back(EvalRun{0, r.id, "dropped", "t", "s3", std::nullopt, "queue full", 0, std::nullopt, 2000, 5});
  ASSERT_TRUE(store_->add_eval_runs(runs));
  auto page = store_->list_eval_runs(r.id, 3, std::nullopt);
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->runs.size(), 3u);
  EXPECT_EQ(page->runs[0].span_id, "s3");  // newest first
  EXPECT_EQ(page->runs[0].spans, 5);
  EXPECT_EQ(page->runs[1].spans, 1);
  EXPECT_EQ(page->runs[1].error, std::optional<std::string>("off schema"));
  ASSERT_TRUE(page->next_before);
  auto rest = store_->list_eval_runs(r.id, 3, page->next_before);
  ASSERT_EQ(rest->runs.size(), 1u);
  EXPECT_EQ(rest->runs[0].span_id, "s0");
  EXPECT_EQ(rest->runs[0].judge_trace_id, std::optional<std::string>("judge"));
  EXPECT_FALSE(rest->next_before);
  auto totals = store_->eval_run_totals(r.id);
  EXPECT_EQ((std::array<int64_t, 4>{totals->runs, totals->ok, totals->errors, totals->dropped}),
            (std::array<int64_t, 4>{8, 2, 1, 5}));
  EXPECT_DOUBLE_EQ(totals->cost_usd, 0.75);

  ASSERT_TRUE(store_->delete_eval_rule(p->id, r.id));
  expect_error(store_->delete_eval_rule(p->id, r.id), ErrorCode::not_found,
               fmt::format("evaluation rule {} does not exist in this project", r.id));
  EXPECT_EQ(store_->eval_run_totals(r.id)->runs, 0);
  ASSERT_TRUE(store_->delete_evaluator(p->id, "grounded"));
  EXPECT_FALSE(*store_->get_evaluator(p->id, "grounded"));
}
