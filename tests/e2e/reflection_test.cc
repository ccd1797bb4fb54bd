// claimd through a standard gRPC tool that has never seen claims.proto:
// `buf curl` resolves every ClaimService method through claimd's server
// reflection (gRPC 1.51 serves grpc.reflection.v1alpha; buf tries v1 first and
// falls back to it), sends the request as JSON and prints the response as JSON.
//
// One test per method. Setup goes through the generated stub, so each test
// fails only for the method it names; the responses buf prints are parsed back
// into the claims.v1 types (unknown fields rejected), so a field buf could not
// name through reflection fails the test.
//
// buf comes from npm through scripts/install-deps.sh; without it these tests
// fail (they never skip). buf's exit code for a failed RPC is the gRPC code
// shifted left by three bits, which is how the error tests name the code.
// Every call carries buf's --timeout: the npm wrapper runs the real buf as a
// child and does not pass signals on, so killing the wrapper would leave buf
// running until its own deadline.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "claims/v1/claims.grpc.pb.h"
#include "claims/v1/claims.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/empty.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/e2e/claimd_harness.h"
#include "tests/e2e/process.h"
#include "tests/testing/claims_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::e2e {
namespace {

using ::claimd::testing::CreateClaim;
using ::claimd::testing::GetClaim;
using ::claimd::testing::UpdateClaimStatus;

namespace v1 = ::claims::v1;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kBuf[] = BUF_BIN;
constexpr char kService[] = "claims.v1.ClaimService";
// buf's own deadline for a call (reflection included); the process is killed
// kKillSlack later if it still runs.
constexpr absl::Duration kCallTimeout = absl::Seconds(15);
constexpr absl::Duration kKillSlack = absl::Seconds(10);

// buf's exit code for an RPC that failed with `code`.
int BufExitCode(grpc::StatusCode code) { return static_cast<int>(code) << 3; }

// The JSON documents of `text`, which holds zero or more JSON objects one after
// another (buf prints one per message of a server stream).
std::vector<std::string> SplitJsonObjects(std::string_view text) {
  std::vector<std::string> objects;
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      if (depth++ == 0) start = i;
    } else if (c == '}' && depth > 0) {
      if (--depth == 0) objects.emplace_back(text.substr(start, i - start + 1));
    }
  }
  return objects;
}

// `json` (proto3 JSON, as buf prints it) as a T. Unknown fields are an error.
template <typename T>
absl::StatusOr<T> ParseJson(const std::string& json) {
  T message;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status =
      google::protobuf::util::JsonStringToMessage(json, &message, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a ", T::descriptor()->full_name(), ": ",
                     status.ToString(), "\nin: ", json));
  }
  return message;
}

// Every event of every WatchClaimsResponse in buf's output.
absl::StatusOr<std::vector<v1::ClaimEvent>> ParseWatchEvents(
    const std::string& out) {
  std::vector<v1::ClaimEvent> events;
  for (const std::string& object : SplitJsonObjects(out)) {
    absl::StatusOr<v1::WatchClaimsResponse> response =
        ParseJson<v1::WatchClaimsResponse>(object);
    if (!response.ok()) return response.status();
    events.insert(events.end(), response->events().begin(),
                  response->events().end());
  }
  return events;
}

class BufCurlReflection : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kBuf, X_OK) != 0) {
      FAIL() << "buf is not installed at " << kBuf << " ("
             << std::generic_category().message(errno)
             << "): run scripts/install-deps.sh to install it";
    }
    claimd_ = std::make_unique<ClaimdHarness>(dir_.File("data"), dir_.path());
    ASSERT_OK(claimd_->Start());
    stub_ = v1::ClaimService::NewStub(claimd_->NewChannel());
  }

  std::string BaseUrl() const {
    return absl::StrCat("http://", claimd_->address());
  }

  // The arguments of `buf curl` for ClaimService/`method` over gRPC
  // (HTTP/2 without TLS), with `json` as the request and a deadline.
  std::vector<std::string> CurlArgs(absl::string_view method,
                                    absl::string_view json,
                                    absl::Duration timeout) const {
    return {"curl",
            "--protocol",
            "grpc",
            "--http2-prior-knowledge",
            "--connect-timeout",
            "5",
            "--timeout",
            absl::StrCat(absl::ToInt64Seconds(timeout), "s"),
            "--data",
            std::string(json),
            absl::StrCat(BaseUrl(), "/", kService, "/", method)};
  }

  // Runs `buf curl` on ClaimService/`method` to completion.
  CommandResult Curl(absl::string_view method, absl::string_view json,
                     absl::Duration timeout = kCallTimeout) {
    return RunCommand(kBuf, CurlArgs(method, json, timeout), dir_.path(),
                      timeout + kKillSlack);
  }

  testing::TempDir dir_;
  std::unique_ptr<ClaimdHarness> claimd_;
  std::unique_ptr<v1::ClaimService::Stub> stub_;
};

TEST_F(BufCurlReflection, ListsEveryClaimServiceMethod) {
  CommandResult services =
      RunCommand(kBuf,
                 {"curl", "--protocol", "grpc", "--http2-prior-knowledge",
                  "--timeout", "15s", "--list-services", BaseUrl()},
                 dir_.path(), kCallTimeout + kKillSlack);
  ASSERT_TRUE(services.exit.Success()) << services.Describe();
  EXPECT_THAT(services.out, HasSubstr("claims.v1.ClaimService\n"));

  CommandResult methods =
      RunCommand(kBuf,
                 {"curl", "--protocol", "grpc", "--http2-prior-knowledge",
                  "--timeout", "15s", "--list-methods", BaseUrl()},
                 dir_.path(), kCallTimeout + kKillSlack);
  ASSERT_FALSE(methods.timed_out) << methods.Describe();
  for (const char* method :
       {"CreateClaim", "GetClaim", "ListClaims", "UpdateClaimStatus",
        "DeleteClaim", "ListClaimEvents", "WatchClaims"}) {
    EXPECT_THAT(methods.out,
                HasSubstr(absl::StrCat(kService, "/", method, "\n")))
        << methods.Describe();
  }
  // The health service is described too (claimd links grpc.health.v1's
  // descriptor for it), so the whole listing succeeds.
  ASSERT_TRUE(methods.exit.Success()) << methods.Describe();
  EXPECT_THAT(methods.out, HasSubstr("grpc.health.v1.Health/Check\n"));
}

TEST_F(BufCurlReflection, CreateClaimCreatesIt) {
  CommandResult result = Curl("CreateClaim",
                              R"({"claim_id": "reflected",
               "claim": {"statement": "Reflection needs no proto file"}})");
  ASSERT_TRUE(result.exit.Success()) << result.Describe();
  ASSERT_OK_AND_ASSIGN(v1::Claim created, ParseJson<v1::Claim>(result.out));
  EXPECT_EQ(created.name(), "claims/reflected");
  EXPECT_EQ(created.statement(), "Reflection needs no proto file");
  EXPECT_EQ(created.status(), v1::VERIFICATION_STATUS_REPORTED);
  EXPECT_EQ(created.revision(), 1);
  EXPECT_EQ(created.create_revision(), 1);
  EXPECT_TRUE(created.has_create_time()) << result.out;

  // It was really stored.
  ASSERT_OK_AND_ASSIGN(v1::Claim stored, GetClaim(*stub_, "claims/reflected"));
  EXPECT_EQ(stored.statement(), "Reflection needs no proto file");
}

TEST_F(BufCurlReflection, GetClaimReturnsIt) {
  ASSERT_OK(CreateClaim(*stub_, "reflected", "stored through the stub"));

  CommandResult result = Curl("GetClaim", R"({"name": "claims/reflected"})");
  ASSERT_TRUE(result.exit.Success()) << result.Describe();
  EXPECT_THAT(result.out, HasSubstr(R"("name": "claims/reflected")"));
  ASSERT_OK_AND_ASSIGN(v1::Claim claim, ParseJson<v1::Claim>(result.out));
  EXPECT_EQ(claim.name(), "claims/reflected");
  EXPECT_EQ(claim.statement(), "stored through the stub");
  EXPECT_EQ(claim.status(), v1::VERIFICATION_STATUS_REPORTED);
  EXPECT_EQ(claim.revision(), 1);
}

TEST_F(BufCurlReflection, ListClaimsContainsItWithTheStoreRevision) {
  ASSERT_OK(CreateClaim(*stub_, "reflected", "stored through the stub"));

  CommandResult result = Curl("ListClaims", R"({"page_size": 10})");
  ASSERT_TRUE(result.exit.Success()) << result.Describe();
  EXPECT_THAT(result.out, HasSubstr(R"("revision")"));
  ASSERT_OK_AND_ASSIGN(v1::ListClaimsResponse list,
                       ParseJson<v1::ListClaimsResponse>(result.out));
  ASSERT_THAT(list.claims(), SizeIs(1)) << result.out;
  EXPECT_EQ(list.claims(0).name(), "claims/reflected");
  EXPECT_EQ(list.revision(), 1);
  EXPECT_EQ(list.next_page_token(), "");
}

TEST_F(BufCurlReflection, UpdateClaimStatusConfirmsWithEvidence) {
  ASSERT_OK(CreateClaim(*stub_, "reflected", "stored through the stub"));

  CommandResult result = Curl("UpdateClaimStatus", R"({
      "name": "claims/reflected",
      "status": "VERIFICATION_STATUS_CONFIRMED",
      "evidence": {"source": "Reflection Daily", "quote": "It is so."}})");
  ASSERT_TRUE(result.exit.Success()) << result.Describe();
  EXPECT_THAT(result.out,
              HasSubstr(R"("status": "VERIFICATION_STATUS_CONFIRMED")"));
  ASSERT_OK_AND_ASSIGN(v1::Claim claim, ParseJson<v1::Claim>(result.out));
  EXPECT_EQ(claim.status(), v1::VERIFICATION_STATUS_CONFIRMED);
  EXPECT_EQ(claim.revision(), 2);
  ASSERT_THAT(claim.evidence(), SizeIs(1)) << result.out;
  EXPECT_EQ(claim.evidence(0).source(), "Reflection Daily");
  EXPECT_EQ(claim.evidence(0).quote(), "It is so.");
  EXPECT_EQ(claim.evidence(0).status(), v1::VERIFICATION_STATUS_CONFIRMED);
  EXPECT_EQ(claim.evidence(0).revision(), 2);
}

TEST_F(BufCurlReflection, ListClaimEventsShowsCreatedThenStatusChanged) {
  ASSERT_OK(CreateClaim(*stub_, "reflected", "stored through the stub"));
  ASSERT_OK(UpdateClaimStatus(*stub_, "claims/reflected",
                              v1::VERIFICATION_STATUS_CONFIRMED,
                              "Reflection Daily"));

  CommandResult result =
      Curl("ListClaimEvents", R"({"parent": "claims/reflected"})");
  ASSERT_TRUE(result.exit.Success()) << result.Describe();
  ASSERT_OK_AND_ASSIGN(v1::ListClaimEventsResponse list,
                       ParseJson<v1::ListClaimEventsResponse>(result.out));
  ASSERT_THAT(list.events(), SizeIs(2)) << result.out;
  EXPECT_EQ(list.events(0).revision(), 1);
  EXPECT_EQ(list.events(0).type(), v1::EVENT_TYPE_CREATED);
  EXPECT_EQ(list.events(0).claim().name(), "claims/reflected");
  EXPECT_EQ(list.events(1).revision(), 2);
  EXPECT_EQ(list.events(1).type(), v1::EVENT_TYPE_STATUS_CHANGED);
  EXPECT_EQ(list.events(1).previous_status(), v1::VERIFICATION_STATUS_REPORTED);
  EXPECT_EQ(list.events(1).claim().status(), v1::VERIFICATION_STATUS_CONFIRMED);
}

// A server stream ends only with buf's deadline: buf prints the responses it
// got and exits with DEADLINE_EXCEEDED.
TEST_F(BufCurlReflection, WatchClaimsReplaysFromStartRevision) {
  ASSERT_OK(CreateClaim(*stub_, "reflected", "stored through the stub"));

  CommandResult result =
      Curl("WatchClaims", R"({"start_revision": 1})", absl::Seconds(3));
  ASSERT_FALSE(result.timed_out) << result.Describe();
  EXPECT_EQ(result.exit.code, BufExitCode(grpc::StatusCode::DEADLINE_EXCEEDED))
      << result.Describe();
  EXPECT_THAT(result.err, HasSubstr("deadline_exceeded")) << result.Describe();
  ASSERT_OK_AND_ASSIGN(std::vector<v1::ClaimEvent> events,
                       ParseWatchEvents(result.out));
  ASSERT_THAT(events, SizeIs(1)) << result.Describe();
  EXPECT_EQ(events[0].revision(), 1);
  EXPECT_EQ(events[0].type(), v1::EVENT_TYPE_CREATED);
  EXPECT_EQ(events[0].claim().name(), "claims/reflected");
}

// The watch ends with buf's own deadline (the wrapper does not pass signals
// on).
TEST_F(BufCurlReflection, WatchClaimsPrintsALiveChange) {
  constexpr absl::Duration kWatchFor = absl::Seconds(8);
  ASSERT_OK(CreateClaim(*stub_, "reflected", "stored through the stub"));

  const std::string out = dir_.File("watch.out");
  const std::string err = dir_.File("watch.err");
  absl::StatusOr<std::unique_ptr<Process>> watch = Process::Start(
      kBuf, CurlArgs("WatchClaims", R"({"start_revision": 1})", kWatchFor), out,
      err);
  ASSERT_OK(watch);

  // Caught up: the CREATED event is printed before the change is made.
  const absl::Time deadline = absl::Now() + kWatchFor;
  while (ReadFile(out).find("EVENT_TYPE_CREATED") == std::string::npos &&
         (*watch)->Running() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_THAT(ReadFile(out), HasSubstr("EVENT_TYPE_CREATED"))
      << "stderr: " << ReadFile(err);
  ASSERT_OK(UpdateClaimStatus(*stub_, "claims/reflected",
                              v1::VERIFICATION_STATUS_DENIED, "Live Wire"));

  std::optional<ExitStatus> exit = (*watch)->Wait(kWatchFor + kKillSlack);
  ASSERT_TRUE(exit.has_value()) << "buf outlived its --timeout";
  // buf reports its own --timeout as DEADLINE_EXCEEDED, or as CANCELLED when
  // the timer fires while the stream is being read (seen on a loaded
  // machine); either way the stream ended on buf's side, not claimd's.
  EXPECT_THAT(exit->code,
              AnyOf(BufExitCode(grpc::StatusCode::DEADLINE_EXCEEDED),
                    BufExitCode(grpc::StatusCode::CANCELLED)))
      << exit->ToString() << "\nstderr: " << ReadFile(err);
  ASSERT_OK_AND_ASSIGN(std::vector<v1::ClaimEvent> events,
                       ParseWatchEvents(ReadFile(out)));
  ASSERT_THAT(events, SizeIs(2))
      << ReadFile(out) << "\nstderr: " << ReadFile(err);
  EXPECT_EQ(events[0].type(), v1::EVENT_TYPE_CREATED);
  EXPECT_EQ(events[1].revision(), 2);
  EXPECT_EQ(events[1].type(), v1::EVENT_TYPE_STATUS_CHANGED);
  EXPECT_EQ(events[1].previous_status(), v1::VERIFICATION_STATUS_REPORTED);
  EXPECT_EQ(events[1].claim().status(), v1::VERIFICATION_STATUS_DENIED);
  ASSERT_THAT(events[1].claim().evidence(), SizeIs(1));
  EXPECT_EQ(events[1].claim().evidence(0).source(), "Live Wire");
}

TEST_F(BufCurlReflection, DeleteClaimRemovesIt) {
  ASSERT_OK(CreateClaim(*stub_, "reflected", "stored through the stub"));

  CommandResult deleted =
      Curl("DeleteClaim", R"({"name": "claims/reflected"})");
  ASSERT_TRUE(deleted.exit.Success()) << deleted.Describe();
  EXPECT_OK(ParseJson<google::protobuf::Empty>(deleted.out));

  CommandResult get = Curl("GetClaim", R"({"name": "claims/reflected"})");
  ASSERT_FALSE(get.timed_out) << get.Describe();
  EXPECT_EQ(get.exit.code, BufExitCode(grpc::StatusCode::NOT_FOUND))
      << get.Describe();
  EXPECT_THAT(get.err, HasSubstr("not_found")) << get.Describe();
  EXPECT_THAT(get.err, HasSubstr("claims/reflected")) << get.Describe();
}

TEST_F(BufCurlReflection, ErrorArrivesWithItsCode) {
  CommandResult result = Curl("GetClaim", R"({"name": "claims/BAD"})");
  ASSERT_FALSE(result.timed_out) << result.Describe();
  EXPECT_EQ(result.exit.code, BufExitCode(grpc::StatusCode::INVALID_ARGUMENT))
      << result.Describe();
  EXPECT_THAT(result.err, HasSubstr(R"("code": "invalid_argument")"))
      << result.Describe();
  EXPECT_THAT(result.err, HasSubstr("name")) << result.Describe();
  EXPECT_EQ(result.out, "") << result.Describe();
}

}  // namespace
}  // namespace claimd::e2e
