// `claimctl import` of the sample data (deploy/sample/claims.jsonl): seven
// claims with their evidence replayed in order, and a second import that
// changes nothing.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "claims/v1/claims.grpc.pb.h"
#include "claims/v1/claims.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/e2e/claimctl_fixture.h"
#include "tests/testing/claims_client.h"

#ifndef CLAIMD_SAMPLE_CLAIMS
#error "CLAIMD_SAMPLE_CLAIMS must name deploy/sample/claims.jsonl"
#endif

namespace claimd::e2e {
namespace {

using ::claimd::testing::ListAllEvents;
using ::claimd::testing::SetTimeout;

namespace v1 = ::claims::v1;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

// The claim names in the sample file, read from it (so the test follows the
// data).
std::vector<std::string> SampleNames() {
  std::vector<std::string> names;
  const std::vector<std::string> lines =
      absl::StrSplit(ReadFile(CLAIMD_SAMPLE_CLAIMS), '\n', absl::SkipEmpty());
  for (const std::string& line : lines) {
    v1::Claim claim;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &claim).ok())
        << line;
    names.push_back(claim.name());
  }
  return names;
}

// The store's revision, as ListClaims reports it.
int64_t StoreRevision(v1::ClaimService::Stub& stub) {
  grpc::ClientContext context;
  SetTimeout(context, absl::Seconds(5));
  v1::ListClaimsRequest request;
  request.set_page_size(1);
  v1::ListClaimsResponse response;
  grpc::Status status = stub.ListClaims(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.revision();
}

using ClaimctlImportTest = ClaimctlTest;

TEST_F(ClaimctlImportTest, ImportSampleThenImportAgainChangesNothing) {
  const std::vector<std::string> names = SampleNames();
  ASSERT_EQ(names.size(), 7u);

  CommandResult import = Ctl({"import", CLAIMD_SAMPLE_CLAIMS});
  ASSERT_TRUE(import.exit.Success())
      << "claimctl import " << CLAIMD_SAMPLE_CLAIMS << ": "
      << import.Describe();

  // `list` shows the seven claims.
  CommandResult list = CtlOk({"list"});
  EXPECT_EQ(Lines(list.out).size(), 1u + names.size()) << list.out;
  for (const std::string& name : names) {
    EXPECT_THAT(list.out,
                HasSubstr(name.substr(std::string("claims/").size())));
  }
  std::vector<std::string> listed;
  for (const std::string& line : Lines(CtlOk({"-o", "json", "list"}).out)) {
    v1::Claim claim;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &claim).ok())
        << line;
    listed.push_back(claim.name());
  }
  EXPECT_THAT(listed, UnorderedElementsAreArray(names));

  // The evidence was replayed in order: reported, then denied.
  CommandResult history = CtlOk({"history", "claims/kyiv-requested-call"});
  std::vector<std::string> rows = Lines(history.out);
  ASSERT_EQ(rows.size(), 3u) << "a header and two events:\n" << history.out;
  EXPECT_THAT(rows[1], AllOf(HasSubstr("CREATED"), HasSubstr("REPORTED"),
                             HasSubstr("Ukrainian officials")));
  EXPECT_THAT(rows[2], AllOf(HasSubstr("STATUS_CHANGED"),
                             HasSubstr("REPORTED -> DENIED"),
                             HasSubstr("Israeli Defence Ministry official")));

  // Importing again writes nothing: every request carries the same request_id.
  auto stub = v1::ClaimService::NewStub(claimd_.NewChannel());
  const int64_t revision = StoreRevision(*stub);
  EXPECT_EQ(revision, 9) << "7 creates and 2 status changes";
  CommandResult again = Ctl({"import", CLAIMD_SAMPLE_CLAIMS});
  EXPECT_TRUE(again.exit.Success()) << again.Describe();
  EXPECT_EQ(StoreRevision(*stub), revision)
      << "the second import wrote something";
  absl::StatusOr<std::vector<v1::ClaimEvent>> events =
      ListAllEvents(*stub, "claims/-");
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(events->size(), 9u);
}

}  // namespace
}  // namespace claimd::e2e
