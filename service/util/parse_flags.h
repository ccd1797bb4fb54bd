// ParseFlagsOrExit: absl::ParseCommandLine for our executables, except that a
// request for help (--help, --helpfull, --helpshort, --help=SUBSTRING, ...)
// exits with status 0 after printing it, as users and scripts expect. Abseil
// 20220623 exits with 1 after printing help, which makes `claimd --help` look
// like a failure to every wrapper script and readiness check.
//
// Thread-safety: call once, from main, before any other thread starts.
#ifndef CLAIMD_SERVICE_UTIL_PARSE_FLAGS_H_
#define CLAIMD_SERVICE_UTIL_PARSE_FLAGS_H_

#include <vector>

namespace claimd::util {

// Parses every flag in argv like absl::ParseCommandLine and returns the
// positional arguments (argv[0] first). Help and --version print to stdout
// and exit 0; an unknown or malformed flag prints the error and exits 1.
std::vector<char*> ParseFlagsOrExit(int argc, char** argv);

}  // namespace claimd::util

#endif  // CLAIMD_SERVICE_UTIL_PARSE_FLAGS_H_
