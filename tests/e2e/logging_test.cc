// claimd's logs and identity from the outside: no claim statement, evidence
// text or page token reaches the log at the default level (text or JSON); JSON
// logs are one object per line; every call carries a request id (the client's
// x-request-id or a generated one) that the debug log line and the response
// metadata share; --version; `claimctl health`.
#include <signal.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "claims/v1/claims.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/e2e/claimd_harness.h"
#include "tests/e2e/watch_recorder.h"
#include "tests/testing/claims_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::e2e {
namespace {

using ::claimd::testing::CreateClaim;
using ::claimd::testing::GetClaim;
using ::claimd::testing::SetTimeout;

namespace v1 = ::claims::v1;
using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr char kStatement[] = "Zebra-quartz 7731 crossed the marsh";
constexpr char kQuote[] = "kestrel-quote-5581";

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

// Each line as a JSON object; fails the test for a line that is not one.
std::vector<google::protobuf::Struct> ParseJsonLines(const std::string& text) {
  std::vector<google::protobuf::Struct> objects;
  for (const std::string& line : Lines(text)) {
    google::protobuf::Struct object;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &object).ok())
        << "not a JSON object: " << line;
    objects.push_back(object);
  }
  return objects;
}

std::string Field(const google::protobuf::Struct& object,
                  const std::string& key) {
  auto it = object.fields().find(key);
  return it == object.fields().end() ? "" : it->second.string_value();
}

// Creates a claim carrying the statement and the quote, reads it back every
// way a client can (get, list with a page token, a watch), repeats the create
// (ALREADY_EXISTS) and returns the page token it used.
std::string ExerciseTheStatement(ClaimdHarness& claimd) {
  auto channel = claimd.NewChannel();
  auto stub = v1::ClaimService::NewStub(channel);
  v1::WatchClaimsRequest watch_request;
  watch_request.set_initial_snapshot(true);
  WatchRecorder watch(channel, watch_request);
  EXPECT_TRUE(watch.WaitForFirstResponse(absl::Seconds(10)));

  v1::CreateClaimRequest create;
  create.set_claim_id("secret");
  create.mutable_claim()->set_statement(kStatement);
  v1::Evidence* evidence = create.mutable_claim()->add_evidence();
  evidence->set_source("a source");
  evidence->set_quote(kQuote);
  for (int attempt = 0; attempt < 2; ++attempt) {  // the second: ALREADY_EXISTS
    grpc::ClientContext context;
    SetTimeout(context, absl::Seconds(5));
    v1::Claim created;
    grpc::Status status = stub->CreateClaim(&context, create, &created);
    EXPECT_EQ(status.error_code(), attempt == 0
                                       ? grpc::StatusCode::OK
                                       : grpc::StatusCode::ALREADY_EXISTS)
        << status.error_message();
  }
  EXPECT_OK(CreateClaim(*stub, "other", "another claim").status());
  EXPECT_OK(GetClaim(*stub, "claims/secret").status());
  v1::ListClaimsRequest list;
  list.set_page_size(1);
  v1::ListClaimsResponse page;
  {
    grpc::ClientContext context;
    SetTimeout(context, absl::Seconds(5));
    EXPECT_TRUE(stub->ListClaims(&context, list, &page).ok());
  }
  EXPECT_FALSE(page.next_page_token().empty());
  list.set_page_token(page.next_page_token());
  {
    grpc::ClientContext context;
    SetTimeout(context, absl::Seconds(5));
    EXPECT_TRUE(stub->ListClaims(&context, list, &page).ok());
  }
  EXPECT_TRUE(watch.WaitForEventRevision(2, absl::Seconds(10)));
  return list.page_token();
}

class StatementNotLogged : public ::testing::TestWithParam<const char*> {};

TEST_P(StatementNotLogged, AtTheDefaultLevel) {
  testing::TempDir dir;
  ClaimdHarness claimd(dir.File("data"), dir.path(),
                       {absl::StrCat("--log_format=", GetParam())});
  ASSERT_OK(claimd.Start());
  const std::string token = ExerciseTheStatement(claimd);
  ASSERT_TRUE(claimd.Stop(SIGTERM, absl::Seconds(15)).has_value());

  const std::string log = claimd.Stderr();
  // The log is not empty: it has startup and shutdown lines.
  ASSERT_THAT(
      log, AllOf(HasSubstr("serving claims.v1"), HasSubstr("stopped cleanly")));
  EXPECT_THAT(log, Not(HasSubstr("Zebra-quartz")));
  EXPECT_THAT(log, Not(HasSubstr(kQuote)));
  EXPECT_THAT(log, Not(HasSubstr(token)));
  if (std::string(GetParam()) == "json") {
    for (const google::protobuf::Struct& line : ParseJsonLines(log)) {
      EXPECT_THAT(Field(line, "ts"), MatchesRegex("[0-9-]+T[0-9:.]+Z"));
      EXPECT_THAT(Field(line, "level"), MatchesRegex("info|warning|error"));
      EXPECT_FALSE(Field(line, "msg").empty());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, StatementNotLogged,
                         ::testing::Values("text", "json"));

// The initial metadata's x-request-id of a GetClaim on a missing claim sent
// with `request_id` (empty: none).
std::string RequestIdOfCall(v1::ClaimService::Stub& stub,
                            const std::string& request_id) {
  grpc::ClientContext context;
  SetTimeout(context, absl::Seconds(5));
  if (!request_id.empty()) context.AddMetadata("x-request-id", request_id);
  v1::GetClaimRequest request;
  request.set_name("claims/missing");
  v1::Claim claim;
  grpc::Status status = stub.GetClaim(&context, request, &claim);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  auto it = context.GetServerInitialMetadata().find("x-request-id");
  if (it == context.GetServerInitialMetadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

TEST(RequestIds, TakenFromTheClientOrGeneratedAndLoggedAtDebug) {
  testing::TempDir dir;
  ClaimdHarness claimd(dir.File("data"), dir.path(),
                       {"--log_format=json", "--log_level=debug"});
  ASSERT_OK(claimd.Start());
  auto stub = v1::ClaimService::NewStub(claimd.NewChannel());
  EXPECT_EQ(RequestIdOfCall(*stub, "client-req-42"), "client-req-42");
  const std::string generated = RequestIdOfCall(*stub, "");
  EXPECT_THAT(generated, MatchesRegex("[0-9a-f]{16}"));
  // Not a plausible id (a space, a quote): replaced, not echoed or logged.
  const std::string replaced = RequestIdOfCall(*stub, "bad id\"");
  EXPECT_THAT(replaced, MatchesRegex("[0-9a-f]{16}"));
  ASSERT_TRUE(claimd.Stop(SIGTERM, absl::Seconds(15)).has_value());

  int matched = 0;
  for (const google::protobuf::Struct& line : ParseJsonLines(claimd.Stderr())) {
    const std::string id = Field(line, "request_id");
    if (id != "client-req-42" && id != generated && id != replaced) continue;
    ++matched;
    EXPECT_EQ(Field(line, "level"), "debug");
    EXPECT_EQ(Field(line, "method"), "/claims.v1.ClaimService/GetClaim");
    EXPECT_EQ(Field(line, "code"), "NOT_FOUND");
    EXPECT_THAT(Field(line, "duration_ms"), MatchesRegex("[0-9]+\\.[0-9]{3}"));
  }
  EXPECT_EQ(matched, 3) << claimd.Stderr();
  EXPECT_THAT(claimd.Stderr(), Not(HasSubstr("bad id")));
}

TEST(JsonLogs, GrpcsOwnMessagesAreJsonToo) {
  testing::TempDir dir;
  ClaimdHarness first(dir.File("data"), dir.path());
  ASSERT_OK(first.Start());
  // A second claimd on the same port: gRPC itself logs the failed bind.
  CommandResult second = RunCommand(
      ClaimdBinary(),
      {"--listen=" + first.address(), "--data_dir=" + dir.File("other"),
       "--metrics_listen=", "--log_format=json"},
      dir.path(), absl::Seconds(15));
  EXPECT_EQ(second.exit.code, 1) << second.Describe();
  int from_grpc = 0;
  for (const google::protobuf::Struct& line : ParseJsonLines(second.err)) {
    if (absl::StartsWith(Field(line, "msg"), "grpc: ")) {
      ++from_grpc;
      EXPECT_FALSE(Field(line, "source").empty());
    }
  }
  EXPECT_GE(from_grpc, 1) << second.err;
}

TEST(ClaimdVersion, NamesTheCommitAndTheLibraries) {
  testing::TempDir dir;
  CommandResult result =
      RunCommand(ClaimdBinary(), {"--version"}, dir.path(), absl::Seconds(10));
  ASSERT_EQ(result.exit.code, 0) << result.Describe();
  EXPECT_THAT(result.out, MatchesRegex("claimd [0-9]+\\.[0-9]+\\.[0-9]+\n"
                                       "commit: ([0-9a-f]{4,40}|unknown)\n"
                                       "gRPC: 1\\.[0-9]+\\.[0-9]+\n"
                                       "SQLite: 3\\.[0-9]+\\.[0-9]+\n"));
}

TEST(ClaimdLogFlags, UnknownFormatOrLevelIsAUsageError) {
  testing::TempDir dir;
  for (const char* flag : {"--log_format=yaml", "--log_level=loud"}) {
    CommandResult result =
        RunCommand(ClaimdBinary(), {flag, "--data_dir=" + dir.File("data")},
                   dir.path(), absl::Seconds(10));
    EXPECT_EQ(result.exit.code, 2) << result.Describe();
    EXPECT_THAT(result.err, ContainsRegex("unknown log (format|level)"));
  }
}

TEST(ClaimctlHealth, ServingWhileUpUnavailableAfterStop) {
  testing::TempDir dir;
  ClaimdHarness claimd(dir.File("data"), dir.path());
  ASSERT_OK(claimd.Start());
  const std::string server = "--server=" + claimd.address();
  CommandResult up =
      RunCommand(ClaimctlBinary(), {server, "health"}, dir.path());
  EXPECT_EQ(up.exit.code, 0) << up.Describe();
  EXPECT_EQ(up.out, "SERVING\n");
  CommandResult service = RunCommand(
      ClaimctlBinary(),
      {server, "health", "--service", "claims.v1.ClaimService", "-o", "json"},
      dir.path());
  EXPECT_EQ(service.exit.code, 0) << service.Describe();
  EXPECT_EQ(service.out, "{\"status\":\"SERVING\"}\n");
  CommandResult unknown = RunCommand(
      ClaimctlBinary(), {server, "health", "--service", "no.such.Service"},
      dir.path());
  EXPECT_EQ(unknown.exit.code, 1) << unknown.Describe();
  EXPECT_EQ(unknown.out, "SERVICE_UNKNOWN\n");

  ASSERT_TRUE(claimd.Stop(SIGTERM, absl::Seconds(15)).has_value());
  CommandResult down = RunCommand(
      ClaimctlBinary(), {server, "--timeout", "1s", "health"}, dir.path());
  EXPECT_EQ(down.exit.code, 5) << down.Describe();
}

}  // namespace
}  // namespace claimd::e2e
