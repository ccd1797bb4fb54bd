#include "tests/api/claim_writer.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tests/testing/claims_client.h"

namespace claimd::testing {

ClaimWriter::ClaimWriter(TestServer& server, std::string prefix, int count)
    : stub_(server.NewStub()),
      prefix_(std::move(prefix)),
      count_(count),
      thread_([this] { Run(); }) {}

ClaimWriter::~ClaimWriter() { Join(); }

void ClaimWriter::Join() {
  if (thread_.joinable()) thread_.join();
}

bool ClaimWriter::WaitForProgress(int n, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (done() < n && done() + failures() < count_) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

void ClaimWriter::Run() {
  constexpr int kClaims = 10;
  bool exists[kClaims] = {};
  for (int i = 0; i < count_; ++i) {
    const int k = i % kClaims;
    const std::string id = absl::StrCat(prefix_, "-", k);
    const std::string name = "claims/" + id;
    absl::Status status;
    if (!exists[k]) {
      status =
          CreateClaim(*stub_, id, absl::StrCat("claim ", id, " #", i)).status();
      exists[k] = status.ok();
    } else {
      switch ((i / kClaims) % 5) {
        case 1:
          status = UpdateClaimStatus(*stub_, name,
                                     claims::v1::VERIFICATION_STATUS_CONFIRMED,
                                     "writer")
                       .status();
          break;
        case 2:
          status = UpdateClaimStatus(*stub_, name,
                                     claims::v1::VERIFICATION_STATUS_DENIED,
                                     "writer")
                       .status();
          break;
        case 3:
          status =
              UpdateClaimStatus(*stub_, name,
                                claims::v1::VERIFICATION_STATUS_DENIED, "again")
                  .status();
          break;
        default:
          status = DeleteClaim(*stub_, name);
          exists[k] = !status.ok();
      }
    }
    if (status.ok()) {
      ++done_;
    } else if (failures_++ == 0) {
      first_error_ = status.ToString();
    }
  }
}

}  // namespace claimd::testing
