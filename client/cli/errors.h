// How claimctl reports failure: exit codes and the one-line error message.
//
//   int code = ExitCodeFor(status);  // e.g. 3 for NOT_FOUND
//   std::cerr << ErrorLine("get claims/x", status, "") << "\n";
//   // claimctl: get claims/x: claim "x" not found (NOT_FOUND)
//
// Exit codes (kExitCodesHelp, shown by `claimctl --help`):
//   0 ok; 1 error (server or other); 2 usage (bad flags or arguments, including
//   INVALID_ARGUMENT from the server); 3 not found; 4 conflict (ABORTED:
//   revision mismatch, ALREADY_EXISTS, FAILED_PRECONDITION); 5 unavailable
//   (UNAVAILABLE or DEADLINE_EXCEEDED: the server cannot be reached or did not
//   answer in time; for a write, the message says when it may still have been
//   applied and which --request-id learns the outcome).
//
// Thread-safety: pure functions.
#ifndef CLAIMD_CLIENT_CLI_ERRORS_H_
#define CLAIMD_CLIENT_CLI_ERRORS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace claimd::client {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNotFound = 3;
inline constexpr int kExitConflict = 4;
inline constexpr int kExitUnavailable = 5;

// The exit codes as `claimctl --help` lists them.
extern const char kExitCodesHelp[];

int ExitCodeFor(const absl::Status& status);

// "claimctl: <what>: <message> (<CODE>)" and, when `hint` is not empty, ";
// <hint>". An empty message reads "failed". One line: control characters in the
// message become spaces. No trailing newline.
std::string ErrorLine(absl::string_view what, const absl::Status& status,
                      absl::string_view hint);

// What to do about codes whose remedy does not depend on the command:
// UNAVAILABLE when no server was reached (check the server address; claimd's
// own UNAVAILABLE explains itself) and DEADLINE_EXCEEDED (raise --timeout).
// Else "".
std::string GenericHint(const absl::Status& status, absl::string_view server,
                        absl::Duration timeout);

// For a write that failed without a definite outcome: it reached claimd (or
// may have) and then timed out, was cut off, or failed inside claimd
// (DEADLINE_EXCEEDED, UNAVAILABLE, CANCELLED, UNKNOWN, INTERNAL, DATA_LOSS).
// Says how to learn the outcome: run the same command again with
// --request-id `request_id`, which applies it at most once. Else "" (the
// write was refused, or never left this machine: ReachedNoServer).
std::string UnknownOutcomeHint(const absl::Status& status,
                               absl::string_view request_id);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_CLI_ERRORS_H_
