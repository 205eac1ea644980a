#include "cli/cli.h"

int main(int argc, char** argv) { return stacklens::cli::run(argc, argv); }
