#include "client/cli/errors.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace claimd::client {
namespace {

TEST(ExitCodeFor, MapsCodesToDocumentedExitCodes) {
  EXPECT_EQ(ExitCodeFor(absl::OkStatus()), 0);
  EXPECT_EQ(ExitCodeFor(absl::InternalError("x")), 1);
  EXPECT_EQ(ExitCodeFor(absl::OutOfRangeError("x")), 1);
  EXPECT_EQ(ExitCodeFor(absl::PermissionDeniedError("x")), 1);
  EXPECT_EQ(ExitCodeFor(absl::InvalidArgumentError("x")), 2);
  EXPECT_EQ(ExitCodeFor(absl::NotFoundError("x")), 3);
  EXPECT_EQ(ExitCodeFor(absl::AbortedError("x")), 4);
  EXPECT_EQ(ExitCodeFor(absl::AlreadyExistsError("x")), 4);
  EXPECT_EQ(ExitCodeFor(absl::FailedPreconditionError("x")), 4);
  EXPECT_EQ(ExitCodeFor(absl::UnavailableError("x")), 5);
  EXPECT_EQ(ExitCodeFor(absl::DeadlineExceededError("x")), 5);
}

TEST(ErrorLine, NamesWhatFailedTheMessageAndTheCode) {
  EXPECT_EQ(
      ErrorLine("get claims/x", absl::NotFoundError("claim x not found"), ""),
      "claimctl: get claims/x: claim x not found (NOT_FOUND)");
}

TEST(ErrorLine, AppendsTheHint) {
  EXPECT_EQ(ErrorLine("create claims/x", absl::AlreadyExistsError("taken"),
                      "choose another --id"),
            "claimctl: create claims/x: taken (ALREADY_EXISTS); choose another "
            "--id");
}

TEST(ErrorLine, SaysFailedForAnEmptyMessage) {
  EXPECT_EQ(ErrorLine("history of claims/x", absl::UnimplementedError(""), ""),
            "claimctl: history of claims/x: failed (UNIMPLEMENTED)");
}

TEST(ErrorLine, StaysOnOneLine) {
  EXPECT_EQ(ErrorLine("list claims", absl::InternalError("a\nb\033[2J"), ""),
            "claimctl: list claims: a b [2J (INTERNAL)");
}

// gRPC 1.51's words when nothing answered (claimctl --server 127.0.0.1:1).
const absl::Status kRefused = absl::UnavailableError(
    "failed to connect to all addresses; last error: UNKNOWN: "
    "ipv4:127.0.0.1:1: Failed to connect to remote host: Connection refused");
// What claimd over etcd answers while etcd has no quorum.
const absl::Status kNoQuorum = absl::UnavailableError(
    "etcd commit failed: etcdserver: no leader; the mutation may or may not "
    "have been applied");

TEST(GenericHint, TellsWhereTheServerWasExpected) {
  EXPECT_EQ(
      GenericHint(kRefused, "127.0.0.1:50051", absl::Seconds(10)),
      "is claimd running at 127.0.0.1:50051? set --server or CLAIMD_ADDR");
  EXPECT_EQ(GenericHint(absl::UnavailableError(
                            "DNS resolution failed for nosuch.invalid:5"),
                        "nosuch.invalid:5", absl::Seconds(10)),
            "is claimd running at nosuch.invalid:5? set --server or "
            "CLAIMD_ADDR");
  // claimd answered: it is running, and its message says what is wrong.
  EXPECT_EQ(GenericHint(kNoQuorum, "h:1", absl::Seconds(10)), "");
  EXPECT_EQ(
      GenericHint(absl::DeadlineExceededError("x"), "h:1", absl::Seconds(10)),
      "no answer within 10s; raise --timeout");
  EXPECT_EQ(GenericHint(absl::NotFoundError("x"), "h:1", absl::Seconds(10)),
            "");
}

TEST(UnknownOutcomeHint, NamesTheRequestIdToRunAgainWith) {
  const std::string hint =
      "the change may or may not have been applied; to learn which, run the "
      "same command again with --request-id r-1 (it applies at most once)";
  EXPECT_EQ(UnknownOutcomeHint(kNoQuorum, "r-1"), hint);
  EXPECT_EQ(UnknownOutcomeHint(absl::DeadlineExceededError("x"), "r-1"), hint);
  EXPECT_EQ(UnknownOutcomeHint(absl::CancelledError("x"), "r-1"), hint);
  EXPECT_EQ(UnknownOutcomeHint(absl::InternalError("x"), "r-1"), hint);
  EXPECT_EQ(UnknownOutcomeHint(absl::UnknownError("x"), "r-1"), hint);
  // A retry that reached claimd before the last attempt found nothing.
  EXPECT_EQ(UnknownOutcomeHint(
                absl::UnavailableError(absl::StrCat(
                    kRefused.message(), "; the attempt before: UNAVAILABLE: ",
                    kNoQuorum.message())),
                "r-1"),
            hint);
}

TEST(UnknownOutcomeHint, SaysNothingWhenTheOutcomeIsKnown) {
  // Never sent.
  EXPECT_EQ(UnknownOutcomeHint(kRefused, "r-1"), "");
  // Refused: nothing was written.
  EXPECT_EQ(UnknownOutcomeHint(absl::AbortedError("x"), "r-1"), "");
  EXPECT_EQ(UnknownOutcomeHint(absl::InvalidArgumentError("x"), "r-1"), "");
  EXPECT_EQ(UnknownOutcomeHint(absl::AlreadyExistsError("x"), "r-1"), "");
  EXPECT_EQ(UnknownOutcomeHint(absl::PermissionDeniedError("x"), "r-1"), "");
  EXPECT_EQ(UnknownOutcomeHint(absl::ResourceExhaustedError("x"), "r-1"), "");
}

}  // namespace
}  // namespace claimd::client
