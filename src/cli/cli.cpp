#include "cli/cli.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>

#include "app/migrate.h"
#include "app/server_app.h"
#include "cli/admin_commands.h"
#include "cli/audit_verify.h"

namespace stacklens::cli {
namespace {

std::string help_text(const SettingDoc& d) {
  std::string out = d.help;
  if (!d.default_value.empty()) out += " (default " + d.default_value + ")";
  return out + " [env " + d.env + "]";
}

// The settings table of README.md, which a test compares with this output.
std::string settings_markdown() {
  auto cell = [](std::string text) {
    for (size_t i = 0; (i = text.find('|', i)) != std::string::npos; i += 2) text.insert(i, "\\");
    return text;
  };
  std::string out = "| flag | environment | default | meaning |\n|---|---|---|---|\n";
  for (const auto& d : setting_docs()) {
    const std::string def = d.default_value.empty() ? "" : "`" + d.default_value + "`";
    out += "| `--" + d.name + "` | `" + d.env + "` | " + def + " | " + cell(d.help) + " |\n";
  }
  return out;
}

struct SettingFlags {
  std::map<std::string, std::string> values;
  std::map<std::string, CLI::Option*> options;
  std::string config;

  void add_to(CLI::App* cmd, bool all) {
    for (const auto& d : setting_docs()) {
      if (!all && d.name != "data-dir" && d.name != "metadata-url") continue;  // where the admin commands' data is
      options[d.name] = cmd->add_option("--" + d.name, values[d.name], help_text(d));
    }
    cmd->add_option("--config", config, "config file of 'name = value' lines [env STACKLENS_CONFIG]");
  }

  Result<Settings> load() const {
    SettingSources src;
    for (const auto& [name, opt] : options)
      if (opt->count() > 0) src.flags[name] = values.at(name);
    src.env = environment_settings();
    src.config_file = config;
    if (src.config_file.empty())
      if (auto it = src.env.find("STACKLENS_CONFIG"); it != src.env.end()) src.config_file = it->second;
    return load_settings(src);
  }
};

}  // namespace

int run(int argc, char** argv) {
  // Logs go to stderr; stdout carries only what commands print for people and scripts.
  spdlog::set_default_logger(spdlog::stderr_color_mt("stacklens"));
  CLI::App app{"StackLens: self-hosted LLM observability, prompt management and governance"};
  app.require_subcommand(1);
  int rc = 0;
  // One SettingFlags per subcommand: CLI11 binds each option to its own storage.
  std::vector<std::unique_ptr<SettingFlags>> all_flags;
  auto settings_for = [&](CLI::App* cmd, bool all) {
    all_flags.push_back(std::make_unique<SettingFlags>());
    all_flags.back()->add_to(cmd, all);
    return all_flags.back().get();
  };
  auto with_settings = [&](SettingFlags* flags, auto fn) {
    return [flags, fn, &rc] {
      auto s = flags->load();
      if (!s) {
        std::fprintf(stderr, "error: %s\n", s.error().message.c_str());
        rc = 2;
        return;
      }
      rc = fn(*s);
    };
  };

  auto* serve = app.add_subcommand("serve", "run the server");
  bool print_routes = false, print_settings = false;
  serve->add_flag("--print-routes", print_routes, "list the routes this server serves, and exit");
  serve->add_flag("--print-settings", print_settings, "print the settings as README.md's markdown table, and exit");
  auto serve_with_settings = with_settings(settings_for(serve, true), [&print_routes](const Settings& s) {
    spdlog::set_level(spdlog::level::from_str(s.log_level));
    return print_routes ? app::print_routes(s) : app::serve(s);
  });
  serve->callback([&print_settings, serve_with_settings] {
    if (print_settings)
      std::fputs(settings_markdown().c_str(), stdout);
    else
      serve_with_settings();
  });

  auto* keys = app.add_subcommand("keys", "manage API keys")->require_subcommand(1);
  std::string project = "default", scopes, key_name, target;
  std::optional<std::string> opt_project;
  auto* kc = keys->add_subcommand("create", "create a key; prints the secret once on stdout");
  kc->add_option("--project", project, "project name")->capture_default_str();
  kc->add_option("--scopes", scopes, "comma-separated: traces:write,traces:read,prompts:read,prompts:write,keys:manage")
      ->required();
  kc->add_option("--name", key_name, "a label for the key");
  kc->callback(with_settings(settings_for(kc, false),
                             [&](const Settings& s) { return keys_create(s, project, scopes, key_name); }));
  auto* kl = keys->add_subcommand("list", "list keys by prefix (secrets are never shown again)");
  kl->add_option("--project", opt_project, "only this project");
  kl->callback(with_settings(settings_for(kl, false), [&](const Settings& s) { return keys_list(s, opt_project); }));
  auto* kr = keys->add_subcommand("revoke", "revoke a key by id or prefix; effective on its next request");
  kr->add_option("key", target, "key id or prefix (sl-xxxxxxxx)")->required();
  kr->add_option("--project", opt_project, "only within this project");
  kr->callback(
      with_settings(settings_for(kr, false), [&](const Settings& s) { return keys_revoke(s, target, opt_project); }));

  auto* projects = app.add_subcommand("projects", "manage projects")->require_subcommand(1);
  std::string project_name;
  auto* pc = projects->add_subcommand("create", "create a project");
  pc->add_option("name", project_name, "project name")->required();
  pc->callback(with_settings(settings_for(pc, false), [&](const Settings& s) { return projects_create(s, project_name); }));
  auto* pl = projects->add_subcommand("list", "list projects");
  pl->callback(with_settings(settings_for(pl, false), [](const Settings& s) { return projects_list(s); }));

  auto* users = app.add_subcommand("users", "manage dashboard users")->require_subcommand(1);
  std::string email, role = "member";
  std::optional<std::string> password;
  auto* uc = users->add_subcommand("create", "create a user (a password is generated unless given)");
  uc->add_option("--email", email, "login email")->required();
  uc->add_option("--password", password, "password (at least 8 characters)");
  uc->add_option("--project", project, "project the user joins")->capture_default_str();
  uc->add_option("--role", role, "admin, member or viewer")->capture_default_str();
  uc->callback(with_settings(settings_for(uc, false),
                             [&](const Settings& s) { return users_create(s, email, password, project, role); }));
  auto* ur = users->add_subcommand("reset-password", "set a new password (generated unless given)");
  ur->add_option("--email", email, "login email")->required();
  ur->add_option("--password", password, "new password");
  ur->callback(
      with_settings(settings_for(ur, false), [&](const Settings& s) { return users_reset_password(s, email, password); }));
  auto* ul = users->add_subcommand("list", "list users");
  ul->callback(with_settings(settings_for(ul, false), [](const Settings& s) { return users_list(s); }));

  auto* enc = app.add_subcommand("encryption", "manage the encryption key file")->require_subcommand(1);
  auto* er = enc->add_subcommand("rotate-key", "add a new key; new prompt/completion text is sealed with it");
  er->callback(with_settings(settings_for(er, false), [](const Settings& s) { return encryption_rotate(s); }));

  auto* mig = app.add_subcommand(
      "migrate", "copy a single node's data directory into the stores of --metadata-url and --span-store-url, "
                 "resumable, then compare counts and checksums of source and copy");
  app::MigrateOptions migrate_options;
  mig->add_option("--from", migrate_options.from, "the single node's data directory (its server stopped)")
      ->required();
  mig->add_option("--page-spans", migrate_options.page_spans, "spans read and inserted together")
      ->capture_default_str();
  mig->add_flag("--verify-only", migrate_options.verify_only, "compare source and copy without copying");
  mig->callback(with_settings(settings_for(mig, true),
                              [&migrate_options](const Settings& s) { return app::migrate(s, migrate_options); }));

  auto* audit = app.add_subcommand("audit", "GovernAI's audit log")->require_subcommand(1);
  auto* av = audit->add_subcommand("verify", "check the whole audit chain and its signed checkpoints");
  av->callback(with_settings(settings_for(av, true), [](const Settings& s) { return audit_verify(s); }));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return rc;
}

}  // namespace stacklens::cli
