#include "storage/sqlite/sqlite_meta_store.h"

#include <fmt/format.h>

#include <charconv>

#include "storage/sqlite/meta_schema.h"

namespace stacklens::sqlite {
namespace {

constexpr size_t kMaxCachedKeys = 4096;

constexpr std::string_view kKeySelect =
    "SELECT k.id, k.project_id, p.name, k.name, k.prefix, k.scopes, k.created_us, k.last_used_us, k.revoked_us "
    "FROM api_keys k JOIN projects p ON p.id = k.project_id ";

ApiKeyInfo read_key(Stmt& s) {
  ApiKeyInfo k;
  k.id = s.i64(0);
  k.project_id = s.i64(1);
  k.project_name = s.text(2);
  k.name = s.text(3);
  k.prefix = s.text(4);
  k.scopes = static_cast<ScopeSet>(s.i64(5));
  k.created_us = s.i64(6);
  k.last_used_us = s.opt_i64(7);
  k.revoked_us = s.opt_i64(8);
  return k;
}

// id, name, created_us, retention_days
Project read_project(Stmt& s) {
  Project p{s.i64(0), s.text(1), s.i64(2), std::nullopt};
  if (auto days = s.opt_i64(3)) p.retention_days = static_cast<int>(*days);
  return p;
}

// A sign-in failure older than this no longer counts.
constexpr Micros kLoginMemoryUs = 86400LL * 1000000;

Error prompt_missing(const std::string& name) {
  return make_error(ErrorCode::not_found, fmt::format("prompt '{}' does not exist in this project", name));
}

}  // namespace

Result<std::unique_ptr<SqliteMetaStore>> SqliteMetaStore::open(const std::string& path) {
  auto db = Db::open(path);
  if (!db) return db.error();
  if (auto st = migrate(**db, kMetaMigrations); !st) return st.error();
  auto watcher = Db::open(path);
  if (!watcher) return watcher.error();
  return std::unique_ptr<SqliteMetaStore>(new SqliteMetaStore(std::move(*db), std::move(*watcher)));
}

Result<bool> SqliteMetaStore::is_empty() {
  std::lock_guard lock(mu_);
  auto projects = db_->query_int("SELECT count(*) FROM projects");
  if (!projects) return projects.error();
  return *projects == 0;
}

Result<std::optional<ApiKeyInfo>> SqliteMetaStore::bootstrap(const BootstrapSeed& seed) {
  std::lock_guard lock(mu_);
  // BEGIN IMMEDIATE: another process setting up the same file waits here, then sees its project.
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto projects = db_->query_int("SELECT count(*) FROM projects");
  if (!projects) return projects.error();
  if (*projects != 0) return std::optional<ApiKeyInfo>{};
  const Micros now = now_micros();
  auto insert = [&](const char* sql, auto&&... values) -> Result<int64_t> {
    auto s = db_->prepare(sql);
    if (!s) return s.error();
    int i = 0;
    ((*s)->bind(++i, values), ...);
    if (auto r = (*s)->run(); !r) return r.error();
    return db_->last_insert_rowid();
  };
  if (auto r = insert("INSERT OR IGNORE INTO organizations(id, name, created_us) VALUES(1, 'default', ?1)", now); !r)
    return r.error();
  SL_TRY(project_id, insert("INSERT INTO projects(org_id, name, created_us) VALUES(1, ?1, ?2)", seed.project, now));
  SL_TRY(user_id, insert("INSERT INTO users(email, password_hash, created_us) VALUES(?1, ?2, ?3)", seed.admin_email,
                         seed.password_hash, now));
  if (auto r = insert("INSERT INTO memberships(user_id, project_id, role) VALUES(?1, ?2, ?3)", user_id, project_id,
                      std::string(role_name(Role::admin)));
      !r)
    return r.error();
  SL_TRY(key_id, insert("INSERT INTO api_keys(project_id, name, prefix, hash, scopes, created_us) "
                        "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                        project_id, seed.key_name, seed.key_prefix, seed.key_hash, static_cast<int64_t>(seed.scopes),
                        now));
  auto keys = query_keys("WHERE k.id = ?1", {std::to_string(key_id)});
  if (!keys) return keys.error();
  if (auto c = tx.commit(); !c) return c.error();
  return std::optional<ApiKeyInfo>(keys->front());
}

Result<Project> SqliteMetaStore::create_project(const std::string& name) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status().error();
  const Micros now = now_micros();
  if (auto s = db_->prepare("INSERT OR IGNORE INTO organizations(id, name, created_us) VALUES(1, 'default', ?1)");
      !s || !(*s)->bind(1, now).run())
    return db_->error("create organization");
  auto s = db_->prepare("INSERT INTO projects(org_id, name, created_us) VALUES(1, ?1, ?2)");
  if (!s) return s.error();
  if (auto r = (*s)->bind(1, name).bind(2, now).run(); !r) {
    if (r.error().code == ErrorCode::conflict)
      return make_error(ErrorCode::conflict, fmt::format("project '{}' already exists", name));
    return r.error();
  }
  Project p{db_->last_insert_rowid(), name, now, std::nullopt};
  if (auto c = tx.commit(); !c) return c.error();
  return p;
}

Result<std::optional<Project>> SqliteMetaStore::find_project(const std::string& name) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare("SELECT id, name, created_us, retention_days FROM projects WHERE name = ?1");
  if (!s) return s.error();
  auto rows = collect<Project>((*s)->bind(1, name), read_project);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<Project>{};
  return std::optional<Project>(rows->front());
}

Result<std::vector<Project>> SqliteMetaStore::list_projects() {
  std::lock_guard lock(mu_);
  auto s = db_->prepare("SELECT id, name, created_us, retention_days FROM projects ORDER BY id");
  if (!s) return s.error();
  return collect<Project>(**s, read_project);
}

Status SqliteMetaStore::set_retention(int64_t project_id, std::optional<int> days) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare("UPDATE projects SET retention_days = ?2 WHERE id = ?1");
  if (!s) return s.error();
  const std::optional<int64_t> stored = days ? std::optional<int64_t>(*days) : std::nullopt;
  if (auto r = (*s)->bind(1, project_id).bind(2, stored).run(); !r) return r;
  if (db_->changes() == 0) return make_error(ErrorCode::not_found, "project not found");
  return ok_status();
}

Result<User> SqliteMetaStore::create_user(const std::string& email, const std::string& password_hash) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare("INSERT INTO users(email, password_hash, created_us) VALUES(?1, ?2, ?3)");
  if (!s) return s.error();
  const Micros now = now_micros();
  if (auto r = (*s)->bind(1, email).bind(2, password_hash).bind(3, now).run(); !r) {
    if (r.error().code == ErrorCode::conflict)
      return make_error(ErrorCode::conflict, fmt::format("user '{}' already exists", email));
    return r.error();
  }
  return User{db_->last_insert_rowid(), email, now};
}

Status SqliteMetaStore::set_password(const std::string& email, const std::string& password_hash) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare("UPDATE users SET password_hash = ?2 WHERE email = ?1");
  if (!s) return s.error();
  if (auto r = (*s)->bind(1, email).bind(2, password_hash).run(); !r) return r;
  if (db_->changes() == 0) return make_error(ErrorCode::not_found, fmt::format("no user '{}'", email));
  return ok_status();
}

Status SqliteMetaStore::set_role(int64_t user_id, int64_t project_id, Role role) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "INSERT INTO memberships(user_id, project_id, role) VALUES(?1, ?2, ?3) "
      "ON CONFLICT(user_id, project_id) DO UPDATE SET role = excluded.role");
  if (!s) return s.error();
  return (*s)->bind(1, user_id).bind(2, project_id).bind(3, role_name(role)).run();
}

Result<std::vector<User>> SqliteMetaStore::list_users() {
  std::lock_guard lock(mu_);
  auto s = db_->prepare("SELECT id, email, created_us FROM users ORDER BY id");
  if (!s) return s.error();
  return collect<User>(**s, [](Stmt& r) { return User{r.i64(0), r.text(1), r.i64(2)}; });
}

Result<std::optional<UserCredentials>> SqliteMetaStore::find_user(const std::string& email) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare("SELECT id, email, created_us, password_hash FROM users WHERE email = ?1");
  if (!s) return s.error();
  auto rows = collect<UserCredentials>((*s)->bind(1, email), [](Stmt& r) {
    return UserCredentials{User{r.i64(0), r.text(1), r.i64(2)}, r.text(3)};
  });
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<UserCredentials>{};
  return std::optional<UserCredentials>(rows->front());
}

Result<std::vector<Membership>> SqliteMetaStore::query_memberships(const std::string& where, int64_t arg) {
  auto s = db_->prepare(
      "SELECT p.id, p.name, u.email, m.role, p.created_us FROM memberships m JOIN projects p ON p.id = m.project_id "
      "JOIN users u ON u.id = m.user_id " + where + " ORDER BY p.id, u.email");
  if (!s) return s.error();
  return collect<Membership>((*s)->bind(1, arg), [](Stmt& r) {
    return Membership{r.i64(0), r.text(1), r.text(2), parse_role(r.text(3)).value_or(Role::viewer), r.i64(4)};
  });
}

Result<std::vector<Membership>> SqliteMetaStore::memberships_of(int64_t user_id) {
  std::lock_guard lock(mu_);
  return query_memberships("WHERE m.user_id = ?1", user_id);
}

Result<std::vector<Membership>> SqliteMetaStore::members_of(int64_t project_id) {
  std::lock_guard lock(mu_);
  return query_memberships("WHERE m.project_id = ?1", project_id);
}

Status SqliteMetaStore::remove_member(const std::string& email, int64_t project_id) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "DELETE FROM memberships WHERE project_id = ?2 AND user_id = (SELECT id FROM users WHERE email = ?1)");
  if (!s) return s.error();
  if (auto r = (*s)->bind(1, email).bind(2, project_id).run(); !r) return r;
  if (db_->changes() == 0)
    return make_error(ErrorCode::not_found, fmt::format("'{}' is not a member of this project", email));
  return ok_status();
}

Result<Session> SqliteMetaStore::create_session(int64_t user_id, const std::string& token_hash,
                                                const std::string& csrf_token, Micros expires_us) {
  std::lock_guard lock(mu_);
  const Micros now = now_micros();
  // Expired sessions are swept here, where sessions are written anyway.
  if (auto d = db_->prepare("DELETE FROM sessions WHERE expires_us < ?1"); !d || !(*d)->bind(1, now).run())
    return db_->error("sweep sessions");
  auto s = db_->prepare(
      "INSERT INTO sessions(token_hash, user_id, csrf_token, created_us, expires_us) VALUES(?1, ?2, ?3, ?4, ?5)");
  if (!s) return s.error();
  if (auto r = (*s)->bind(1, token_hash).bind(2, user_id).bind(3, csrf_token).bind(4, now).bind(5, expires_us).run(); !r)
    return r.error();
  Session out;
  out.id = db_->last_insert_rowid();
  out.user.id = user_id;
  out.csrf_token = csrf_token;
  out.expires_us = expires_us;
  return out;
}

Result<std::optional<Session>> SqliteMetaStore::find_session(const std::string& token_hash, Micros now) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "SELECT s.id, u.id, u.email, u.created_us, s.csrf_token, s.expires_us FROM sessions s "
      "JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1 AND s.expires_us > ?2");
  if (!s) return s.error();
  auto rows = collect<Session>((*s)->bind(1, token_hash).bind(2, now), [](Stmt& r) {
    return Session{r.i64(0), User{r.i64(1), r.text(2), r.i64(3)}, r.text(4), r.i64(5)};
  });
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<Session>{};
  return std::optional<Session>(rows->front());
}

Status SqliteMetaStore::delete_session(const std::string& token_hash) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare("DELETE FROM sessions WHERE token_hash = ?1");
  if (!s) return s.error();
  return (*s)->bind(1, token_hash).run();
}

Result<LoginFailures> SqliteMetaStore::login_failures(const std::string& email) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare("SELECT failures, locked_until_us FROM login_failures WHERE email = ?1");
  if (!s) return s.error();
  auto rows = collect<LoginFailures>((*s)->bind(1, email), [](Stmt& r) { return LoginFailures{r.i64(0), r.i64(1)}; });
  if (!rows) return rows.error();
  return rows->empty() ? LoginFailures{} : rows->front();
}

Result<LoginFailures> SqliteMetaStore::record_login_failure(const std::string& email, Micros now,
                                                            Micros (*lock_until)(int64_t failures, Micros now)) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status().error();
  const Micros forgotten = now - kLoginMemoryUs;
  if (auto s = db_->prepare("DELETE FROM login_failures WHERE last_us < ?1 AND email <> ?2");
      !s || !(*s)->bind(1, forgotten).bind(2, email).run())
    return db_->error("sweep sign-in failures");
  auto s = db_->prepare(
      "INSERT INTO login_failures(email, failures, locked_until_us, last_us) VALUES(?1, 1, 0, ?2) "
      "ON CONFLICT(email) DO UPDATE SET last_us = excluded.last_us, failures = CASE "
      "WHEN login_failures.last_us < ?3 THEN 1 ELSE login_failures.failures + 1 END "
      "RETURNING failures");
  if (!s) return s.error();
  auto counted = collect<int64_t>((*s)->bind(1, email).bind(2, now).bind(3, forgotten), [](Stmt& r) { return r.i64(0); });
  if (!counted) return counted.error();
  auto u = db_->prepare(
      "UPDATE login_failures SET locked_until_us = max(locked_until_us, ?2) WHERE email = ?1 "
      "RETURNING failures, locked_until_us");
  if (!u) return u.error();
  auto rows = collect<LoginFailures>((*u)->bind(1, email).bind(2, lock_until(counted->front(), now)),
                                     [](Stmt& r) { return LoginFailures{r.i64(0), r.i64(1)}; });
  if (!rows) return rows.error();
  if (auto c = tx.commit(); !c) return c.error();
  return rows->front();
}

Status SqliteMetaStore::clear_login_failures(const std::string& email) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare("DELETE FROM login_failures WHERE email = ?1");
  if (!s) return s.error();
  return (*s)->bind(1, email).run();
}

Result<ApiKeyInfo> SqliteMetaStore::create_key(int64_t project_id, const std::string& name, const std::string& prefix,
                                               const std::string& hash, ScopeSet scopes) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "INSERT INTO api_keys(project_id, name, prefix, hash, scopes, created_us) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  if (!s) return s.error();
  if (auto r = (*s)->bind(1, project_id).bind(2, name).bind(3, prefix).bind(4, hash)
                   .bind(5, static_cast<int64_t>(scopes)).bind(6, now_micros()).run();
      !r)
    return r.error();
  auto keys = query_keys("WHERE k.id = ?1", {std::to_string(db_->last_insert_rowid())});
  if (!keys) return keys.error();
  return keys->front();
}

Result<std::vector<ApiKeyInfo>> SqliteMetaStore::query_keys(const std::string& where,
                                                            const std::vector<std::string>& args) {
  auto s = db_->prepare(std::string(kKeySelect) + where + " ORDER BY k.id");
  if (!s) return s.error();
  for (size_t i = 0; i < args.size(); ++i) (*s)->bind(static_cast<int>(i + 1), args[i]);
  return collect<ApiKeyInfo>(**s, read_key);
}

Result<std::optional<KeyLookup>> SqliteMetaStore::find_key_by_hash(const std::string& hash) {
  // Known keys are answered from memory while meta.db is unchanged (unknown ones are not kept:
  // made-up keys must not fill memory). The version is read before the lookup, so a commit
  // racing with the lookup moves the version on, and the entry is dropped at the next call.
  int64_t version = 0;
  {
    std::lock_guard lock(keys_mu_);
    auto v = watcher_->query_int("PRAGMA data_version");
    if (!v) return v.error();
    version = *v;
    if (version != keys_version_) {
      keys_by_hash_.clear();
      keys_version_ = version;
    } else if (auto it = keys_by_hash_.find(hash); it != keys_by_hash_.end()) {
      return std::optional<KeyLookup>(it->second);
    }
  }
  std::optional<KeyLookup> found;
  {
    std::lock_guard lock(mu_);
    auto keys = query_keys("WHERE k.hash = ?1", {hash});
    if (!keys) return keys.error();
    if (keys->empty()) return found;
    found = KeyLookup{keys->front(), keys->front().revoked_us.has_value()};
  }
  std::lock_guard lock(keys_mu_);
  if (keys_version_ == version) {
    if (keys_by_hash_.size() >= kMaxCachedKeys) keys_by_hash_.clear();
    keys_by_hash_.emplace(hash, *found);
  }
  return found;
}

Status SqliteMetaStore::touch_key(int64_t key_id, Micros when) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare("UPDATE api_keys SET last_used_us = ?2 WHERE id = ?1");
  if (!s) return s.error();
  return (*s)->bind(1, key_id).bind(2, when).run();
}

Result<std::vector<ApiKeyInfo>> SqliteMetaStore::list_keys(std::optional<int64_t> project_id) {
  std::lock_guard lock(mu_);
  if (project_id) return query_keys("WHERE k.project_id = ?1", {std::to_string(*project_id)});
  return query_keys("", {});
}

Result<ApiKeyInfo> SqliteMetaStore::revoke_key(const std::string& id_or_prefix, std::optional<int64_t> project_id) {
  std::lock_guard lock(mu_);
  auto keys = query_keys("WHERE (k.prefix = ?1 OR CAST(k.id AS TEXT) = ?1) AND (?2 = '' OR k.project_id = ?2)",
                         {id_or_prefix, project_id ? std::to_string(*project_id) : std::string()});
  if (!keys) return keys.error();
  if (keys->empty()) return make_error(ErrorCode::not_found, fmt::format("no API key '{}'", id_or_prefix));
  if (keys->size() > 1)
    return make_error(ErrorCode::conflict, fmt::format("'{}' matches {} keys; use the key id", id_or_prefix, keys->size()));
  auto s = db_->prepare("UPDATE api_keys SET revoked_us = coalesce(revoked_us, ?2) WHERE id = ?1");
  if (!s) return s.error();
  if (auto r = (*s)->bind(1, keys->front().id).bind(2, now_micros()).run(); !r) return r.error();
  auto again = query_keys("WHERE k.id = ?1", {std::to_string(keys->front().id)});
  if (!again) return again.error();
  return again->front();
}

Result<int64_t> SqliteMetaStore::prompt_id(int64_t project_id, const std::string& name) {
  auto s = db_->prepare("SELECT id FROM prompts WHERE project_id = ?1 AND name = ?2");
  if (!s) return s.error();
  auto row = (*s)->bind(1, project_id).bind(2, name).step();
  if (!row) return row.error();
  if (!*row) return prompt_missing(name);
  const int64_t id = (*s)->i64(0);
  (*s)->reset();
  return id;
}

Status SqliteMetaStore::version_exists(int64_t prompt_id, const std::string& name, int64_t version) {
  auto exists = db_->prepare("SELECT 1 FROM prompt_versions WHERE prompt_id = ?1 AND version = ?2");
  if (!exists) return exists.error();
  auto row = (*exists)->reset().bind(1, prompt_id).bind(2, version).step();
  if (!row) return row.error();
  (*exists)->reset();
  if (!*row) return make_error(ErrorCode::not_found, fmt::format("prompt '{}' has no version {}", name, version));
  return ok_status();
}

Result<Prompt> SqliteMetaStore::create_prompt(int64_t project_id, const std::string& name,
                                              const std::string& description, const std::string& content,
                                              const std::string& actor) {
  {
    std::lock_guard lock(mu_);
    Transaction tx(*db_);
    if (!tx.begin_status()) return tx.begin_status().error();
    const Micros now = now_micros();
    auto s = db_->prepare(
        "INSERT INTO prompts(project_id, name, description, created_by, created_us) VALUES(?1, ?2, ?3, ?4, ?5)");
    if (!s) return s.error();
    if (auto r = (*s)->bind(1, project_id).bind(2, name).bind(3, description).bind(4, actor).bind(5, now).run(); !r) {
      if (r.error().code == ErrorCode::conflict)
        return make_error(ErrorCode::conflict, fmt::format("prompt '{}' already exists; add a version instead", name));
      return r.error();
    }
    const int64_t id = db_->last_insert_rowid();
    auto v = db_->prepare(
        "INSERT INTO prompt_versions(prompt_id, version, content, message, created_by, created_us) "
        "VALUES(?1, 1, ?2, 'initial version', ?3, ?4)");
    if (!v) return v.error();
    if (auto r = (*v)->bind(1, id).bind(2, content).bind(3, actor).bind(4, now).run(); !r) return r.error();
    if (auto c = tx.commit(); !c) return c.error();
  }
  auto p = get_prompt(project_id, name);
  if (!p) return p.error();
  return **p;
}

Result<std::optional<Prompt>> SqliteMetaStore::get_prompt_locked(int64_t project_id, const std::string& name) {
  auto s = db_->prepare(
      "SELECT p.id, p.name, p.description, p.created_by, p.created_us, "
      "(SELECT max(version) FROM prompt_versions v WHERE v.prompt_id = p.id) "
      "FROM prompts p WHERE p.project_id = ?1 AND p.name = ?2");
  if (!s) return s.error();
  auto rows = collect<Prompt>((*s)->bind(1, project_id).bind(2, name), [](Stmt& r) {
    Prompt p;
    p.id = r.i64(0);
    p.name = r.text(1);
    p.description = r.text(2);
    p.created_by = r.text(3);
    p.created_us = r.i64(4);
    p.latest_version = r.i64(5);
    return p;
  });
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<Prompt>{};
  Prompt p = rows->front();
  auto e = db_->prepare(
      "SELECT env, version, promoted_by, at_us FROM prompt_promotions WHERE id IN ("
      "SELECT max(id) FROM prompt_promotions WHERE prompt_id = ?1 AND rolled_back_us IS NULL GROUP BY env)");
  if (!e) return e.error();
  auto envs = collect<EnvironmentState>((*e)->bind(1, p.id), [](Stmt& r) {
    return EnvironmentState{r.text(0), r.i64(1), r.text(2), r.i64(3)};
  });
  if (!envs) return envs.error();
  for (auto env : kEnvironments)
    for (const auto& st : *envs)
      if (st.env == env) p.environments.push_back(st);
  return std::optional<Prompt>(std::move(p));
}

Result<std::optional<Prompt>> SqliteMetaStore::get_prompt(int64_t project_id, const std::string& name) {
  std::lock_guard lock(mu_);
  return get_prompt_locked(project_id, name);
}

Result<std::vector<Prompt>> SqliteMetaStore::list_prompts(int64_t project_id) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare("SELECT name FROM prompts WHERE project_id = ?1 ORDER BY name");
  if (!s) return s.error();
  auto names = collect<std::string>((*s)->bind(1, project_id), [](Stmt& r) { return r.text(0); });
  if (!names) return names.error();
  std::vector<Prompt> out;
  for (const auto& n : *names) {
    auto p = get_prompt_locked(project_id, n);
    if (!p) return p.error();
    if (*p) out.push_back(std::move(**p));
  }
  return out;
}

Result<PromptVersion> SqliteMetaStore::add_version(int64_t project_id, const std::string& name,
                                                   const std::string& content, const std::string& message,
                                                   const std::string& actor) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto id = prompt_id(project_id, name);
  if (!id) return id.error();
  auto s = db_->prepare(
      "INSERT INTO prompt_versions(prompt_id, version, content, message, created_by, created_us) "
      "SELECT ?1, coalesce(max(version), 0) + 1, ?2, ?3, ?4, ?5 FROM prompt_versions WHERE prompt_id = ?1 "
      "RETURNING version");
  if (!s) return s.error();
  const Micros now = now_micros();
  auto row = (*s)->bind(1, *id).bind(2, content).bind(3, message).bind(4, actor).bind(5, now).step();
  if (!row) return row.error();
  PromptVersion v{(*s)->i64(0), content, message, actor, now};
  (*s)->reset();
  if (auto c = tx.commit(); !c) return c.error();
  return v;
}

Result<std::vector<PromptVersion>> SqliteMetaStore::list_versions(int64_t project_id, const std::string& name) {
  std::lock_guard lock(mu_);
  auto id = prompt_id(project_id, name);
  if (!id) return id.error();
  auto s = db_->prepare(
      "SELECT version, content, message, created_by, created_us FROM prompt_versions WHERE prompt_id = ?1 "
      "ORDER BY version DESC");
  if (!s) return s.error();
  return collect<PromptVersion>((*s)->bind(1, *id), [](Stmt& r) {
    return PromptVersion{r.i64(0), r.text(1), r.text(2), r.text(3), r.i64(4)};
  });
}

Result<std::optional<PromptVersion>> SqliteMetaStore::get_version(int64_t project_id, const std::string& name,
                                                                  int64_t version) {
  std::lock_guard lock(mu_);
  auto id = prompt_id(project_id, name);
  if (!id) return id.error();
  auto s = db_->prepare(
      "SELECT version, content, message, created_by, created_us FROM prompt_versions WHERE prompt_id = ?1 "
      "AND version = ?2");
  if (!s) return s.error();
  auto rows = collect<PromptVersion>((*s)->bind(1, *id).bind(2, version), [](Stmt& r) {
    return PromptVersion{r.i64(0), r.text(1), r.text(2), r.text(3), r.i64(4)};
  });
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<PromptVersion>{};
  return std::optional<PromptVersion>(rows->front());
}

Result<EnvironmentState> SqliteMetaStore::promote(int64_t project_id, const std::string& name, const std::string& env,
                                                  int64_t version, const std::string& actor) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto id = prompt_id(project_id, name);
  if (!id) return id.error();
  if (auto st = version_exists(*id, name, version); !st) return st.error();
  auto s = db_->prepare("INSERT INTO prompt_promotions(prompt_id, env, version, promoted_by, at_us) VALUES(?1, ?2, ?3, ?4, ?5)");
  if (!s) return s.error();
  const Micros now = now_micros();
  if (auto r = (*s)->bind(1, *id).bind(2, env).bind(3, version).bind(4, actor).bind(5, now).run(); !r) return r.error();
  if (auto c = tx.commit(); !c) return c.error();
  return EnvironmentState{env, version, actor, now};
}

Result<EnvironmentState> SqliteMetaStore::rollback(int64_t project_id, const std::string& name, const std::string& env,
                                                   const std::string& actor) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto id = prompt_id(project_id, name);
  if (!id) return id.error();
  auto s = db_->prepare(
      "SELECT id, version, promoted_by, at_us FROM prompt_promotions WHERE prompt_id = ?1 AND env = ?2 "
      "AND rolled_back_us IS NULL ORDER BY id DESC LIMIT 2");
  if (!s) return s.error();
  struct Row { int64_t id, version; std::string by; Micros at; };
  auto rows = collect<Row>((*s)->bind(1, *id).bind(2, env),
                           [](Stmt& r) { return Row{r.i64(0), r.i64(1), r.text(2), r.i64(3)}; });
  if (!rows) return rows.error();
  if (rows->empty())
    return make_error(ErrorCode::conflict, fmt::format("prompt '{}' serves nothing in {}: nothing to roll back", name, env));
  if (rows->size() < 2)
    return make_error(ErrorCode::conflict,
                      fmt::format("prompt '{}' has no earlier version in {} to roll back to", name, env));
  auto u = db_->prepare("UPDATE prompt_promotions SET rolled_back_us = ?2, rolled_back_by = ?3 WHERE id = ?1");
  if (!u) return u.error();
  if (auto r = (*u)->bind(1, rows->front().id).bind(2, now_micros()).bind(3, actor).run(); !r) return r.error();
  if (auto c = tx.commit(); !c) return c.error();
  const Row& prev = (*rows)[1];
  return EnvironmentState{env, prev.version, prev.by, prev.at};
}

Result<std::vector<Promotion>> SqliteMetaStore::list_promotions(int64_t project_id, const std::string& name) {
  std::lock_guard lock(mu_);
  auto id = prompt_id(project_id, name);
  if (!id) return id.error();
  auto s = db_->prepare(
      "SELECT env, version, promoted_by, at_us, rolled_back_us, coalesce(rolled_back_by, ''), request_id, "
      "coalesce(approved_by, '') FROM prompt_promotions WHERE prompt_id = ?1 ORDER BY id DESC");
  if (!s) return s.error();
  return collect<Promotion>((*s)->bind(1, *id), [](Stmt& r) {
    return Promotion{r.text(0), r.i64(1), r.text(2), r.i64(3), r.opt_i64(4), r.text(5), r.opt_i64(6), r.text(7)};
  });
}

Result<PromptVersion> SqliteMetaStore::active_version(int64_t project_id, const std::string& name,
                                                      const std::string& env) {
  std::lock_guard lock(mu_);
  auto id = prompt_id(project_id, name);
  if (!id) return id.error();
  auto s = db_->prepare(
      "SELECT v.version, v.content, v.message, v.created_by, v.created_us FROM prompt_versions v "
      "WHERE v.prompt_id = ?1 AND v.version = (SELECT version FROM prompt_promotions WHERE prompt_id = ?1 "
      "AND env = ?2 AND rolled_back_us IS NULL ORDER BY id DESC LIMIT 1)");
  if (!s) return s.error();
  auto rows = collect<PromptVersion>((*s)->bind(1, *id).bind(2, env), [](Stmt& r) {
    return PromptVersion{r.i64(0), r.text(1), r.text(2), r.text(3), r.i64(4)};
  });
  if (!rows) return rows.error();
  if (rows->empty())
    return make_error(ErrorCode::not_found,
                      fmt::format("prompt '{}' has no version promoted to {}", name, env));
  return rows->front();
}

namespace {

Error score_config_missing(const std::string& name) {
  return make_error(ErrorCode::not_found, fmt::format("score config '{}' does not exist in this project", name));
}

}  // namespace

Result<ScoreConfig> SqliteMetaStore::create_score_config(int64_t project_id, const ScoreConfig& c) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "INSERT INTO score_configs(project_id, name, data_type, min_value, max_value, categories, description, "
      "created_us) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!s) return s.error();
  ScoreConfig out = c;
  out.created_us = now_micros();
  (*s)->reset().bind(1, project_id).bind(2, c.name).bind(3, score_type_name(c.type)).bind(4, c.min_value);
  (*s)->bind(5, c.max_value).bind(6, join_categories(c.categories)).bind(7, c.description).bind(8, out.created_us);
  if (auto r = (*s)->run(); !r) {
    if (r.error().code == ErrorCode::conflict)
      return make_error(ErrorCode::conflict, fmt::format("score config '{}' already exists", c.name));
    return r.error();
  }
  return out;
}

Result<ScoreConfig> SqliteMetaStore::update_score_config(int64_t project_id, const ScoreConfig& c) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "UPDATE score_configs SET data_type = ?3, min_value = ?4, max_value = ?5, categories = ?6, description = ?7 "
      "WHERE project_id = ?1 AND name = ?2 RETURNING created_us");
  if (!s) return s.error();
  (*s)->reset().bind(1, project_id).bind(2, c.name).bind(3, score_type_name(c.type)).bind(4, c.min_value);
  (*s)->bind(5, c.max_value).bind(6, join_categories(c.categories)).bind(7, c.description);
  auto created = collect<int64_t>(**s, [](Stmt& r) { return r.i64(0); });
  if (!created) return created.error();
  if (created->empty()) return score_config_missing(c.name);
  ScoreConfig out = c;
  out.created_us = created->front();
  return out;
}

Status SqliteMetaStore::delete_score_config(int64_t project_id, const std::string& name) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare("DELETE FROM score_configs WHERE project_id = ?1 AND name = ?2");
  if (!s) return s.error();
  if (auto r = (*s)->reset().bind(1, project_id).bind(2, name).run(); !r) return r.error();
  if (db_->changes() == 0) return score_config_missing(name);
  return ok_status();
}

Result<std::vector<ScoreConfig>> SqliteMetaStore::list_score_configs(int64_t project_id) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "SELECT name, data_type, min_value, max_value, categories, description, created_us FROM score_configs "
      "WHERE project_id = ?1 ORDER BY name");
  if (!s) return s.error();
  return collect<ScoreConfig>((*s)->reset().bind(1, project_id), [](Stmt& r) {
    ScoreConfig c;
    c.name = r.text(0);
    c.type = parse_score_type(r.view(1)).value_or(ScoreType::numeric);
    c.min_value = r.opt_f64(2);
    c.max_value = r.opt_f64(3);
    c.categories = split_categories(r.view(4));
    c.description = r.text(5);
    c.created_us = r.i64(6);
    return c;
  });
}

}  // namespace stacklens::sqlite
