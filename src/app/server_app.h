#pragma once
#include "config/settings.h"

namespace stacklens::app {

// `stacklens serve`: opens storage (bootstrapping an empty data directory),
// serves HTTP until SIGTERM/SIGINT, then commits everything queued and exits 0.
int serve(const Settings& settings);

}  // namespace stacklens::app
