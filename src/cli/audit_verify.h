#pragma once
// `stacklens audit verify`: checks GovernAI's whole audit chain in the metadata store with the
// signing key of the data directory (the same settings as serve). Exit 0: intact; 1: broken
// (the first entry changed, removed or reordered is named on stdout) or could not be checked.
#include "config/settings.h"

namespace stacklens::cli {

int audit_verify(const Settings& s);

}  // namespace stacklens::cli
