#include "client/cli/errors.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "claimd/client/claim_client.h"
#include "client/render/text.h"

namespace claimd::client {

const char kExitCodesHelp[] =
    "Exit codes:\n"
    "  0  ok\n"
    "  1  error (server or other)\n"
    "  2  usage: bad flags or arguments (also INVALID_ARGUMENT from the "
    "server)\n"
    "  3  not found (NOT_FOUND)\n"
    "  4  conflict: revision mismatch (ABORTED), already exists "
    "(ALREADY_EXISTS),\n"
    "     the claim's state forbids it (FAILED_PRECONDITION)\n"
    "  5  unavailable: cannot reach the server (UNAVAILABLE) or no answer "
    "within\n"
    "     --timeout (DEADLINE_EXCEEDED)\n";

int ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return kExitOk;
    case absl::StatusCode::kInvalidArgument:
      return kExitUsage;
    case absl::StatusCode::kNotFound:
      return kExitNotFound;
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
      return kExitConflict;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return kExitUnavailable;
    default:
      return kExitError;
  }
}

std::string ErrorLine(absl::string_view what, const absl::Status& status,
                      absl::string_view hint) {
  const std::string message =
      status.message().empty() ? "failed" : Sanitize(status.message());
  std::string line =
      absl::StrCat("claimctl: ", Sanitize(what), ": ", message, " (",
                   absl::StatusCodeToString(status.code()), ")");
  if (!hint.empty()) absl::StrAppend(&line, "; ", hint);
  return line;
}

namespace {

// gRPC's words for a call that reached no server, or `claimctl health`'s own
// (health_command.cc checks the connection first).
bool NothingAnswered(const absl::Status& status) {
  return ReachedNoServer(status) ||
         (status.code() == absl::StatusCode::kUnavailable &&
          absl::StartsWith(status.message(), "cannot connect within "));
}

}  // namespace

std::string GenericHint(const absl::Status& status, absl::string_view server,
                        absl::Duration timeout) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
      if (!NothingAnswered(status)) return "";
      return absl::StrCat("is claimd running at ", server,
                          "? set --server or CLAIMD_ADDR");
    case absl::StatusCode::kDeadlineExceeded:
      return absl::StrCat("no answer within ", absl::FormatDuration(timeout),
                          "; raise --timeout");
    default:
      return "";
  }
}

std::string UnknownOutcomeHint(const absl::Status& status,
                               absl::string_view request_id) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
      if (NothingAnswered(status)) return "";
      break;
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDataLoss:
      break;
    default:
      return "";
  }
  return absl::StrCat(
      "the change may or may not have been applied; to learn which, run the "
      "same command again with --request-id ",
      request_id, " (it applies at most once)");
}

}  // namespace claimd::client
