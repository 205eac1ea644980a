#include "storage/postgres/postgres_meta_store.h"

#include <fmt/format.h>

#include "storage/postgres/meta_statements.h"
#include "storage/postgres/pg_migrations.h"

namespace stacklens::postgres {
namespace {

// A connection of the pool for the rest of the scope, or the caller returns the error.
#define SL_CONNECTION(var)                    \
  auto var##_lease = pool_->acquire();        \
  if (!var##_lease) return var##_lease.error(); \
  PgConn& var = **var##_lease

template <typename T, typename F>
std::vector<T> rows_of(const PgResult& r, F read) {
  std::vector<T> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read(r, i));
  return out;
}

template <typename T>
std::optional<T> first(std::vector<T> rows) {
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

Project read_project(const PgResult& r, int i) {
  Project p{r.i64(i, 0), r.text(i, 1), r.i64(i, 2), std::nullopt};
  if (auto days = r.opt_i64(i, 3)) p.retention_days = static_cast<int>(*days);
  return p;
}
User read_user(const PgResult& r, int i) { return User{r.i64(i, 0), r.text(i, 1), r.i64(i, 2)}; }
PromptVersion read_version(const PgResult& r, int i) {
  return PromptVersion{r.i64(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.i64(i, 4)};
}
Membership read_membership(const PgResult& r, int i) {
  return Membership{r.i64(i, 0), r.text(i, 1), r.text(i, 2), parse_role(r.text(i, 3)).value_or(Role::viewer),
                    r.i64(i, 4)};
}

ApiKeyInfo read_key(const PgResult& r, int i) {
  ApiKeyInfo k;
  k.id = r.i64(i, 0);
  k.project_id = r.i64(i, 1);
  k.project_name = r.text(i, 2);
  k.name = r.text(i, 3);
  k.prefix = r.text(i, 4);
  k.scopes = static_cast<ScopeSet>(r.i64(i, 5));
  k.created_us = r.i64(i, 6);
  k.last_used_us = r.opt_i64(i, 7);
  k.revoked_us = r.opt_i64(i, 8);
  return k;
}

// The error, or a conflict reworded as `message` (what the SQLite store says for the same race).
Error conflict_as(const Error& e, std::string message) {
  if (e.code == ErrorCode::conflict) return make_error(ErrorCode::conflict, std::move(message));
  return e;
}

// Any fixed number, other than the migrations' lock: held by the node setting up an empty store.
constexpr int64_t kBootstrapLock = 0x5354424f4f54;  // "STBOOT"
// A sign-in failure older than this no longer counts.
constexpr Micros kLoginMemoryUs = 86400LL * 1000000;

}  // namespace

Result<int64_t> prompt_id(PgConn& conn, const Statement& st, int64_t project_id, const std::string& name) {
  auto r = conn.run(st, project_id, name);
  if (!r) return r.error();
  if (r->empty())
    return make_error(ErrorCode::not_found, fmt::format("prompt '{}' does not exist in this project", name));
  return r->i64(0, 0);
}

Result<std::unique_ptr<PostgresMetaStore>> PostgresMetaStore::open(const std::string& url, size_t pool_size,
                                                                   int statement_timeout_ms) {
  auto pool = std::make_unique<PgPool>(url, pool_size, statement_timeout_ms);
  {
    auto lease = pool->acquire();
    if (!lease) return lease.error();
    if (auto st = migrate(**lease, kMetaMigrations); !st) return st.error();
  }
  return std::unique_ptr<PostgresMetaStore>(new PostgresMetaStore(std::move(pool)));
}

Result<bool> PostgresMetaStore::is_empty() {
  SL_CONNECTION(conn);
  auto r = conn.run(sql::kIsEmpty);
  if (!r) return r.error();
  return r->i64(0, 0) == 0;
}

Result<std::optional<ApiKeyInfo>> PostgresMetaStore::bootstrap(const BootstrapSeed& seed) {
  SL_CONNECTION(conn);
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status().error();
  // Nodes starting together queue here; each sees what the one before it committed.
  if (auto r = conn.run(sql::kBootstrapLock, kBootstrapLock); !r) return r.error();
  auto projects = conn.run(sql::kIsEmpty);
  if (!projects) return projects.error();
  if (projects->i64(0, 0) != 0) return std::optional<ApiKeyInfo>{};
  const Micros now = now_micros();
  if (auto r = conn.run(sql::kCreateOrg, now); !r) return r.error();
  auto project = conn.run(sql::kCreateProject, seed.project, now);
  if (!project) return project.error();
  const int64_t project_id = project->i64(0, 0);
  auto user = conn.run(sql::kCreateUser, seed.admin_email, seed.password_hash, now);
  if (!user) return user.error();
  if (auto r = conn.run(sql::kSetRole, user->i64(0, 0), project_id, role_name(Role::admin)); !r) return r.error();
  auto key = conn.run(sql::kCreateKey, project_id, seed.key_name, seed.key_prefix, seed.key_hash, seed.scopes, now);
  if (!key) return key.error();
  ApiKeyInfo info = read_key(*key, 0);
  if (auto c = tx.commit(); !c) return c.error();
  return std::optional<ApiKeyInfo>(std::move(info));
}

Status PostgresMetaStore::check_ready() {
  SL_CONNECTION(conn);
  if (auto r = conn.run(sql::kPing); !r) return r.error();
  return ok_status();
}

Result<Project> PostgresMetaStore::create_project(const std::string& name) {
  SL_CONNECTION(conn);
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status().error();
  const Micros now = now_micros();
  if (auto r = conn.run(sql::kCreateOrg, now); !r) return r.error();
  auto r = conn.run(sql::kCreateProject, name, now);
  if (!r) return conflict_as(r.error(), fmt::format("project '{}' already exists", name));
  Project p{r->i64(0, 0), name, now, std::nullopt};
  if (auto c = tx.commit(); !c) return c.error();
  return p;
}

Result<std::optional<Project>> PostgresMetaStore::find_project(const std::string& name) {
  SL_CONNECTION(conn);
  auto r = conn.run(sql::kFindProject, name);
  if (!r) return r.error();
  return first(rows_of<Project>(*r, read_project));
}

Result<std::vector<Project>> PostgresMetaStore::list_projects() {
  SL_CONNECTION(conn);
  auto r = conn.run(sql::kListProjects);
  if (!r) return r.error();
  return rows_of<Project>(*r, read_project);
}

Status PostgresMetaStore::set_retention(int64_t project_id, std::optional<int> days) {
  SL_CONNECTION(conn);
  const std::optional<int64_t> stored = days ? std::optional<int64_t>(*days) : std::nullopt;
  auto r = conn.run(sql::kSetRetention, project_id, stored);
  if (!r) return r.error();
  if (r->rows() == 0) return make_error(ErrorCode::not_found, "project not found");
  return ok_status();
}

Result<User> PostgresMetaStore::create_user(const std::string& email, const std::string& password_hash) {
  SL_CONNECTION(conn);
  const Micros now = now_micros();
  auto r = conn.run(sql::kCreateUser, email, password_hash, now);
  if (!r) return conflict_as(r.error(), fmt::format("user '{}' already exists", email));
  return User{r->i64(0, 0), email, now};
}

Status PostgresMetaStore::set_password(const std::string& email, const std::string& password_hash) {
  SL_CONNECTION(conn);
  auto r = conn.run(sql::kSetPassword, email, password_hash);
  if (!r) return r.error();
  if (r->empty()) return make_error(ErrorCode::not_found, fmt::format("no user '{}'", email));
  return ok_status();
}

Status PostgresMetaStore::set_role(int64_t user_id, int64_t project_id, Role role) {
  SL_CONNECTION(conn);
  if (auto r = conn.run(sql::kSetRole, user_id, project_id, role_name(role)); !r) return r.error();
  return ok_status();
}

Result<std::vector<User>> PostgresMetaStore::list_users() {
  SL_CONNECTION(conn);
  auto r = conn.run(sql::kListUsers);
  if (!r) return r.error();
  return rows_of<User>(*r, read_user);
}

Result<std::optional<UserCredentials>> PostgresMetaStore::find_user(const std::string& email) {
  SL_CONNECTION(conn);
  auto r = conn.run(sql::kFindUser, email);
  if (!r) return r.error();
  return first(rows_of<UserCredentials>(
      *r, [](const PgResult& row, int i) { return UserCredentials{read_user(row, i), row.text(i, 3)}; }));
}

Result<std::vector<Membership>> PostgresMetaStore::memberships_of(int64_t user_id) {
  SL_CONNECTION(conn);
  auto r = conn.run(sql::kMembershipsOf, user_id);
  if (!r) return r.error();
  return rows_of<Membership>(*r, read_membership);
}

Result<std::vector<Membership>> PostgresMetaStore::members_of(int64_t project_id) {
  SL_CONNECTION(conn);
  auto r = conn.run(sql::kMembersOf, project_id);
  if (!r) return r.error();
  return rows_of<Membership>(*r, read_membership);
}

Status PostgresMetaStore::remove_member(const std::string& email, int64_t project_id) {
  SL_CONNECTION(conn);
  auto r = conn.run(sql::kRemoveMember, email, project_id);
  if (!r) return r.error();
  if (r->empty()) return make_error(ErrorCode::not_found, fmt::format("'{}' is not a member of this project", email));
  return ok_status();
}

Result<Session> PostgresMetaStore::create_session(int64_t user_id, const std::string& token_hash,
                                                  const std::string& csrf_token, Micros expires_us) {
  SL_CONNECTION(conn);
  auto r = conn.run(sql::kCreateSession, token_hash, user_id, csrf_token, now_micros(), expires_us);
  if (!r) return r.error();
  Session out;
  out.id = r->i64(0, 0);
  out.user.id = user_id;
  out.csrf_token = csrf_token;
  out.expires_us = expires_us;
  return out;
}

Result<std::optional<Session>> PostgresMetaStore::find_session(const std::string& token_hash, Micros now) {
  SL_CONNECTION(conn);
  auto r = conn.run(sql::kFindSession, token_hash, now);
  if (!r) return r.error();
  return first(rows_of<Session>(*r, [](const PgResult& row, int i) {
    return Session{row.i64(i, 0), User{row.i64(i, 1), row.text(i, 2), row.i64(i, 3)}, row.text(i, 4),
                   row.i64(i, 5)};
  }));
}

Status PostgresMetaStore::delete_session(const std::string& token_hash) {
  SL_CONNECTION(conn);
  if (auto r = conn.run(sql::kDeleteSession, token_hash); !r) return r.error();
  return ok_status();
}

Result<LoginFailures> PostgresMetaStore::login_failures(const std::string& email) {
  SL_CONNECTION(conn);
  auto r = conn.run(sql::kLoginFailures, email);
  if (!r) return r.error();
  if (r->empty()) return LoginFailures{};
  return LoginFailures{r->i64(0, 0), r->i64(0, 1)};
}

Result<LoginFailures> PostgresMetaStore::record_login_failure(const std::string& email, Micros now,
                                                              Micros (*lock_until)(int64_t failures, Micros now)) {
  SL_CONNECTION(conn);
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status().error();
  // The upsert locks the email's row: concurrent failures for it count one after the other.
  auto counted = conn.run(sql::kCountLoginFailure, email, now, now - kLoginMemoryUs);
  if (!counted) return counted.error();
  auto locked = conn.run(sql::kLockLogin, email, lock_until(counted->i64(0, 0), now));
  if (!locked) return locked.error();
  LoginFailures out{locked->i64(0, 0), locked->i64(0, 1)};
  if (auto c = tx.commit(); !c) return c.error();
  return out;
}

Status PostgresMetaStore::clear_login_failures(const std::string& email) {
  SL_CONNECTION(conn);
  if (auto r = conn.run(sql::kClearLogin, email); !r) return r.error();
  return ok_status();
}

Result<ApiKeyInfo> PostgresMetaStore::create_key(int64_t project_id, const std::string& name,
                                                 const std::string& prefix, const std::string& hash, ScopeSet scopes) {
  SL_CONNECTION(conn);
  auto r = conn.run(sql::kCreateKey, project_id, name, prefix, hash, scopes, now_micros());
  if (!r) return r.error();
  return read_key(*r, 0);
}

Result<std::optional<KeyLookup>> PostgresMetaStore::find_key_by_hash(const std::string& hash) {
  SL_CONNECTION(conn);
  auto r = conn.run(sql::kKeyByHash, hash);
  if (!r) return r.error();
  if (r->empty()) return std::optional<KeyLookup>{};
  ApiKeyInfo key = read_key(*r, 0);
  const bool revoked = key.revoked_us.has_value();
  return std::optional<KeyLookup>(KeyLookup{std::move(key), revoked});
}

Status PostgresMetaStore::touch_key(int64_t key_id, Micros when) {
  SL_CONNECTION(conn);
  if (auto r = conn.run(sql::kTouchKey, key_id, when); !r) return r.error();
  return ok_status();
}

Result<std::vector<ApiKeyInfo>> PostgresMetaStore::list_keys(std::optional<int64_t> project_id) {
  SL_CONNECTION(conn);
  auto r = project_id ? conn.run(sql::kProjectKeys, *project_id) : conn.run(sql::kAllKeys);
  if (!r) return r.error();
  return rows_of<ApiKeyInfo>(*r, read_key);
}

Result<ApiKeyInfo> PostgresMetaStore::revoke_key(const std::string& id_or_prefix, std::optional<int64_t> project_id) {
  SL_CONNECTION(conn);
  auto keys = conn.run(sql::kKeysNamed, id_or_prefix, project_id);
  if (!keys) return keys.error();
  if (keys->empty()) return make_error(ErrorCode::not_found, fmt::format("no API key '{}'", id_or_prefix));
  if (keys->rows() > 1)
    return make_error(ErrorCode::conflict, fmt::format("'{}' matches {} keys; use the key id", id_or_prefix, keys->rows()));
  auto r = conn.run(sql::kRevokeKey, keys->i64(0, 0), now_micros());
  if (!r) return r.error();
  return read_key(*r, 0);
}

Result<Prompt> PostgresMetaStore::create_prompt(int64_t project_id, const std::string& name,
                                                const std::string& description, const std::string& content,
                                                const std::string& actor) {
  SL_CONNECTION(conn);
  if (auto r = conn.run(sql::kCreatePrompt, project_id, name, description, actor, now_micros(), content); !r)
    return conflict_as(r.error(), fmt::format("prompt '{}' already exists; add a version instead", name));
  auto p = get_prompt_on(conn, project_id, name);
  if (!p) return p.error();
  if (!*p) return make_error(ErrorCode::not_found, fmt::format("prompt '{}' does not exist in this project", name));
  return **p;
}

Result<std::optional<Prompt>> PostgresMetaStore::get_prompt_on(PgConn& conn, int64_t project_id,
                                                               const std::string& name) {
  auto r = conn.run(sql::kGetPrompt, project_id, name);
  if (!r) return r.error();
  if (r->empty()) return std::optional<Prompt>{};
  Prompt p;
  p.id = r->i64(0, 0);
  p.name = r->text(0, 1);
  p.description = r->text(0, 2);
  p.created_by = r->text(0, 3);
  p.created_us = r->i64(0, 4);
  p.latest_version = r->i64(0, 5);
  auto envs = conn.run(sql::kPromptEnvironments, p.id);
  if (!envs) return envs.error();
  const auto states = rows_of<EnvironmentState>(*envs, [](const PgResult& row, int i) {
    return EnvironmentState{row.text(i, 0), row.i64(i, 1), row.text(i, 2), row.i64(i, 3)};
  });
  for (auto env : kEnvironments)
    for (const auto& st : states)
      if (st.env == env) p.environments.push_back(st);
  return std::optional<Prompt>(std::move(p));
}

Result<std::optional<Prompt>> PostgresMetaStore::get_prompt(int64_t project_id, const std::string& name) {
  SL_CONNECTION(conn);
  return get_prompt_on(conn, project_id, name);
}

Result<std::vector<Prompt>> PostgresMetaStore::list_prompts(int64_t project_id) {
  SL_CONNECTION(conn);
  auto names = conn.run(sql::kPromptNames, project_id);
  if (!names) return names.error();
  std::vector<Prompt> out;
  for (int i = 0; i < names->rows(); ++i) {
    auto p = get_prompt_on(conn, project_id, names->text(i, 0));
    if (!p) return p.error();
    if (*p) out.push_back(std::move(**p));
  }
  return out;
}

Result<PromptVersion> PostgresMetaStore::add_version(int64_t project_id, const std::string& name,
                                                     const std::string& content, const std::string& message,
                                                     const std::string& actor) {
  SL_CONNECTION(conn);
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto id = prompt_id(conn, sql::kLockPrompt, project_id, name);
  if (!id) return id.error();
  const Micros now = now_micros();
  auto r = conn.run(sql::kAddVersion, *id, content, message, actor, now);
  if (!r) return r.error();
  PromptVersion v{r->i64(0, 0), content, message, actor, now};
  if (auto c = tx.commit(); !c) return c.error();
  return v;
}

Result<std::vector<PromptVersion>> PostgresMetaStore::list_versions(int64_t project_id, const std::string& name) {
  SL_CONNECTION(conn);
  auto id = prompt_id(conn, sql::kPromptId, project_id, name);
  if (!id) return id.error();
  auto r = conn.run(sql::kListVersions, *id);
  if (!r) return r.error();
  return rows_of<PromptVersion>(*r, read_version);
}

Result<std::optional<PromptVersion>> PostgresMetaStore::get_version(int64_t project_id, const std::string& name,
                                                                    int64_t version) {
  SL_CONNECTION(conn);
  auto id = prompt_id(conn, sql::kPromptId, project_id, name);
  if (!id) return id.error();
  auto r = conn.run(sql::kGetVersion, *id, version);
  if (!r) return r.error();
  return first(rows_of<PromptVersion>(*r, read_version));
}

Result<EnvironmentState> PostgresMetaStore::promote(int64_t project_id, const std::string& name,
                                                    const std::string& env, int64_t version,
                                                    const std::string& actor) {
  SL_CONNECTION(conn);
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto id = prompt_id(conn, sql::kLockPrompt, project_id, name);
  if (!id) return id.error();
  auto exists = conn.run(sql::kGetVersion, *id, version);
  if (!exists) return exists.error();
  if (exists->empty())
    return make_error(ErrorCode::not_found, fmt::format("prompt '{}' has no version {}", name, version));
  const Micros now = now_micros();
  if (auto r = conn.run(sql::kPromote, *id, env, version, actor, now); !r) return r.error();
  if (auto c = tx.commit(); !c) return c.error();
  return EnvironmentState{env, version, actor, now};
}

Result<EnvironmentState> PostgresMetaStore::rollback(int64_t project_id, const std::string& name,
                                                     const std::string& env, const std::string& actor) {
  SL_CONNECTION(conn);
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto id = prompt_id(conn, sql::kLockPrompt, project_id, name);
  if (!id) return id.error();
  auto rows = conn.run(sql::kServing, *id, env);
  if (!rows) return rows.error();
  if (rows->empty())
    return make_error(ErrorCode::conflict, fmt::format("prompt '{}' serves nothing in {}: nothing to roll back", name, env));
  if (rows->rows() < 2)
    return make_error(ErrorCode::conflict,
                      fmt::format("prompt '{}' has no earlier version in {} to roll back to", name, env));
  if (auto r = conn.run(sql::kRollBack, rows->i64(0, 0), now_micros(), actor); !r) return r.error();
  if (auto c = tx.commit(); !c) return c.error();
  return EnvironmentState{env, rows->i64(1, 1), rows->text(1, 2), rows->i64(1, 3)};
}

Result<std::vector<Promotion>> PostgresMetaStore::list_promotions(int64_t project_id, const std::string& name) {
  SL_CONNECTION(conn);
  auto id = prompt_id(conn, sql::kPromptId, project_id, name);
  if (!id) return id.error();
  auto r = conn.run(sql::kListPromotions, *id);
  if (!r) return r.error();
  return rows_of<Promotion>(*r, [](const PgResult& row, int i) {
    return Promotion{row.text(i, 0), row.i64(i, 1), row.text(i, 2),     row.i64(i, 3),
                     row.opt_i64(i, 4), row.text(i, 5), row.opt_i64(i, 6), row.text(i, 7)};
  });
}

Result<PromptVersion> PostgresMetaStore::active_version(int64_t project_id, const std::string& name,
                                                        const std::string& env) {
  SL_CONNECTION(conn);
  auto id = prompt_id(conn, sql::kPromptId, project_id, name);
  if (!id) return id.error();
  auto r = conn.run(sql::kActiveVersion, *id, env);
  if (!r) return r.error();
  if (r->empty())
    return make_error(ErrorCode::not_found, fmt::format("prompt '{}' has no version promoted to {}", name, env));
  return read_version(*r, 0);
}

namespace {

// Doubles travel as text, in the shortest form that reads back as the same double.
Param number_param(std::optional<double> v) { return v ? Param(fmt::format("{}", *v)) : Param(); }
std::optional<double> opt_number(const PgResult& r, int row, int col) {
  if (r.is_null(row, col)) return std::nullopt;
  return std::strtod(r.text(row, col).c_str(), nullptr);
}

Error score_config_missing(const std::string& name) {
  return make_error(ErrorCode::not_found, fmt::format("score config '{}' does not exist in this project", name));
}

}  // namespace

Result<ScoreConfig> PostgresMetaStore::create_score_config(int64_t project_id, const ScoreConfig& c) {
  SL_CONNECTION(conn);
  ScoreConfig out = c;
  out.created_us = now_micros();
  if (auto r = conn.run(sql::kCreateScoreConfig, project_id, c.name, score_type_name(c.type), number_param(c.min_value),
                        number_param(c.max_value), join_categories(c.categories), c.description, out.created_us);
      !r)
    return conflict_as(r.error(), fmt::format("score config '{}' already exists", c.name));
  return out;
}

Result<ScoreConfig> PostgresMetaStore::update_score_config(int64_t project_id, const ScoreConfig& c) {
  SL_CONNECTION(conn);
  auto r = conn.run(sql::kUpdateScoreConfig, project_id, c.name, score_type_name(c.type), number_param(c.min_value),
                    number_param(c.max_value), join_categories(c.categories), c.description);
  if (!r) return r.error();
  if (r->empty()) return score_config_missing(c.name);
  ScoreConfig out = c;
  out.created_us = r->i64(0, 0);
  return out;
}

Status PostgresMetaStore::delete_score_config(int64_t project_id, const std::string& name) {
  SL_CONNECTION(conn);
  auto r = conn.run(sql::kDeleteScoreConfig, project_id, name);
  if (!r) return r.error();
  if (r->empty()) return score_config_missing(name);
  return ok_status();
}

Result<std::vector<ScoreConfig>> PostgresMetaStore::list_score_configs(int64_t project_id) {
  SL_CONNECTION(conn);
  auto r = conn.run(sql::kListScoreConfigs, project_id);
  if (!r) return r.error();
  return rows_of<ScoreConfig>(*r, [](const PgResult& row, int i) {
    ScoreConfig c;
    c.name = row.text(i, 0);
    c.type = parse_score_type(row.text(i, 1)).value_or(ScoreType::numeric);
    c.min_value = opt_number(row, i, 2);
    c.max_value = opt_number(row, i, 3);
    c.categories = split_categories(row.text(i, 4));
    c.description = row.text(i, 5);
    c.created_us = row.i64(i, 6);
    return c;
  });
}

namespace {

ModelPrice read_price(const PgResult& r, int i) {
  return ModelPrice{r.i64(i, 0), r.i64(i, 1), r.text(i, 2), r.text(i, 3), r.i64(i, 4),
                    r.text(i, 5), r.text(i, 6), r.i64(i, 7), r.i64(i, 8)};
}

CostRecompute read_recompute(const PgResult& r, int i) {
  CostRecompute j;
  j.id = r.i64(i, 0);
  j.project_id = r.i64(i, 1);
  j.from_us = r.i64(i, 2);
  j.to_us = r.i64(i, 3);
  const std::string state = r.text(i, 4);
  j.state = state == "done" ? RecomputeState::done : state == "failed" ? RecomputeState::failed : RecomputeState::running;
  j.spans_total = r.i64(i, 5);
  j.spans_done = r.i64(i, 6);
  j.spans_changed = r.i64(i, 7);
  j.error = r.text(i, 8);
  j.started_by = r.text(i, 9);
  j.created_us = r.i64(i, 10);
  j.updated_us = r.i64(i, 11);
  j.finished_us = r.opt_i64(i, 12);
  return j;
}

std::string state_name(RecomputeState s) { return std::string(kRecomputeStates[static_cast<size_t>(s)]); }

Error price_missing(int64_t id) {
  return make_error(ErrorCode::not_found, fmt::format("price {} does not exist in this project", id));
}

std::string price_taken(const ModelPrice& p) {
  return fmt::format("this project already prices '{}' at {} from {}", p.model,
                     p.provider.empty() ? "any provider" : p.provider, format_iso8601(p.effective_from));
}

}  // namespace

Result<ModelPrice> PostgresMetaStore::create_model_price(const ModelPrice& p) {
  SL_CONNECTION(conn);
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto r = conn.run(sql::kCreateModelPrice, p.project_id, p.model, p.provider, p.effective_from, p.definition,
                    p.updated_by, now_micros());
  if (!r) return conflict_as(r.error(), price_taken(p));
  if (auto b = conn.run(sql::kBumpPriceRevision); !b) return b.error();
  if (auto c = tx.commit(); !c) return c.error();
  return read_price(*r, 0);
}

Result<ModelPrice> PostgresMetaStore::update_model_price(const ModelPrice& p) {
  SL_CONNECTION(conn);
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto r = conn.run(sql::kUpdateModelPrice, p.project_id, p.id, p.model, p.provider, p.effective_from, p.definition,
                    p.updated_by, now_micros());
  if (!r) return conflict_as(r.error(), price_taken(p));
  if (r->empty()) return price_missing(p.id);
  if (auto b = conn.run(sql::kBumpPriceRevision); !b) return b.error();
  if (auto c = tx.commit(); !c) return c.error();
  return read_price(*r, 0);
}

Status PostgresMetaStore::delete_model_price(int64_t project_id, int64_t id) {
  SL_CONNECTION(conn);
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status();
  auto r = conn.run(sql::kDeleteModelPrice, project_id, id);
  if (!r) return r.error();
  if (r->empty()) return price_missing(id);
  if (auto b = conn.run(sql::kBumpPriceRevision); !b) return b.error();
  return tx.commit();
}

Result<std::vector<ModelPrice>> PostgresMetaStore::list_model_prices(std::optional<int64_t> project_id) {
  SL_CONNECTION(conn);
  auto r = conn.run(sql::kListModelPrices, param(project_id));
  if (!r) return r.error();
  return rows_of<ModelPrice>(*r, read_price);
}

Result<int64_t> PostgresMetaStore::model_price_revision() {
  SL_CONNECTION(conn);
  auto r = conn.run(sql::kPriceRevision);
  if (!r) return r.error();
  return r->i64(0, 0);
}

Result<CostRecompute> PostgresMetaStore::create_cost_recompute(const CostRecompute& job) {
  SL_CONNECTION(conn);
  CostRecompute out = job;
  out.created_us = out.updated_us = now_micros();
  auto r = conn.run(sql::kCreateCostRecompute, job.project_id, job.from_us, job.to_us, state_name(job.state),
                    job.spans_total, job.spans_done, job.spans_changed, job.error, job.started_by, out.created_us,
                    param(job.finished_us));
  if (!r) return r.error();
  out.id = r->i64(0, 0);
  return out;
}

Status PostgresMetaStore::update_cost_recompute(const CostRecompute& job) {
  SL_CONNECTION(conn);
  auto r = conn.run(sql::kUpdateCostRecompute, job.project_id, job.id, state_name(job.state), job.spans_total,
                    job.spans_done, job.spans_changed, job.error, now_micros(), param(job.finished_us));
  if (!r) return r.error();
  return ok_status();
}

Result<std::optional<CostRecompute>> PostgresMetaStore::get_cost_recompute(int64_t project_id, int64_t id) {
  SL_CONNECTION(conn);
  auto r = conn.run(sql::kGetCostRecompute, project_id, id);
  if (!r) return r.error();
  return first(rows_of<CostRecompute>(*r, read_recompute));
}

Result<std::vector<CostRecompute>> PostgresMetaStore::list_cost_recomputes(int64_t project_id, int limit) {
  SL_CONNECTION(conn);
  auto r = conn.run(sql::kListCostRecomputes, project_id, limit);
  if (!r) return r.error();
  return rows_of<CostRecompute>(*r, read_recompute);
}

}  // namespace stacklens::postgres
