#pragma once
#include "config/settings.h"

namespace stacklens::app {

// `stacklens serve`: opens storage (bootstrapping an empty data directory),
// serves HTTP until SIGTERM/SIGINT, then commits everything queued and exits 0.
int serve(const Settings& settings);
// Prints "METHOD PATTERN" for every route the server would serve, and exits.
int print_routes(const Settings& settings);

}  // namespace stacklens::app
