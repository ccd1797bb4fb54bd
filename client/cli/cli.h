// The claimctl command line: CLI11 parsing of global flags and subcommands,
// help texts with examples, and dispatch to commands.h. main.cc only builds the
// CliEnvironment and calls RunClaimctl, so tests run whole command lines
// against a mocked stub and check stdout, stderr and the exit code.
//
//   const char* argv[] = {"claimctl", "get", "abc", "-o", "json"};
//   int exit_code = RunClaimctl(5, argv, env);
//
// Usage errors (unknown flag, missing argument, bad value) print one line to
// stderr and return 2; --help and --version print to stdout and return 0.
//
// Thread-safety: one call at a time (CLI11 reads the process environment).
#ifndef CLAIMD_CLIENT_CLI_CLI_H_
#define CLAIMD_CLIENT_CLI_CLI_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/cli/command_context.h"

namespace claimd::client {

// "10s", "500ms", "1m30s" or a plain number of seconds ("10", "2.5"). Must be
// positive; INVALID_ARGUMENT else.
absl::StatusOr<absl::Duration> ParseTimeout(absl::string_view text);

// --keepalive's value: as ParseTimeout, but 0 (off) is allowed too.
absl::StatusOr<absl::Duration> ParseKeepalive(absl::string_view text);

// Parses `argv` and runs the chosen subcommand. Returns the process exit code.
int RunClaimctl(int argc, const char* const* argv, const CliEnvironment& env);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_CLI_CLI_H_
