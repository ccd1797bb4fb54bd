#include "client/cli/errors.h"

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

TEST(GenericHint, TellsWhereTheServerWasExpected) {
  EXPECT_EQ(
      GenericHint(absl::UnavailableError("x"), "127.0.0.1:50051",
                  absl::Seconds(10)),
      "is claimd running at 127.0.0.1:50051? set --server or CLAIMD_ADDR");
  EXPECT_EQ(
      GenericHint(absl::DeadlineExceededError("x"), "h:1", absl::Seconds(10)),
      "no answer within 10s; raise --timeout");
  EXPECT_EQ(GenericHint(absl::NotFoundError("x"), "h:1", absl::Seconds(10)),
            "");
}

}  // namespace
}  // namespace claimd::client
