#pragma once

namespace stacklens::cli {

// `stacklens serve | keys | projects | users | encryption`, see --help.
int run(int argc, char** argv);

}  // namespace stacklens::cli
