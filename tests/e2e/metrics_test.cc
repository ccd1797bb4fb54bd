// claimd's Prometheus endpoint, scraped from a real claimd: every scrape must
// parse as the text format (strictly, histograms included), and counters,
// gauges and histograms move by exactly what the test did between scrapes.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "claims/v1/claims.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "service/metrics/metrics_endpoint.h"
#include "tests/e2e/claimd_harness.h"
#include "tests/e2e/http_get.h"
#include "tests/e2e/metrics_scrape.h"
#include "tests/e2e/prometheus_text.h"
#include "tests/e2e/watch_recorder.h"
#include "tests/testing/claims_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::e2e {
namespace {

using ::claimd::testing::CreateClaim;
using ::claimd::testing::GetClaim;
using ::claimd::testing::SetTimeout;
using ::claimd::testing::UpdateClaimStatus;

namespace v1 = ::claims::v1;
using ::testing::HasSubstr;

constexpr char kService[] = "/claims.v1.ClaimService/";

Labels Call(const std::string& method, const std::string& code) {
  return {{"method", kService + method}, {"code", code}};
}
Labels Method(const std::string& method) {
  return {{"method", kService + method}};
}

class ClaimdMetrics : public ::testing::Test {
 protected:
  void StartClaimd() {
    ASSERT_OK(claimd_.Start());
    port_ = MetricsPort(claimd_.Stderr());
    ASSERT_NE(port_, 0) << claimd_.Stderr();
  }

  testing::TempDir dir_;
  ClaimdHarness claimd_{
      dir_.File("data"), dir_.path(), {"--metrics_listen=127.0.0.1:0"}};
  int port_ = 0;
};

TEST_F(ClaimdMetrics, CountersAndHistogramsMoveByExactlyTheCallsMade) {
  ASSERT_NO_FATAL_FAILURE(StartClaimd());
  ASSERT_OK_AND_ASSIGN(Scrape before, ScrapeMetrics(port_));
  EXPECT_EQ(before.types.at("claimd_rpc_handled_total"), "counter");
  EXPECT_EQ(before.types.at("claimd_rpc_duration_seconds"), "histogram");
  EXPECT_EQ(before.types.at("claimd_store_commit_duration_seconds"),
            "histogram");
  EXPECT_EQ(before.types.at("claimd_claims"), "gauge");
  // The SQLite backend's own series, and no other backend's.
  EXPECT_EQ(before.types.at("claimd_store_wal_frames"), "gauge");
  EXPECT_EQ(before.types.at("claimd_store_checkpoint_failures_total"),
            "counter");
  for (const auto& [name, type] : before.types)
    EXPECT_FALSE(absl::StartsWith(name, "claimd_etcd_")) << name;
  // Value() reads 0 for a missing series: each zero below is checked present.
  EXPECT_TRUE(before.Has("claimd_store_revision", {}));
  EXPECT_EQ(before.Value("claimd_store_revision"), 0);
  EXPECT_TRUE(before.Has("claimd_claims", {{"status", "REPORTED"}}));
  EXPECT_EQ(before.Value("claimd_claims", {{"status", "REPORTED"}}), 0);
  EXPECT_TRUE(before.Has("claimd_claims", {{"status", "DENIED"}}));

  auto channel = claimd_.NewChannel();
  auto stub = v1::ClaimService::NewStub(channel);
  v1::WatchClaimsRequest watch_request;
  watch_request.set_start_revision(1);
  WatchRecorder watch(channel, watch_request);
  ASSERT_TRUE(watch.WaitForFirstResponse(absl::Seconds(10)));

  for (const char* id : {"m-1", "m-2", "m-3"}) {
    ASSERT_OK(CreateClaim(*stub, id, "a claim for the metrics test").status());
  }
  ASSERT_OK(UpdateClaimStatus(*stub, "claims/m-1",
                              v1::VERIFICATION_STATUS_CONFIRMED,
                              "the metrics desk")
                .status());
  ASSERT_OK(GetClaim(*stub, "claims/m-2").status());
  EXPECT_THAT(GetClaim(*stub, "claims/missing").status(),
              testing::StatusIs(absl::StatusCode::kNotFound));
  ASSERT_TRUE(watch.WaitForEventRevision(4, absl::Seconds(10)));

  // The server counts a message once its write completes, which may trail the
  // client's read by a moment.
  ASSERT_OK_AND_ASSIGN(
      Scrape after, ScrapeUntil(port_, [](const Scrape& s) {
        return s.Value("claimd_watch_events_delivered_total") >= 4;
      }));
  auto delta = [&](const std::string& name, const Labels& labels) {
    return after.Value(name, labels) - before.Value(name, labels);
  };
  EXPECT_EQ(delta("claimd_rpc_handled_total", Call("CreateClaim", "OK")), 3);
  EXPECT_EQ(delta("claimd_rpc_handled_total", Call("UpdateClaimStatus", "OK")),
            1);
  EXPECT_EQ(delta("claimd_rpc_handled_total", Call("GetClaim", "OK")), 1);
  EXPECT_EQ(delta("claimd_rpc_handled_total", Call("GetClaim", "NOT_FOUND")),
            1);
  EXPECT_EQ(delta("claimd_rpc_handled_total", Call("ListClaims", "OK")), 0);
  EXPECT_EQ(delta("claimd_rpc_duration_seconds_count", Method("CreateClaim")),
            3);
  EXPECT_EQ(delta("claimd_rpc_duration_seconds_bucket",
                  {{"method", std::string(kService) + "CreateClaim"},
                   {"le", "+Inf"}}),
            3);
  EXPECT_GT(delta("claimd_rpc_duration_seconds_sum", Method("CreateClaim")), 0);
  EXPECT_EQ(delta("claimd_rpc_duration_seconds_count", Method("GetClaim")), 2);
  // A stream's life is not a latency: streams are counted, not timed.
  EXPECT_FALSE(
      after.Has("claimd_rpc_duration_seconds_count", Method("WatchClaims")));

  EXPECT_EQ(after.Value("claimd_watchers_active"), 1);
  EXPECT_EQ(after.Value("claimd_watch_events_delivered_total"), 4);
  EXPECT_EQ(after.Value("claimd_watch_catch_ups_total"), 0);

  // Four mutations, each committed in some transaction.
  const double commits = delta("claimd_store_commit_mutations_count", {});
  EXPECT_EQ(delta("claimd_store_commit_mutations_sum", {}), 4);
  EXPECT_GE(commits, 1);
  EXPECT_LE(commits, 4);
  EXPECT_EQ(delta("claimd_store_commit_duration_seconds_count", {}), commits);
  EXPECT_EQ(after.Value("claimd_store_revision"), 4);
  EXPECT_EQ(after.Value("claimd_claims", {{"status", "REPORTED"}}), 2);
  EXPECT_EQ(after.Value("claimd_claims", {{"status", "CONFIRMED"}}), 1);
  EXPECT_TRUE(after.Has("claimd_claims", {{"status", "DENIED"}}));
  EXPECT_EQ(after.Value("claimd_claims", {{"status", "DENIED"}}), 0);

  watch.Cancel();
  ASSERT_OK_AND_ASSIGN(Scrape ended, ScrapeUntil(port_, [](const Scrape& s) {
                         return s.Value("claimd_watchers_active") == 0;
                       }));
  EXPECT_EQ(ended.Value("claimd_watchers_active"), 0);
  EXPECT_EQ(
      ended.Value("claimd_rpc_handled_total", Call("WatchClaims", "CANCELLED")),
      1);
}

TEST_F(ClaimdMetrics, ClaimsPerStatusSurviveARestartAndCatchUpIsCounted) {
  ASSERT_NO_FATAL_FAILURE(StartClaimd());
  auto stub = v1::ClaimService::NewStub(claimd_.NewChannel());
  for (const char* id : {"r-1", "r-2", "r-3"}) {
    ASSERT_OK(
        CreateClaim(*stub, id, "a claim that outlives a restart").status());
  }
  ASSERT_OK(UpdateClaimStatus(*stub, "claims/r-2",
                              v1::VERIFICATION_STATUS_DENIED,
                              "the metrics desk")
                .status());
  v1::DeleteClaimRequest remove;
  remove.set_name("claims/r-3");
  google::protobuf::Empty empty;
  grpc::ClientContext context;
  SetTimeout(context, absl::Seconds(5));
  ASSERT_TRUE(stub->DeleteClaim(&context, remove, &empty).ok());

  ASSERT_TRUE(claimd_.Stop(SIGTERM, absl::Seconds(15)).has_value());
  ASSERT_NO_FATAL_FAILURE(StartClaimd());
  ASSERT_OK_AND_ASSIGN(Scrape reopened, ScrapeMetrics(port_));
  EXPECT_EQ(reopened.Value("claimd_store_revision"), 5);
  EXPECT_EQ(reopened.Value("claimd_claims", {{"status", "REPORTED"}}), 1);
  EXPECT_EQ(reopened.Value("claimd_claims", {{"status", "DENIED"}}), 1);
  EXPECT_TRUE(reopened.Has("claimd_claims", {{"status", "CONFIRMED"}}));
  EXPECT_EQ(reopened.Value("claimd_claims", {{"status", "CONFIRMED"}}), 0);

  // After a restart the in-memory window is empty: history comes from the
  // store, once.
  v1::WatchClaimsRequest from_start;
  from_start.set_start_revision(1);
  WatchRecorder watch(claimd_.NewChannel(), from_start);
  ASSERT_TRUE(watch.WaitForEventRevision(5, absl::Seconds(10)));
  ASSERT_OK_AND_ASSIGN(
      Scrape caught_up, ScrapeUntil(port_, [](const Scrape& s) {
        return s.Value("claimd_watch_events_delivered_total") >= 5;
      }));
  EXPECT_EQ(caught_up.Value("claimd_watch_catch_ups_total"), 1);
  EXPECT_EQ(caught_up.Value("claimd_watch_events_delivered_total"), 5);
}

// The status of a unary call to `method`, which the server does not have.
grpc::Status CallUnknownMethod(const std::shared_ptr<grpc::Channel>& channel,
                               const std::string& method) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  SetTimeout(context, absl::Seconds(5));
  grpc::Slice empty_message("");  // an empty protobuf message
  grpc::ByteBuffer request(&empty_message, 1);
  grpc::ByteBuffer response;
  absl::Notification done;
  grpc::Status status;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                 [&](grpc::Status result) {
                   status = std::move(result);
                   done.Notify();
                 });
  done.WaitForNotificationWithTimeout(absl::Seconds(10));
  return status;
}

TEST_F(ClaimdMetrics, MethodsTheServerDoesNotHaveMakeNoSeriesOfTheirOwn) {
  ASSERT_NO_FATAL_FAILURE(StartClaimd());
  auto channel = claimd_.NewChannel();
  for (int i = 0; i < 3; ++i) {
    const std::string method = absl::StrCat(kService, "Invented", i);
    EXPECT_EQ(CallUnknownMethod(channel, method).error_code(),
              grpc::StatusCode::UNIMPLEMENTED);
  }
  ASSERT_OK_AND_ASSIGN(Scrape scrape, ScrapeMetrics(port_));
  // Counted, under one label value.
  EXPECT_EQ(scrape.Value("claimd_rpc_handled_total",
                         {{"method", "unknown"}, {"code", "UNIMPLEMENTED"}}),
            3);
  for (const auto& [series, value] : scrape.samples) {
    EXPECT_FALSE(absl::StrContains(series, "Invented")) << series;
  }
}

// civetweb holds a worker thread per connection until its request is read:
// with 2 workers and a 30 s read timeout, slow connections kept /metrics from
// being scraped for the whole test. Opens `count` connections that send half
// a request, then scrapes (10 s allowed).
void ScrapeWhileSlowConnectionsAreOpen(int port, int count) {
  std::vector<int> slow;
  for (int i = 0; i < count; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    slow.push_back(fd);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    ASSERT_EQ(
        connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    // Half a request, never finished.
    constexpr char kPartial[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
    ASSERT_EQ(send(fd, kPartial, sizeof(kPartial) - 1, 0),
              static_cast<ssize_t>(sizeof(kPartial) - 1));
  }
  absl::StatusOr<HttpResponse> scrape =
      HttpGet(port, "/metrics", absl::Seconds(10));
  for (int fd : slow) close(fd);
  ASSERT_OK(scrape.status());
  EXPECT_EQ(scrape->status, 200);
  EXPECT_THAT(scrape->body, HasSubstr("claimd_store_revision"));
}

TEST_F(ClaimdMetrics, AScrapeIsAnsweredWhileEightSlowConnectionsAreOpen) {
  ASSERT_NO_FATAL_FAILURE(StartClaimd());
  ScrapeWhileSlowConnectionsAreOpen(port_, 8);
}

// More slow connections than the endpoint's 16 workers: only the 2 s request
// timeout frees a worker for the scrape (civetweb's 30 s default would not
// within the scrape's 10 s).
TEST_F(ClaimdMetrics,
       AScrapeIsAnsweredWhileMoreSlowConnectionsThanWorkersAreOpen) {
  ASSERT_NO_FATAL_FAILURE(StartClaimd());
  ScrapeWhileSlowConnectionsAreOpen(port_, 24);
}

TEST(MetricsEndpointAddress, OnlyLoopbackAddressesAreLoopback) {
  using metrics::MetricsEndpoint;
  EXPECT_TRUE(MetricsEndpoint::IsLoopbackAddress("127.0.0.1:9464"));
  EXPECT_TRUE(MetricsEndpoint::IsLoopbackAddress("127.3.2.1:0"));
  EXPECT_TRUE(MetricsEndpoint::IsLoopbackAddress("localhost:9464"));
  EXPECT_TRUE(MetricsEndpoint::IsLoopbackAddress("[::1]:9464"));
  EXPECT_FALSE(MetricsEndpoint::IsLoopbackAddress("0.0.0.0:9464"));
  EXPECT_FALSE(MetricsEndpoint::IsLoopbackAddress("[::]:9464"));
  EXPECT_FALSE(MetricsEndpoint::IsLoopbackAddress("10.0.0.7:9464"));
}

TEST(ClaimdMetricsFlag, PortInUseIsAClearErrorAtStartup) {
  testing::TempDir dir;
  // Hold a listening socket on a port, so claimd cannot have it.
  int holder = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(holder, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(bind(holder, reinterpret_cast<sockaddr*>(&address), length), 0);
  ASSERT_EQ(listen(holder, 1), 0);
  ASSERT_EQ(getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length),
            0);
  const std::string taken = absl::StrCat("127.0.0.1:", ntohs(address.sin_port));

  CommandResult result =
      RunCommand(ClaimdBinary(),
                 {"--listen=127.0.0.1:0", "--data_dir=" + dir.File("data"),
                  "--metrics_listen=" + taken},
                 dir.path(), absl::Seconds(15));
  close(holder);
  ASSERT_FALSE(result.timed_out) << result.Describe();
  EXPECT_TRUE(result.exit.exited) << result.Describe();
  EXPECT_EQ(result.exit.code, 1) << result.Describe();
  EXPECT_THAT(result.err, HasSubstr("cannot serve metrics on " + taken));
  EXPECT_THAT(result.err, ::testing::Not(HasSubstr("serving claims.v1")));
}

TEST(ClaimdMetricsFlag, MalformedAddressIsRefused) {
  testing::TempDir dir;
  CommandResult result =
      RunCommand(ClaimdBinary(),
                 {"--listen=127.0.0.1:0", "--data_dir=" + dir.File("data"),
                  "--metrics_listen=localhost"},
                 dir.path(), absl::Seconds(15));
  ASSERT_FALSE(result.timed_out) << result.Describe();
  EXPECT_EQ(result.exit.code, 1) << result.Describe();
  EXPECT_THAT(result.err, HasSubstr("is not HOST:PORT"));
}

// The parser is strict enough to fail: it is what makes "the output parses"
// mean something.
TEST(PrometheusTextParser, RejectsWhatPrometheusRejects) {
  const std::string bad[] = {
      "1metric 1\n",
      "m{a=\"x\" 1\n",
      "m{a=x} 1\n",
      "m{a=\"\\q\"} 1\n",
      "m one\n",
      "m 1\nm 2\n",
      "m 1\n# TYPE m counter\n",
      "# TYPE m counter\n# TYPE m gauge\n",
      absl::StrCat("# TYPE h histogram\nh_bucket{le=\"1\"} 2\n",
                   "h_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 0\n"),
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\nh_sum 0\n",
      "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 3\nh_sum 0\n",
      "m 1",
  };
  for (const std::string& text : bad) {
    EXPECT_FALSE(ParsePrometheusText(text).ok()) << text;
  }
}

TEST(PrometheusTextParser, AcceptsTheFormat) {
  ASSERT_OK_AND_ASSIGN(
      Scrape scrape,
      ParsePrometheusText("# HELP m help text\n# TYPE m counter\n"
                          "m{b=\"2\",a=\"q\\\"\\n\\\\\"} 1.5e3\n"
                          "# a comment\n"
                          "# TYPE h histogram\nh_bucket{le=\"0.5\"} 1\n"
                          "h_bucket{le=\"+Inf\"} 2\nh_sum 0.7\nh_count 2\n"
                          "g NaN\ng2 -Inf 1700000000000\n"));
  EXPECT_EQ(scrape.Value("m", {{"a", "q\"\n\\"}, {"b", "2"}}), 1500);
  EXPECT_EQ(scrape.Value("h_count"), 2);
  EXPECT_TRUE(scrape.Has("g"));
}

}  // namespace
}  // namespace claimd::e2e
