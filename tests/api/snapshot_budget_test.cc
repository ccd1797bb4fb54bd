// What initial_snapshot watches may hold: one stream at most
// max_snapshot_bytes (RESOURCE_EXHAUSTED beyond, narrower filters still work),
// all of them together at most snapshot_memory_bytes, so readers that never
// read cannot pin the server's memory; the share comes back when a stream
// ends. A real server over a real store.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/claim.h"
#include "service/core/mutation.h"
#include "tests/api/test_server.h"
#include "tests/api/watch_stream.h"
#include "tests/testing/claims_client.h"
#include "tests/testing/status_matchers.h"

namespace claimd::testing {
namespace {

using ::testing::HasSubstr;

constexpr int kStatementBytes = 4000;

// `count` claims of about 4 KB each, written straight to the store (one group
// commit).
void Fill(TestServer& server, int count) {
  absl::BlockingCounter pending(count);
  for (int i = 0; i < count; ++i) {
    core::Claim claim;
    claim.id = absl::StrFormat("c%05d", i);
    claim.statement = std::string(kStatementBytes, 'a' + i % 26);
    if (i == 0) claim.labels["team"] = "first";
    server.store().Submit(
        core::Mutation{.op = core::CreateClaim{.claim = std::move(claim)}},
        [&pending](const absl::StatusOr<core::MutationResult>& result) {
          EXPECT_OK(result.status());
          pending.DecrementCount();
        });
  }
  pending.Wait();
}

// What `count` such claims charge against the budgets, about.
size_t SnapshotBytes(int count) {
  core::Claim claim;
  claim.id = "c00000";
  claim.statement = std::string(kStatementBytes, 'a');
  return static_cast<size_t>(count) * core::ApproximateBytes(claim);
}

std::optional<grpc::Status> EndOf(WatchStream& watch) {
  return watch.WaitForEnd(absl::Seconds(30));
}

// The message `watch` ended with, which must be RESOURCE_EXHAUSTED.
std::string RefusalOf(WatchStream& watch) {
  std::optional<grpc::Status> ended = EndOf(watch);
  if (!ended.has_value()) {
    ADD_FAILURE() << "the watch did not end";
    return "";
  }
  EXPECT_EQ(ended->error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << ended->error_message();
  return ended->error_message();
}

// A watch that never reads (no Read call at all), on its own connection
// without BDP probing, so its flow-control window stays at gRPC's 64 KiB as a
// hostile client's would: past what gRPC buffers, what it was to be sent stays
// on the server.
struct UnreadWatch {
  UnreadWatch(TestServer& server,
              const claims::v1::WatchClaimsRequest& request) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    stub = claims::v1::ClaimService::NewStub(grpc::CreateCustomChannel(
        server.address(), grpc::InsecureChannelCredentials(), args));
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(120)));
    reader = stub->WatchClaims(&context, request);
  }
  void Cancel() {
    context.TryCancel();
    reader->Finish().ok();
  }

  std::unique_ptr<claims::v1::ClaimService::Stub> stub;
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<claims::v1::WatchClaimsResponse>> reader;
};

TEST(SnapshotBudget, OneStreamsSnapshotIsBoundedButANarrowerFilterWorks) {
  TestServerOptions options;
  options.server.watch.max_snapshot_bytes = 256 << 10;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server,
                       TestServer::Start(options));
  Fill(*server, 200);  // about 800 KB
  WatchStream everything(server->stub(), WatchWithSnapshot());
  std::optional<grpc::Status> ended = EndOf(everything);
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(ended->error_message(), HasSubstr("--max_snapshot_mib"));

  WatchStream narrow(server->stub(),
                     WatchWithSnapshot("labels.team = \"first\""));
  std::optional<claims::v1::WatchClaimsResponse> first = narrow.Next();
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->snapshot_complete());
  ASSERT_EQ(first->events_size(), 1);
  EXPECT_EQ(first->events(0).claim().name(), "claims/c00000");
}

TEST(SnapshotBudget, UnreadSnapshotsCannotTakeMoreThanTheServersBudget) {
  constexpr int kClaims = 3000;  // about 13 MB: more than gRPC buffers
  const size_t one = SnapshotBytes(kClaims);
  TestServerOptions options;
  options.server.watch.max_snapshot_bytes = 2 * one;
  // Room for one whole snapshot and a fifth of another.
  options.server.watch.snapshot_memory_bytes = one + one / 5;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server,
                       TestServer::Start(options));
  Fill(*server, kClaims);

  // Never read: its snapshot stays on the server, charged.
  UnreadWatch pinned(*server, WatchWithSnapshot());
  // Its headers come with its first message, once its snapshot is read and
  // charged: until then a second snapshot read would race it for the budget
  // (under ASan the first one lost that race), and the test is about a
  // snapshot already held. Waiting reads no message.
  pinned.reader->WaitForInitialMetadata();
  // Wait until the first one holds its share: a second one is refused.
  bool refused = false;
  for (int attempt = 0; attempt < 50 && !refused; ++attempt) {
    WatchStream second(server->stub(), WatchWithSnapshot());
    std::optional<claims::v1::WatchClaimsResponse> response =
        second.Next(absl::Seconds(10));
    if (response.has_value()) {
      // The first had not charged yet and this one got in: let it go and try
      // again.
      second.Cancel();
      continue;
    }
    EXPECT_THAT(RefusalOf(second), HasSubstr("--snapshot_memory_mib"));
    refused = true;
  }
  ASSERT_TRUE(refused);

  // The first ends: its share comes back and a new snapshot goes through
  // whole.
  pinned.Cancel();
  bool complete = false;
  for (int attempt = 0; attempt < 50 && !complete; ++attempt) {
    WatchStream again(server->stub(), WatchWithSnapshot());
    int claims = 0;
    while (std::optional<claims::v1::WatchClaimsResponse> response =
               again.Next(absl::Seconds(10))) {
      claims += response->events_size();
      if (response->snapshot_complete()) {
        complete = true;
        break;
      }
    }
    if (complete) {
      EXPECT_EQ(claims, kClaims);
    } else {
      // Still released asynchronously (the stream's OnDone): retry.
      absl::SleepFor(absl::Milliseconds(100));
    }
  }
  EXPECT_TRUE(complete);
}

// Reads `watch` until it has given `count` events or stops giving any;
// returns how many it gave.
int ReadEvents(WatchStream& watch, int count) {
  int events = 0;
  while (events < count) {
    std::optional<claims::v1::WatchClaimsResponse> response =
        watch.Next(absl::Seconds(10));
    if (!response.has_value()) break;
    events += response->events_size();
  }
  return events;
}

// A watch that resumes from before the hub's window is sent messages read
// from the store, serialised for it alone: one that never reads holds its
// message in flight for as long as it stays open, so those messages count
// against the same budget as snapshots.
TEST(SnapshotBudget, UnreadCatchUpMessagesCannotTakeMoreThanTheServersBudget) {
  constexpr int kClaims = 1000;  // about 4 MB of events
  TestServerOptions options;
  options.hub.max_events = 10;  // everything older is caught up from the store
  options.server.watch.max_bytes_per_message = 512 << 10;
  // Room for one message in flight and a half.
  options.server.watch.snapshot_memory_bytes = 768 << 10;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server,
                       TestServer::Start(options));
  Fill(*server, kClaims);

  // Never read: its second message cannot be written.
  UnreadWatch pinned(*server, WatchFrom(1));
  pinned.reader->WaitForInitialMetadata();
  bool refused = false;
  for (int attempt = 0; attempt < 50 && !refused; ++attempt) {
    WatchStream second(server->stub(), WatchFrom(1));
    const int events = ReadEvents(second, kClaims);
    if (events >= kClaims) {
      // The first had not taken its share yet: try again.
      second.Cancel();
      absl::SleepFor(absl::Milliseconds(100));
      continue;
    }
    const std::string refusal = RefusalOf(second);
    EXPECT_THAT(refusal, HasSubstr("--snapshot_memory_mib"));
    EXPECT_THAT(refusal, HasSubstr("resume with start_revision="));
    refused = true;
  }
  ASSERT_TRUE(refused);

  // The first ends: its share comes back, and a reader gets everything.
  pinned.Cancel();
  bool complete = false;
  for (int attempt = 0; attempt < 50 && !complete; ++attempt) {
    WatchStream again(server->stub(), WatchFrom(1));
    const int events = ReadEvents(again, kClaims);
    complete = events == kClaims;
    if (!complete) absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(complete);
}

}  // namespace
}  // namespace claimd::testing
