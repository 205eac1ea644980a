#pragma once
// Admin subcommands for operators and scripts. They open the same data
// directory as the server and work while it runs (SQLite WAL, no caching).
#include <optional>
#include <string>

#include "config/settings.h"

namespace stacklens::cli {

int keys_create(const Settings& s, const std::string& project, const std::string& scopes, const std::string& name);
int keys_list(const Settings& s, const std::optional<std::string>& project);
int keys_revoke(const Settings& s, const std::string& id_or_prefix, const std::optional<std::string>& project);
int projects_create(const Settings& s, const std::string& name);
int projects_list(const Settings& s);
int users_create(const Settings& s, const std::string& email, std::optional<std::string> password,
                 const std::string& project, const std::string& role);
int users_reset_password(const Settings& s, const std::string& email, std::optional<std::string> password);
int users_list(const Settings& s);
int encryption_rotate(const Settings& s);

}  // namespace stacklens::cli
