#pragma once
// Serves the built dashboard (web/dist) from disk, with a single-page-app
// fallback: an unknown path that is not an API path gets index.html.
#include <filesystem>

#include "http/router.h"

namespace stacklens::http {

// `api_prefixes`: paths under these answer a JSON 404 instead of index.html.
Handler static_files(std::filesystem::path root, std::vector<std::string> api_prefixes);

}  // namespace stacklens::http
