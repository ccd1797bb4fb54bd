// Whole claimctl command lines against a mocked ClaimStub: argument -> request
// mapping, exact output, exit codes and error lines.
#include "client/cli/cli.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/client/mock_claim_stub.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;
using ::testing::_;
using ::testing::DoAll;
using ::testing::HasSubstr;
using ::testing::Invoke;
using ::testing::Pair;
using ::testing::Return;
using ::testing::SaveArg;
using ::testing::SetArgPointee;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

// What gRPC answers when no server is there.
const grpc::Status kUnavailable(grpc::StatusCode::UNAVAILABLE,
                                "failed to connect to all addresses");

v1::Claim MakeClaim(const std::string& id, int64_t revision,
                    v1::VerificationStatus status) {
  v1::Claim claim;
  claim.set_name("claims/" + id);
  claim.set_statement("statement of " + id);
  claim.set_status(status);
  claim.set_revision(revision);
  return claim;
}

// Replays responses, then ends with `status`; may call `on_drain` at the end.
class FakeReader : public grpc::ClientReaderInterface<v1::WatchClaimsResponse> {
 public:
  FakeReader(std::vector<v1::WatchClaimsResponse> responses,
             grpc::Status status, std::function<void()> on_drain = nullptr)
      : responses_(std::move(responses)),
        status_(std::move(status)),
        on_drain_(std::move(on_drain)) {}
  bool Read(v1::WatchClaimsResponse* response) override {
    if (next_ < responses_.size()) {
      *response = responses_[next_++];
      return true;
    }
    if (on_drain_) on_drain_();
    return false;
  }
  grpc::Status Finish() override { return status_; }
  bool NextMessageSize(uint32_t* size) override {
    *size = 1 << 20;
    return true;
  }
  void WaitForInitialMetadata() override {}

 private:
  std::vector<v1::WatchClaimsResponse> responses_;
  grpc::Status status_;
  std::function<void()> on_drain_;
  size_t next_ = 0;
};

v1::WatchClaimsResponse WatchResponse(int64_t revision) {
  v1::WatchClaimsResponse response;
  response.set_revision(revision);
  v1::ClaimEvent* event = response.add_events();
  event->set_revision(revision);
  event->set_type(v1::EVENT_TYPE_STATUS_CHANGED);
  event->set_previous_status(v1::VERIFICATION_STATUS_REPORTED);
  *event->mutable_claim() =
      MakeClaim("w", revision, v1::VERIFICATION_STATUS_DENIED);
  return response;
}

class CliTest : public ::testing::Test {
 protected:
  // The environment is set before claimctl's code runs, on the only thread.
  void SetUp() override {
    unsetenv("CLAIMD_ADDR");      // NOLINT(concurrency-mt-unsafe)
    setenv("USER", "tester", 1);  // NOLINT(concurrency-mt-unsafe)
  }

  int Run(const std::vector<std::string>& args) {
    std::vector<const char*> argv = {"claimctl"};
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    CliEnvironment env;
    env.out = &out_;
    env.err = &err_;
    env.now = [] { return absl::FromUnixSeconds(1714816800); };
    env.make_stub = [this](const std::string& server, const ChannelSecurity&,
                           const ChannelOptions& channel) {
      server_ = server;
      channel_ = channel;
      calls_.push_back("make_stub");
      return stub_;
    };
    env.client_options.max_attempts = 2;
    env.client_options.sleep = [](absl::Duration) {};
    env.watch_options.backoff = {absl::ZeroDuration(), absl::ZeroDuration(),
                                 2.0, 0};
    env.watch_options.max_initial_attempts = 1;
    env.on_interrupt = [this](std::function<void()> stop) {
      calls_.push_back("on_interrupt");
      stop_ = std::move(stop);
      return std::shared_ptr<void>();
    };
    env.server_version = server_version_;
    env.config_path = config_path_;
    return RunClaimctl(static_cast<int>(argv.size()), argv.data(), env);
  }

  std::shared_ptr<MockClaimStub> stub_ = std::make_shared<MockClaimStub>();
  std::ostringstream out_;
  std::ostringstream err_;
  std::string server_;
  ChannelOptions channel_;
  std::vector<std::string> calls_;
  std::function<void()> stop_;
  std::function<absl::StatusOr<std::string>(
      const std::string&, const ChannelSecurity&, absl::Duration)>
      server_version_;
  std::string config_path_;
};

TEST_F(CliTest, ConfirmBuildsTheRequest) {
  v1::UpdateClaimStatusRequest request;
  EXPECT_CALL(*stub_, UpdateClaimStatus(_, _, _))
      .WillOnce(DoAll(SaveArg<1>(&request),
                      SetArgPointee<2>(
                          MakeClaim("x", 7, v1::VERIFICATION_STATUS_CONFIRMED)),
                      Return(grpc::Status::OK)));
  EXPECT_EQ(Run({"confirm", "x", "--source", "S"}), 0);
  EXPECT_EQ(request.name(), "claims/x");
  EXPECT_EQ(request.status(), v1::VERIFICATION_STATUS_CONFIRMED);
  EXPECT_EQ(request.evidence().source(), "S");
  EXPECT_EQ(request.evidence().actor(), "tester");
  EXPECT_FALSE(request.request_id().empty());
  EXPECT_EQ(out_.str(), "claims/x confirmed (revision 7)\n");
  EXPECT_EQ(err_.str(), "");
  EXPECT_EQ(server_, "127.0.0.1:50051");
}

TEST_F(CliTest, DenyAndReportSetTheirStatus) {
  std::vector<v1::UpdateClaimStatusRequest> requests;
  EXPECT_CALL(*stub_, UpdateClaimStatus(_, _, _))
      .Times(2)
      .WillRepeatedly(Invoke([&](auto*, const auto& request, v1::Claim* claim) {
        requests.push_back(request);
        *claim = MakeClaim("x", 8, request.status());
        return grpc::Status::OK;
      }));
  EXPECT_EQ(Run({"deny", "claims/x", "--source", "S", "--quote", "Q",
                 "--expected-revision", "7", "--actor", "bob"}),
            0);
  EXPECT_EQ(Run({"report", "x", "--source", "S"}), 0);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].status(), v1::VERIFICATION_STATUS_DENIED);
  EXPECT_EQ(requests[0].evidence().quote(), "Q");
  EXPECT_EQ(requests[0].evidence().actor(), "bob");
  EXPECT_EQ(requests[0].expected_revision(), 7);
  EXPECT_EQ(requests[1].status(), v1::VERIFICATION_STATUS_REPORTED);
  EXPECT_EQ(out_.str(),
            "claims/x denied (revision 8)\nclaims/x reported (revision 8)\n");
}

TEST_F(CliTest, GetPrintsOneJsonObject) {
  v1::GetClaimRequest expected;
  expected.set_name("claims/x");
  EXPECT_CALL(*stub_, GetClaim(_, EqualsProto(expected), _))
      .WillOnce(DoAll(SetArgPointee<2>(
                          MakeClaim("x", 7, v1::VERIFICATION_STATUS_CONFIRMED)),
                      Return(grpc::Status::OK)));
  EXPECT_EQ(Run({"get", "claims/x", "-o", "json"}), 0);
  EXPECT_EQ(
      out_.str(),
      "{\"name\":\"claims/x\",\"statement\":\"statement of x\","
      "\"status\":\"VERIFICATION_STATUS_CONFIRMED\",\"revision\":\"7\"}\n");
}

TEST_F(CliTest, GetNotFoundExitsThree) {
  EXPECT_CALL(*stub_, GetClaim(_, _, _))
      .WillOnce(Return(
          grpc::Status(grpc::StatusCode::NOT_FOUND, "claim \"x\" not found")));
  EXPECT_EQ(Run({"get", "x"}), 3);
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(),
            "claimctl: get claims/x: claim \"x\" not found (NOT_FOUND)\n");
}

TEST_F(CliTest, UnavailableExitsFiveAndNamesTheServer) {
  EXPECT_CALL(*stub_, GetClaim(_, _, _))
      .Times(2)
      .WillRepeatedly(Return(kUnavailable));
  EXPECT_EQ(Run({"--server", "h:1", "get", "x"}), 5);
  EXPECT_EQ(server_, "h:1");
  EXPECT_EQ(err_.str(),
            "claimctl: get claims/x: failed to connect to all addresses "
            "(UNAVAILABLE); is claimd running at "
            "h:1? set --server or CLAIMD_ADDR\n");
}

TEST_F(CliTest, ServerComesFromFlagAfterTheCommandOrEnvironment) {
  EXPECT_CALL(*stub_, GetClaim(_, _, _))
      .WillRepeatedly(Return(grpc::Status::OK));
  // NOLINTNEXTLINE(concurrency-mt-unsafe): see SetUp
  setenv("CLAIMD_ADDR", "env:2", 1);
  EXPECT_EQ(Run({"get", "x"}), 0);
  EXPECT_EQ(server_, "env:2");
  EXPECT_EQ(Run({"get", "x", "--server", "h:3"}), 0);
  EXPECT_EQ(server_, "h:3");
}

TEST_F(CliTest, TimeoutSetsTheDeadline) {
  std::chrono::system_clock::time_point deadline;
  EXPECT_CALL(*stub_, GetClaim(_, _, _))
      .WillOnce(Invoke([&](grpc::ClientContext* context, const auto&, auto*) {
        deadline = context->deadline();
        return grpc::Status::OK;
      }));
  const absl::Time before = absl::Now();
  EXPECT_EQ(Run({"--timeout", "2s", "get", "x"}), 0);
  const absl::Duration left = absl::FromChrono(deadline) - before;
  EXPECT_GT(left, absl::Seconds(1));
  EXPECT_LE(left, absl::Seconds(3));
}

TEST_F(CliTest, KeepaliveSetsThePingsOfTheChannel) {
  EXPECT_CALL(*stub_, GetClaim(_, _, _))
      .WillRepeatedly(Return(grpc::Status::OK));
  EXPECT_EQ(Run({"get", "x"}), 0);
  EXPECT_EQ(channel_.keepalive_time, absl::Seconds(20));
  EXPECT_EQ(channel_.keepalive_timeout, absl::Seconds(10));
  EXPECT_EQ(Run({"--keepalive", "3s", "get", "x"}), 0);
  EXPECT_EQ(channel_.keepalive_time, absl::Seconds(3));
  EXPECT_EQ(channel_.keepalive_timeout, absl::Seconds(3));
  EXPECT_EQ(Run({"get", "x", "--keepalive=0"}), 0);
  EXPECT_EQ(channel_.keepalive_time, absl::ZeroDuration());
  for (const char* bad : {"-1s", "soon", "inf"}) {
    err_.str("");
    EXPECT_EQ(Run({"--keepalive", bad, "get", "x"}), 2) << bad;
    EXPECT_NE(err_.str().find("keepalive"), std::string::npos) << err_.str();
  }
}

// An empty CA bundle would make gRPC trust the system's roots instead: refused
// before any channel is made, like a missing file.
TEST_F(CliTest, UnreadableOrEmptyTlsFilesAreUsageErrors) {
  const std::string empty = ::testing::TempDir() + "/cli_test_empty.pem";
  { std::ofstream create(empty); }
  EXPECT_EQ(Run({"--cacert", empty, "get", "x"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr(empty + " is empty"));
  EXPECT_EQ(Run({"--cert", empty, "--key", empty, "get", "x"}), 2);
  EXPECT_EQ(Run({"--cacert", empty + ".missing", "get", "x"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("cannot read"));
  EXPECT_TRUE(calls_.empty());
}

TEST_F(CliTest, UsageErrorsExitTwoWithoutCallingTheServer) {
  EXPECT_EQ(Run({"confirm", "x"}), 2);
  EXPECT_THAT(err_.str(), StartsWith("claimctl confirm: "));
  EXPECT_THAT(err_.str(), HasSubstr("--source"));
  EXPECT_THAT(err_.str(), HasSubstr("see `claimctl confirm --help`"));
  EXPECT_EQ(Run({"frobnicate"}), 2);
  EXPECT_EQ(Run({}), 2);
  EXPECT_EQ(Run({"-o", "xml", "get", "x"}), 2);
  EXPECT_EQ(Run({"--timeout", "soon", "get", "x"}), 2);
  EXPECT_EQ(Run({"--timeout", "0", "get", "x"}), 2);
  EXPECT_EQ(Run({"create", "s", "--url", "U"}), 2);
  EXPECT_EQ(Run({"create", "s", "--status", "maybe"}), 2);
  EXPECT_EQ(Run({"watch", "--snapshot", "--from-revision", "3"}), 2);
  EXPECT_EQ(Run({"list", "--limit", "-1"}), 2);
  EXPECT_EQ(Run({"get", "a/b"}), 2);
  EXPECT_EQ(Run({"create", "s", "--label", "novalue"}), 2);
  EXPECT_TRUE(calls_.empty());
  EXPECT_EQ(out_.str(), "");
}

// Found by an outside check: CLI11's own check printed its range, up to
// 1.8e308 written out in full.
TEST_F(CliTest, ANegativeCountSaysSoInFewWords) {
  EXPECT_EQ(Run({"list", "--page-size", "-1"}), 2);
  EXPECT_EQ(err_.str(),
            "claimctl list: --page-size: must not be negative, got -1; see "
            "`claimctl list --help`\n");
  err_.str("");
  EXPECT_EQ(Run({"watch", "--from-revision", "-5"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("--from-revision: must not be negative"));
  EXPECT_TRUE(calls_.empty());
}

TEST_F(CliTest, HelpListsExitCodesAndExamples) {
  EXPECT_EQ(Run({"--help"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("Exit codes:"));
  EXPECT_THAT(out_.str(), HasSubstr("5  unavailable"));
  EXPECT_THAT(out_.str(), HasSubstr("watch"));
  out_.str("");
  EXPECT_EQ(Run({"confirm", "--help"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("Example:\n  claimctl confirm border"));
  out_.str("");
  EXPECT_EQ(Run({"--version"}), 0);
  EXPECT_EQ(out_.str(), "claimctl 0.1.0\n");
}

TEST_F(CliTest, CreateMapsFlags) {
  v1::CreateClaimRequest request;
  EXPECT_CALL(*stub_, CreateClaim(_, _, _))
      .WillOnce(DoAll(SaveArg<1>(&request),
                      SetArgPointee<2>(MakeClaim(
                          "border", 1, v1::VERIFICATION_STATUS_CONFIRMED)),
                      Return(grpc::Status::OK)));
  EXPECT_EQ(
      Run({"create", "--label", "desk=world", "Troops crossed", "--id",
           "border", "--label", "lang=en", "--status", "Confirmed", "--source",
           "S", "--url", "U", "--time", "2024-05-01T10:00:00Z"}),
      0);
  EXPECT_EQ(request.claim_id(), "border");
  EXPECT_EQ(request.claim().statement(), "Troops crossed");
  EXPECT_EQ(request.claim().status(), v1::VERIFICATION_STATUS_CONFIRMED);
  EXPECT_THAT(request.claim().labels(),
              UnorderedElementsAre(Pair("desk", "world"), Pair("lang", "en")));
  ASSERT_EQ(request.claim().evidence_size(), 1);
  EXPECT_EQ(request.claim().evidence(0).source(), "S");
  EXPECT_EQ(request.claim().evidence(0).url(), "U");
  EXPECT_EQ(request.claim().evidence(0).time().seconds(), 1714557600);
  EXPECT_FALSE(request.request_id().empty());
  EXPECT_EQ(out_.str(), "claims/border created (revision 1)\n");
}

TEST_F(CliTest, CreateTakenIdExitsFour) {
  EXPECT_CALL(*stub_, CreateClaim(_, _, _))
      .WillOnce(
          Return(grpc::Status(grpc::StatusCode::ALREADY_EXISTS, "taken")));
  EXPECT_EQ(Run({"create", "s", "--id", "x"}), 4);
  EXPECT_EQ(err_.str(),
            "claimctl: create claims/x: taken (ALREADY_EXISTS); choose another "
            "--id\n");
}

TEST_F(CliTest, ServerInvalidArgumentExitsTwo) {
  EXPECT_CALL(*stub_, ListClaims(_, _, _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                    "filter: unknown field \"colour\"")));
  EXPECT_EQ(Run({"list", "--filter", "colour = red"}), 2);
  EXPECT_EQ(err_.str(),
            "claimctl: list claims: filter: unknown field \"colour\" "
            "(INVALID_ARGUMENT)\n");
}

TEST_F(CliTest, DeleteConflictExitsFourWithAHint) {
  v1::DeleteClaimRequest request;
  EXPECT_CALL(*stub_, DeleteClaim(_, _, _))
      .WillOnce(
          DoAll(SaveArg<1>(&request),
                Return(grpc::Status(grpc::StatusCode::ABORTED, "stale"))));
  EXPECT_EQ(Run({"delete", "x", "--expected-revision", "3"}), 4);
  EXPECT_EQ(request.name(), "claims/x");
  EXPECT_EQ(request.expected_revision(), 3);
  EXPECT_FALSE(request.request_id().empty());
  EXPECT_EQ(
      err_.str(),
      "claimctl: delete claims/x: stale (ABORTED); `claimctl get claims/x` "
      "shows it as it is now\n");
}

TEST_F(CliTest, DeletePrintsConfirmationOrEmptyJson) {
  EXPECT_CALL(*stub_, DeleteClaim(_, _, _))
      .WillRepeatedly(Return(grpc::Status::OK));
  EXPECT_EQ(Run({"delete", "x"}), 0);
  EXPECT_EQ(Run({"delete", "y", "-o", "json"}), 0);
  EXPECT_EQ(out_.str(), "claims/x deleted\n{}\n");
}

TEST_F(CliTest, ListFetchesEveryPage) {
  v1::ListClaimsResponse first;
  *first.add_claims() = MakeClaim("a", 3, v1::VERIFICATION_STATUS_REPORTED);
  first.set_next_page_token("t1");
  v1::ListClaimsResponse second;
  *second.add_claims() = MakeClaim("b", 5, v1::VERIFICATION_STATUS_DENIED);
  v1::ListClaimsRequest first_request;
  first_request.set_filter("status != CONFIRMED");
  v1::ListClaimsRequest second_request = first_request;
  second_request.set_page_token("t1");
  EXPECT_CALL(*stub_, ListClaims(_, EqualsProto(first_request), _))
      .WillOnce(DoAll(SetArgPointee<2>(first), Return(grpc::Status::OK)));
  EXPECT_CALL(*stub_, ListClaims(_, EqualsProto(second_request), _))
      .WillOnce(DoAll(SetArgPointee<2>(second), Return(grpc::Status::OK)));
  EXPECT_EQ(Run({"list", "--filter", "status != CONFIRMED"}), 0);
  EXPECT_EQ(out_.str(),
            "ID   STATUS     REV   EVIDENCE   AGE   STATEMENT\n"
            "a    REPORTED   3     0          -     statement of a\n"
            "b    DENIED     5     0          -     statement of b\n");
}

TEST_F(CliTest, ListLimitStopsEarlyAndPrintsJsonLines) {
  v1::ListClaimsResponse page;
  *page.add_claims() = MakeClaim("a", 3, v1::VERIFICATION_STATUS_REPORTED);
  *page.add_claims() = MakeClaim("b", 5, v1::VERIFICATION_STATUS_DENIED);
  *page.add_claims() = MakeClaim("c", 6, v1::VERIFICATION_STATUS_DENIED);
  page.set_next_page_token("more");
  v1::ListClaimsRequest request;
  request.set_page_size(2);
  EXPECT_CALL(*stub_, ListClaims(_, EqualsProto(request), _))
      .WillOnce(DoAll(SetArgPointee<2>(page), Return(grpc::Status::OK)));
  EXPECT_EQ(Run({"list", "--limit", "2", "-o", "json"}), 0);
  EXPECT_EQ(out_.str(),
            "{\"name\":\"claims/a\",\"statement\":\"statement of a\","
            "\"status\":\"VERIFICATION_STATUS_REPORTED\",\"revision\":\"3\"}\n"
            "{\"name\":\"claims/b\",\"statement\":\"statement of b\","
            "\"status\":\"VERIFICATION_STATUS_DENIED\",\"revision\":\"5\"}\n");
}

TEST_F(CliTest, ListNothingSaysSoOnStderr) {
  EXPECT_CALL(*stub_, ListClaims(_, _, _)).WillOnce(Return(grpc::Status::OK));
  EXPECT_EQ(Run({"list"}), 0);
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(), "No claims found.\n");
}

TEST_F(CliTest, HistoryWithoutIdCoversAllClaims) {
  v1::ListClaimEventsRequest request;
  request.set_parent("claims/-");
  v1::ListClaimEventsResponse response;
  *response.add_events() = WatchResponse(4).events(0);
  EXPECT_CALL(*stub_, ListClaimEvents(_, EqualsProto(request), _))
      .WillOnce(DoAll(SetArgPointee<2>(response), Return(grpc::Status::OK)));
  EXPECT_EQ(Run({"history"}), 0);
  EXPECT_EQ(out_.str(),
            "REV   TIME   ID   TYPE             STATUS               SOURCE   "
            "QUOTE\n"
            "4     -      w    STATUS_CHANGED   REPORTED -> DENIED   -        "
            "-\n");
}

// Found by an outside check: a claim whose events were all trimmed printed
// the same "No events found." as a claim that never existed.
TEST_F(CliTest, HistoryOfATrimmedClaimSaysItsHistoryIsGone) {
  EXPECT_CALL(*stub_, ListClaimEvents(_, _, _))
      .WillRepeatedly(Return(grpc::Status::OK));
  v1::Claim claim;
  claim.set_name("claims/r1");
  claim.set_revision(42);
  EXPECT_CALL(*stub_, GetClaim(_, _, _))
      .WillOnce(DoAll(SetArgPointee<2>(claim), Return(grpc::Status::OK)))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::NOT_FOUND, "gone")));
  EXPECT_EQ(Run({"history", "r1"}), 0);
  EXPECT_EQ(err_.str(),
            "No events found: claims/r1 exists (at revision 42), but the "
            "server no longer keeps its history (--history_retention).\n");
  err_.str("");
  EXPECT_EQ(Run({"history", "r2"}), 0);
  EXPECT_EQ(err_.str(), "No events found: claims/r2 does not exist.\n");
}

TEST_F(CliTest, WatchPrintsEventsAndReconnects) {
  v1::WatchClaimsRequest first;
  first.set_start_revision(3);
  v1::WatchClaimsRequest second;
  second.set_start_revision(5);
  EXPECT_CALL(*stub_, WatchClaims(_, EqualsProto(first)))
      .WillOnce(Invoke([](auto*, const auto&) {
        return std::make_unique<FakeReader>(
            std::vector<v1::WatchClaimsResponse>{WatchResponse(3),
                                                 WatchResponse(4)},
            kUnavailable);
      }));
  EXPECT_CALL(*stub_, WatchClaims(_, EqualsProto(second)))
      .WillOnce(Invoke([](auto*, const auto&) {
        return std::make_unique<FakeReader>(
            std::vector<v1::WatchClaimsResponse>{},
            grpc::Status(grpc::StatusCode::OUT_OF_RANGE, "trimmed"));
      }));
  EXPECT_EQ(Run({"watch", "--from-revision", "3"}), 1);
  EXPECT_EQ(
      out_.str(),
      "rev 3  -  STATUS_CHANGED  claims/w  REPORTED -> DENIED  \"statement "
      "of w\"\n"
      "rev 4  -  STATUS_CHANGED  claims/w  REPORTED -> DENIED  \"statement "
      "of w\"\n");
  EXPECT_EQ(err_.str(),
            "claimctl: connection lost: failed to connect to all addresses "
            "(UNAVAILABLE); reconnecting from "
            "revision 5 in 0\n"
            "claimctl: watch: revision 5 is older than the history the server "
            "keeps: trimmed (OUT_OF_RANGE); run `claimctl watch --snapshot` to "
            "start from the current state\n");
}

TEST_F(CliTest, WatchWithoutServerExitsFive) {
  EXPECT_CALL(*stub_, WatchClaims(_, _))
      .WillOnce(Invoke([](auto*, const auto&) {
        return std::make_unique<FakeReader>(
            std::vector<v1::WatchClaimsResponse>{}, kUnavailable);
      }));
  EXPECT_EQ(Run({"watch"}), 5);
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(
      err_.str(),
      "claimctl: watch: failed to connect to all addresses (UNAVAILABLE); "
      "is claimd running at "
      "127.0.0.1:50051? set --server or CLAIMD_ADDR\n");
}

TEST_F(CliTest, WatchStopsCleanlyOnInterrupt) {
  EXPECT_CALL(*stub_, WatchClaims(_, _))
      .WillOnce(Invoke([this](auto*, const auto&) {
        return std::make_unique<FakeReader>(
            std::vector<v1::WatchClaimsResponse>{WatchResponse(7)},
            grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"),
            [this] { stop_(); });
      }));
  EXPECT_EQ(Run({"watch", "-o", "json"}), 0);
  EXPECT_EQ(calls_, (std::vector<std::string>{"on_interrupt", "make_stub"}));
  const std::string out = out_.str();
  EXPECT_THAT(out, StartsWith("{\"revision\":\"7\","));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
  EXPECT_EQ(err_.str(), "");
}

v1::WatchClaimsResponse SnapshotResponse(int64_t revision) {
  v1::WatchClaimsResponse response;
  response.set_revision(revision);
  response.set_snapshot_complete(true);
  v1::ClaimEvent* event = response.add_events();
  event->set_revision(revision);
  event->set_type(v1::EVENT_TYPE_SNAPSHOT);
  *event->mutable_claim() =
      MakeClaim("s", revision, v1::VERIFICATION_STATUS_REPORTED);
  return response;
}

TEST_F(CliTest, WatchOncePrintsTheSnapshotAndStops) {
  v1::WatchClaimsRequest request;
  request.set_initial_snapshot(true);
  EXPECT_CALL(*stub_, WatchClaims(_, EqualsProto(request)))
      .WillOnce(Invoke([](auto*, const auto&) {
        return std::make_unique<FakeReader>(
            std::vector<v1::WatchClaimsResponse>{SnapshotResponse(9)},
            grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
      }));
  EXPECT_EQ(Run({"watch", "--once"}), 0);
  EXPECT_EQ(out_.str(),
            "rev 9  -  SNAPSHOT  claims/s  REPORTED  \"statement of s\"\n");
  EXPECT_EQ(err_.str(),
            "claimctl: snapshot complete at revision 9; resume with "
            "`claimctl watch --from-revision 10`\n");
  EXPECT_EQ(Run({"watch", "--once", "--from-revision", "3"}), 2);
}

TEST_F(CliTest, TopWithoutATerminalSaysWhyAndPrintsLines) {
  v1::WatchClaimsRequest request;
  request.set_initial_snapshot(true);
  request.set_filter("status = REPORTED");
  EXPECT_CALL(*stub_, WatchClaims(_, EqualsProto(request)))
      .WillOnce(Invoke([this](auto*, const auto&) {
        return std::make_unique<FakeReader>(
            std::vector<v1::WatchClaimsResponse>{SnapshotResponse(4)},
            grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"),
            [this] { stop_(); });
      }));
  EXPECT_EQ(Run({"top", "--filter", "status = REPORTED"}), 0);
  EXPECT_THAT(out_.str(), StartsWith("rev 4  -  SNAPSHOT  claims/s"));
  EXPECT_THAT(err_.str(),
              StartsWith("claimctl top: stdout is not a terminal; printing "
                         "the claims and every change as lines instead"));
}

TEST_F(CliTest, TopAndExportHaveExamples) {
  EXPECT_EQ(Run({"top", "--help"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("Example:\n  claimctl top\n"));
  EXPECT_THAT(out_.str(), HasSubstr("Keys:"));
  out_.str("");
  EXPECT_EQ(Run({"export", "--help"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("Example:\n  claimctl export > "));
  out_.str("");
  EXPECT_EQ(Run({"export", "--format", "xml"}), 2);
  EXPECT_THAT(err_.str(), StartsWith("claimctl export: --format"));
}

TEST_F(CliTest, ExportWritesEveryPageAsJsonLinesOrClaimReview) {
  v1::ListClaimsResponse first;
  *first.add_claims() = MakeClaim("a", 3, v1::VERIFICATION_STATUS_CONFIRMED);
  first.set_next_page_token("t1");
  v1::ListClaimsResponse second;
  *second.add_claims() = MakeClaim("b", 5, v1::VERIFICATION_STATUS_DENIED);
  EXPECT_CALL(*stub_, ListClaims(_, _, _))
      .Times(4)
      .WillRepeatedly(Invoke([&](auto*, const v1::ListClaimsRequest& request,
                                 v1::ListClaimsResponse* response) {
        EXPECT_EQ(request.filter(), "status != REPORTED");
        *response = request.page_token().empty() ? first : second;
        return grpc::Status::OK;
      }));
  EXPECT_EQ(Run({"export", "--filter", "status != REPORTED"}), 0);
  EXPECT_EQ(out_.str(),
            "{\"name\":\"claims/a\",\"statement\":\"statement of a\","
            "\"status\":\"VERIFICATION_STATUS_CONFIRMED\",\"revision\":\"3\"}\n"
            "{\"name\":\"claims/b\",\"statement\":\"statement of b\","
            "\"status\":\"VERIFICATION_STATUS_DENIED\",\"revision\":\"5\"}\n");
  EXPECT_EQ(err_.str(), "claimctl: exported 2 claims\n");
  out_.str("");
  EXPECT_EQ(Run({"export", "--filter", "status != REPORTED", "--format",
                 "claimreview"}),
            0);
  EXPECT_THAT(out_.str(),
              StartsWith("{\"@context\":\"https://schema.org\",\"@type\":"
                         "\"ClaimReview\",\"identifier\":\"claims/a\""));
  EXPECT_THAT(out_.str(), HasSubstr("\"alternateName\":\"False\"}}\n"));
}

TEST_F(CliTest, ListWatchStartsAfterTheFirstPageAndSkipsWhatItShowed) {
  v1::ListClaimsResponse first;
  *first.add_claims() = MakeClaim("a", 3, v1::VERIFICATION_STATUS_REPORTED);
  first.set_next_page_token("t1");
  first.set_revision(10);
  first.set_store_id("s1");
  v1::ListClaimsResponse second;
  // Changed at 11, after the first page was read: the page shows it.
  *second.add_claims() = MakeClaim("w", 11, v1::VERIFICATION_STATUS_DENIED);
  second.set_revision(12);
  second.set_store_id("s1");
  EXPECT_CALL(*stub_, ListClaims(_, _, _))
      .Times(2)
      .WillRepeatedly(Invoke([&](auto*, const v1::ListClaimsRequest& request,
                                 v1::ListClaimsResponse* response) {
        *response = request.page_token().empty() ? first : second;
        return grpc::Status::OK;
      }));
  v1::WatchClaimsRequest watch;
  watch.set_filter("status != CONFIRMED");
  watch.set_start_revision(11);
  watch.set_store_id("s1");
  EXPECT_CALL(*stub_, WatchClaims(_, EqualsProto(watch)))
      .WillOnce(Invoke([this](auto*, const auto&) {
        return std::make_unique<FakeReader>(
            std::vector<v1::WatchClaimsResponse>{WatchResponse(11),
                                                 WatchResponse(13)},
            grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"),
            [this] { stop_(); });
      }));
  EXPECT_EQ(Run({"list", "--filter", "status != CONFIRMED", "--watch"}), 0);
  // The signal handler is in place before the first call.
  EXPECT_EQ(calls_, (std::vector<std::string>{"on_interrupt", "make_stub"}));
  EXPECT_EQ(out_.str(),
            "ID   STATUS     REV   EVIDENCE   AGE   STATEMENT\n"
            "a    REPORTED   3     0          -     statement of a\n"
            "w    DENIED     11    0          -     statement of w\n"
            "w   DENIED   13   0   -   statement of w\n");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(CliTest, GetWatchReadsTheStoreRevisionAndEndsOnDeletion) {
  v1::ListClaimsResponse page;
  *page.add_claims() = MakeClaim("w", 3, v1::VERIFICATION_STATUS_REPORTED);
  page.set_revision(8);
  page.set_store_id("s1");
  v1::ListClaimsRequest list;
  list.set_filter("name = \"claims/w\"");
  list.set_page_size(1);
  EXPECT_CALL(*stub_, ListClaims(_, EqualsProto(list), _))
      .WillOnce(DoAll(SetArgPointee<2>(page), Return(grpc::Status::OK)));
  v1::WatchClaimsRequest watch;
  watch.set_filter("name = \"claims/w\"");
  watch.set_start_revision(9);
  watch.set_store_id("s1");
  v1::WatchClaimsResponse deleted = WatchResponse(10);
  deleted.mutable_events(0)->set_type(v1::EVENT_TYPE_DELETED);
  EXPECT_CALL(*stub_, WatchClaims(_, EqualsProto(watch)))
      .WillOnce(Invoke([&](auto*, const auto&) {
        // Ends by itself: the deletion stops the watch (a CANCELLED from
        // Stop), no Ctrl-C needed.
        return std::make_unique<FakeReader>(
            std::vector<v1::WatchClaimsResponse>{WatchResponse(9), deleted},
            grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
      }));
  EXPECT_EQ(Run({"get", "w", "-w", "-o", "name"}), 0);
  EXPECT_EQ(out_.str(), "claims/w\nclaims/w\nclaims/w\n");
  EXPECT_EQ(err_.str(), "claimctl: claims/w deleted at revision 10\n");
}

TEST_F(CliTest, GetWatchOfAMissingClaimFailsAsGetDoes) {
  EXPECT_CALL(*stub_, ListClaims(_, _, _)).WillOnce(Return(grpc::Status::OK));
  EXPECT_CALL(*stub_, GetClaim(_, _, _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::NOT_FOUND, "no claim")));
  EXPECT_EQ(Run({"get", "nosuch", "--watch"}), 3);
  EXPECT_THAT(err_.str(), StartsWith("claimctl: get claims/nosuch: no claim"));
  EXPECT_EQ(out_.str(), "");
}

TEST_F(CliTest, WatchFlagsHaveExamples) {
  EXPECT_EQ(Run({"get", "--help"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("claimctl get border --watch"));
  out_.str("");
  EXPECT_EQ(Run({"list", "--help"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("--watch\n"));
}

TEST_F(CliTest, VersionPrintsTheServersEscapedOrWhyNot) {
  server_version_ = [](const std::string& server, const ChannelSecurity&,
                       absl::Duration) -> absl::StatusOr<std::string> {
    EXPECT_EQ(server, "127.0.0.1:50051");
    return std::string("1.2.3 (abc\033[2J)");
  };
  EXPECT_EQ(Run({"version"}), 0);
  EXPECT_THAT(out_.str(), StartsWith("Client Version: "));
  EXPECT_THAT(out_.str(), HasSubstr("\nserver: 1.2.3 (abc [2J)\n"));
  out_.str("");
  server_version_ = [](const std::string&, const ChannelSecurity&,
                       absl::Duration) -> absl::StatusOr<std::string> {
    return absl::UnavailableError("cannot connect within 1s");
  };
  // The client's part was printed: still exit 0.
  EXPECT_EQ(Run({"version"}), 0);
  EXPECT_THAT(
      out_.str(),
      HasSubstr("\nserver: not reachable (cannot connect within 1s)\n"));
  out_.str("");
  EXPECT_EQ(Run({"version", "-o", "json"}), 0);
  EXPECT_THAT(out_.str(),
              HasSubstr("\"serverError\":\"cannot connect within 1s\""));
  EXPECT_EQ(err_.str(), "");
}

TEST_F(CliTest, ABrokenConfigFileStopsCommandsButNotConfigView) {
  const std::string path =
      absl::StrCat(::testing::TempDir(), "/broken_claimctl_config");
  {
    std::ofstream out(path, std::ios::trunc);
    out << "current-context = prod\n[context prod]\nserver = a:1\n"
           "token = secret\nsevrer = b:2\n";
  }
  config_path_ = path;
  EXPECT_EQ(Run({"list"}), 2);
  EXPECT_EQ(err_.str(),
            absl::StrCat("claimctl: config file ", path,
                         " line 5: unknown key \"sevrer\" (server, cacert, "
                         "cert, key, token); fix it (`claimctl config view` "
                         "shows it) or set CLAIMCTL_CONFIG to another file\n"));
  EXPECT_EQ(calls_, std::vector<std::string>{});
  err_.str("");
  // config view shows the file, numbered, the token masked.
  EXPECT_EQ(Run({"config", "view"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr(" line 5: unknown key \"sevrer\""));
  EXPECT_EQ(out_.str(),
            "   1  current-context = prod\n   2  [context prod]\n"
            "   3  server = a:1\n   4  token = REDACTED\n"
            "   5  sevrer = b:2\n");
  err_.str("");
  // Rewriting it would lose what did not parse.
  EXPECT_EQ(Run({"config", "use-context", "prod"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("see it with `claimctl config view`"));
  std::remove(path.c_str());
}

TEST_F(CliTest, ConfigViewRedactsTheTokenUnlessRaw) {
  const std::string path =
      absl::StrCat(::testing::TempDir(), "/good_claimctl_config");
  {
    std::ofstream out(path, std::ios::trunc);
    out << "current-context = prod\n[context prod]\nserver = a:1\n"
           "token = secret\n";
  }
  config_path_ = path;
  EXPECT_EQ(Run({"config", "view"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("server = a:1\ntoken = REDACTED\n"));
  out_.str("");
  EXPECT_EQ(Run({"config", "view", "--raw"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("token = secret\n"));
  std::remove(path.c_str());
}

}  // namespace
}  // namespace claimd::client
