#include "service/util/parse_flags.h"

#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/flags/internal/program_name.h"
#include "absl/flags/internal/usage.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace claimd::util {
namespace {

// True when `argv` asks for help or the version: Abseil's usage flags are
// recognised by Abseil itself (DeduceUsageFlags), so --help=SUBSTRING,
// --helpfull, --helpshort, --helppackage and --version all count.
bool UsageRequested(int argc, char** argv) {
  bool requested = false;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;  // what follows is positional
    if (!absl::ConsumePrefix(&arg, "-")) continue;
    absl::ConsumePrefix(&arg, "-");
    absl::string_view name = arg;
    absl::string_view value;
    if (const size_t eq = arg.find('='); eq != absl::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    if (absl::flags_internal::DeduceUsageFlags(name, value)) requested = true;
  }
  return requested;
}

}  // namespace

std::vector<char*> ParseFlagsOrExit(int argc, char** argv) {
  if (argc > 0 && UsageRequested(argc, argv)) {
    // ParseCommandLine would set this; help names the program from it.
    absl::flags_internal::SetProgramInvocationName(argv[0]);
    // HandleUsageFlags returns 1 after printing help, 0 after --version.
    const int code = absl::flags_internal::HandleUsageFlags(
        std::cout, absl::ProgramUsageMessage());
    if (code >= 0) {
      std::cout.flush();
      // NOLINTNEXTLINE(concurrency-mt-unsafe): before any other thread starts.
      std::exit(0);
    }
  }
  return absl::ParseCommandLine(argc, argv);
}

}  // namespace claimd::util
