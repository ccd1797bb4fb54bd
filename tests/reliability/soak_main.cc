// The long reliability run: kill -9 / SIGTERM cycles of the real claimd under
// write load with watchers, for as long as asked, then the full history check.
//
//   tests/reliability/soak --duration=10m --cycles=500 [--writers=3]
//       [--watchers=2] [--seed=1] [--work_dir=DIR] [--quiet]
//
// Prints: cycles run, writes acknowledged, writes lost, events checked,
// violations (and the first violations). Exit code 0 when there are none.
#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "tests/reliability/kill_cycles.h"
#include "tests/testing/temp_dir.h"

namespace {

bool ParseFlag(absl::string_view arg, absl::string_view name,
               absl::string_view* value) {
  return absl::ConsumePrefix(&arg, name) && absl::ConsumePrefix(&arg, "=") &&
         (*value = arg, true);
}

int Usage(absl::string_view bad) {
  std::cerr << "soak: bad argument " << bad
            << "\nusage: soak --duration=10m --cycles=500 [--writers=3] "
               "[--watchers=2] [--seed=1] [--work_dir=DIR] [--quiet]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  claimd::reliability::KillCycleOptions options;
  options.cycles = 100;
  options.duration = absl::Minutes(5);
  options.verbose = true;
  std::string work_dir;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    absl::string_view value;
    bool ok = true;
    if (arg == "--quiet") {
      options.verbose = false;
    } else if (ParseFlag(arg, "--duration", &value)) {
      ok = absl::ParseDuration(value, &options.duration);
    } else if (ParseFlag(arg, "--cycles", &value)) {
      ok = absl::SimpleAtoi(value, &options.cycles);
    } else if (ParseFlag(arg, "--writers", &value)) {
      ok = absl::SimpleAtoi(value, &options.writers);
    } else if (ParseFlag(arg, "--watchers", &value)) {
      ok = absl::SimpleAtoi(value, &options.watchers);
    } else if (ParseFlag(arg, "--seed", &value)) {
      ok = absl::SimpleAtoi(value, &options.seed);
    } else if (ParseFlag(arg, "--work_dir", &value)) {
      work_dir = std::string(value);
    } else {
      ok = false;
    }
    if (!ok) return Usage(arg);
  }
  claimd::testing::TempDir temp;
  options.work_dir = work_dir.empty() ? temp.path() : work_dir;
  const absl::Time start = absl::Now();
  claimd::reliability::KillCycleFigures figures =
      claimd::reliability::RunKillCycles(options);
  std::cout << "soak: " << absl::FormatDuration(absl::Now() - start)
            << ", seed " << options.seed << "\n"
            << "cycles run: " << figures.cycles << " ("
            << figures.sigterm_cycles << " by SIGTERM)\n"
            << "writes attempted: " << figures.writes_attempted << "\n"
            << "writes acknowledged: " << figures.check.writes_acknowledged
            << "\n"
            << "writes lost: " << figures.check.writes_lost << "\n"
            << "events checked: " << figures.check.events_checked << "\n"
            << "violations: " << figures.check.violations.size() << "\n";
  for (const std::string& violation : figures.check.violations)
    std::cout << "  " << violation << "\n";
  if (!figures.error.empty()) std::cout << "error: " << figures.error << "\n";
  return figures.check.ok() && figures.error.empty() ? 0 : 1;
}
