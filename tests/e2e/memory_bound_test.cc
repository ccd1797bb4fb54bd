// claimd's memory has an upper bound that follows from its flags (README,
// "Memory"): this drives each way a client can grow it against a real claimd
// and checks the peak resident set (VmHWM in /proc/PID/status) against that
// bound. The ways: initial_snapshot watches that never read, many idle
// watchers, many large requests at once, a watcher of claims at the size
// limits, and watchers catching up from old history that never read. Generous margins, bounded loops; the figures are printed.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "tests/e2e/claimd_harness.h"
#include "tests/e2e/process.h"
#include "tests/testing/claims_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::e2e {
namespace {

using ::claimd::testing::CreateClaim;

namespace v1 = ::claims::v1;

// The flags under test and the bound README states for them:
//   64 MiB + 5 x store_cache + 2 x watch_cache + snapshot_memory + memory_quota
//   + 2 MiB per catch-up thread + 24 KiB per watcher.
constexpr int kStoreCacheMib = 16;
constexpr int kWatchCacheMib = 16;
constexpr int kMaxSnapshotMib = 16;
constexpr int kSnapshotMemoryMib = 32;
constexpr int kMemoryQuotaMib = 64;
constexpr int kCatchUpThreads = 2;
constexpr int kMaxWatchers = 1500;

constexpr int64_t BoundKib() {
  return int64_t{64 + 5 * kStoreCacheMib + 2 * kWatchCacheMib +
                 kSnapshotMemoryMib + kMemoryQuotaMib + 2 * kCatchUpThreads} *
             1024 +
         int64_t{kMaxWatchers} * 24;
}

// A "VmHWM" style field of /proc/PID/status, in KiB. An unreadable figure is a
// test failure, and comes back as the largest value so that no bound passes
// on it.
int64_t StatusKib(pid_t pid, absl::string_view field) {
  absl::StatusOr<int64_t> kib = ProcStatusKib(pid, field);
  if (!kib.ok()) {
    ADD_FAILURE() << kib.status();
    return std::numeric_limits<int64_t>::max();
  }
  return *kib;
}

// Four connections without BDP probing, numbered from `first` (one
// connection each): the flow-control window stays at 64 KiB, as a hostile
// reader would keep it.
std::vector<std::shared_ptr<grpc::Channel>> UnprobedChannels(
    const std::string& address, int first) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = first; i < first + 4; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    args.SetInt("claimd.test.connection", i);
    channels.push_back(grpc::CreateCustomChannel(
        address, grpc::InsecureChannelCredentials(), args));
  }
  return channels;
}

// Streams opened asynchronously and never read: only their final status is
// awaited (a refusal arrives at once, an admitted stream stays open).
class UnreadWatches {
 public:
  UnreadWatches(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                const v1::WatchClaimsRequest& request, int count) {
    for (int i = 0; i < count; ++i) {
      calls_.push_back(std::make_unique<Call>());
      Call& call = *calls_.back();
      call.stub = v1::ClaimService::NewStub(channels[i % channels.size()]);
      call.context.set_deadline(
          absl::ToChronoTime(absl::Now() + absl::Minutes(3)));
      call.reader =
          call.stub->PrepareAsyncWatchClaims(&call.context, request, &queue_);
      call.reader->StartCall(Tag(i, kStarted));
      call.reader->Finish(&call.status, Tag(i, kFinished));
    }
  }

  ~UnreadWatches() {
    for (auto& call : calls_) call->context.TryCancel();
    // Every StartCall and Finish tag comes back after the cancel.
    void* tag;
    bool ok;
    for (size_t pending = 2 * calls_.size() - started_ - finished_;
         pending > 0 && queue_.Next(&tag, &ok); --pending) {
    }
    queue_.Shutdown();
    while (queue_.Next(&tag, &ok)) {
    }
  }

  // Takes completions for up to `timeout`; returns how many streams ended
  // with `code`.
  int Ended(grpc::StatusCode code, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    void* tag;
    bool ok;
    while (queue_.AsyncNext(&tag, &ok, absl::ToChronoTime(deadline)) ==
           grpc::CompletionQueue::GOT_EVENT) {
      const uintptr_t value = reinterpret_cast<uintptr_t>(tag);
      if ((value & 1) == kStarted) {
        ++started_;
      } else {
        ++finished_;
        ended_[calls_[value >> 1]->status.error_code()]++;
      }
    }
    return ended_[code];
  }
  int finished() const { return finished_; }

 private:
  static constexpr uintptr_t kStarted = 0;
  static constexpr uintptr_t kFinished = 1;
  static void* Tag(int i, uintptr_t kind) {
    // A completion-queue tag is an opaque pointer; this one encodes a number.
    // NOLINTNEXTLINE(performance-no-int-to-ptr)
    return reinterpret_cast<void*>((static_cast<uintptr_t>(i) << 1) | kind);
  }
  struct Call {
    std::unique_ptr<v1::ClaimService::Stub> stub;
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientAsyncReader<v1::WatchClaimsResponse>> reader;
    grpc::Status status;
  };
  grpc::CompletionQueue queue_;
  std::vector<std::unique_ptr<Call>> calls_;
  size_t started_ = 0;
  size_t finished_ = 0;
  std::map<grpc::StatusCode, int> ended_;
};

TEST(MemoryBound, EveryWayToGrowClaimdStaysWithinTheStatedBound) {
  testing::TempDir dir;
  ClaimdHarness claimd(
      dir.File("data"), dir.path(),
      {absl::StrCat("--store_cache_mib=", kStoreCacheMib),
       absl::StrCat("--watch_cache_mib=", kWatchCacheMib),
       absl::StrCat("--max_snapshot_mib=", kMaxSnapshotMib),
       absl::StrCat("--snapshot_memory_mib=", kSnapshotMemoryMib),
       absl::StrCat("--memory_quota_mib=", kMemoryQuotaMib),
       absl::StrCat("--catch_up_threads=", kCatchUpThreads),
       absl::StrCat("--max_watchers=", kMaxWatchers),
       absl::StrCat("--max_watchers_per_identity=", kMaxWatchers)});
  ASSERT_OK(claimd.Start());
  const pid_t pid = claimd.pid();
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  channels.reserve(8);
  for (int i = 0; i < 8; ++i) channels.push_back(claimd.NewChannel());
  std::printf("bound for these flags: %lld MiB; at start VmRSS %lld MiB\n",
              static_cast<long long>(BoundKib() >> 10),
              static_cast<long long>(StatusKib(pid, "VmRSS") >> 10));

  // About 10 MB of claims (3,000 of 3.5 KB), written by 8 writers.
  {
    std::vector<std::thread> writers;
    writers.reserve(8);
    for (int w = 0; w < 8; ++w) {
      writers.emplace_back([&, w] {
        auto stub = v1::ClaimService::NewStub(channels[w]);
        for (int i = w; i < 3000; i += 8) {
          EXPECT_OK(CreateClaim(*stub, absl::StrCat("c", i),
                                std::string(3500, 'a' + i % 26))
                        .status());
        }
      });
    }
    for (std::thread& writer : writers) writer.join();
  }

  // 1. Snapshots nobody reads: 20 of them would be 20 copies of the store.
  {
    v1::WatchClaimsRequest request;
    request.set_initial_snapshot(true);
    UnreadWatches unread(UnprobedChannels(claimd.address(), 0), request, 20);
    // 32 MiB hold about three 11 MiB snapshots (less what each has sent into
    // gRPC's buffers); the rest are refused.
    int refused = 0;
    for (int i = 0; i < 30 && refused < 16; ++i) {
      refused =
          unread.Ended(grpc::StatusCode::RESOURCE_EXHAUSTED, absl::Seconds(1));
    }
    std::printf("unread snapshots: %d of 20 refused; VmHWM %lld MiB\n", refused,
                static_cast<long long>(StatusKib(pid, "VmHWM") >> 10));
    EXPECT_GE(refused, 15);
    EXPECT_LE(StatusKib(pid, "VmHWM"), BoundKib());
  }

  // 2. Watchers up to --max_watchers, each read once so it is surely open.
  {
    std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
    std::vector<std::unique_ptr<grpc::ClientReader<v1::WatchClaimsResponse>>>
        readers;
    std::vector<std::unique_ptr<v1::ClaimService::Stub>> stubs;
    stubs.reserve(channels.size());
    for (auto& channel : channels)
      stubs.push_back(v1::ClaimService::NewStub(channel));
    int open = 0;
    for (int i = 0; i < kMaxWatchers; ++i) {
      auto context = std::make_unique<grpc::ClientContext>();
      context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Minutes(3)));
      auto reader = stubs[i % stubs.size()]->WatchClaims(
          context.get(), v1::WatchClaimsRequest());
      v1::WatchClaimsResponse first;
      if (reader->Read(&first)) ++open;
      contexts.push_back(std::move(context));
      readers.push_back(std::move(reader));
    }
    std::printf("idle watchers: %d open; VmHWM %lld MiB\n", open,
                static_cast<long long>(StatusKib(pid, "VmHWM") >> 10));
    EXPECT_EQ(open, kMaxWatchers);
    EXPECT_LE(StatusKib(pid, "VmHWM"), BoundKib());
    for (auto& context : contexts) context->TryCancel();
    for (auto& reader : readers) reader->Finish().ok();
  }

  // 3. Large requests at once: 64 statements of nearly 4 MiB (refused as too
  // long only after gRPC has received and parsed them).
  {
    std::vector<std::thread> senders;
    senders.reserve(64);
    for (int s = 0; s < 64; ++s) {
      senders.emplace_back([&, s] {
        auto stub = v1::ClaimService::NewStub(channels[s % channels.size()]);
        v1::CreateClaimRequest request;
        request.mutable_claim()->set_statement(
            std::string((4 << 20) - 1024, 'x'));
        grpc::ClientContext context;
        context.set_deadline(
            absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
        v1::Claim claim;
        grpc::Status status = stub->CreateClaim(&context, request, &claim);
        EXPECT_FALSE(status.ok());
      });
    }
    for (std::thread& sender : senders) sender.join();
    std::printf("large requests: VmHWM %lld MiB\n",
                static_cast<long long>(StatusKib(pid, "VmHWM") >> 10));
    EXPECT_LE(StatusKib(pid, "VmHWM"), BoundKib());
  }

  // 4. A watcher of claims at the size limits: 100 events of 2.6 MB, each sent
  // from the cache of serialised events that all streams share, and each claim
  // kept decoded by the store's writer. Bounded by count alone, either would
  // hold all of them.
  {
    constexpr int kLargeClaims = 100;
    auto watch_stub = v1::ClaimService::NewStub(channels[0]);
    grpc::ClientContext watch_context;
    watch_context.set_deadline(
        absl::ToChronoTime(absl::Now() + absl::Minutes(3)));
    std::unique_ptr<grpc::ClientReader<v1::WatchClaimsResponse>> reader =
        watch_stub->WatchClaims(&watch_context, v1::WatchClaimsRequest());
    v1::WatchClaimsResponse first;  // a progress message: the stream is open
    ASSERT_TRUE(reader->Read(&first));
    std::atomic<int> received{0};
    std::thread watcher([&] {
      v1::WatchClaimsResponse response;
      while (received.load() < kLargeClaims && reader->Read(&response))
        received += response.events_size();
    });
    auto stub = v1::ClaimService::NewStub(channels[1]);
    for (int i = 0; i < kLargeClaims; ++i) {
      v1::CreateClaimRequest request;
      request.set_claim_id(absl::StrCat("large", i));
      v1::Claim* claim = request.mutable_claim();
      claim->set_statement("A claim with as much evidence as a claim may hold");
      for (int e = 0; e < 256; ++e) {
        v1::Evidence* evidence = claim->add_evidence();
        evidence->set_source(std::string(200, 's'));
        evidence->set_url(absl::StrCat("https://example.org/", i, "/", e, "/",
                                       std::string(1900, 'u')));
        evidence->set_quote(std::string(4000, 'q'));
        evidence->set_note(std::string(4000, 'n'));
      }
      EXPECT_OK(CreateClaim(*stub, request).status()) << "claim " << i;
    }
    for (int i = 0; i < 600 && received.load() < kLargeClaims; ++i)
      absl::SleepFor(absl::Milliseconds(100));
    watch_context.TryCancel();
    watcher.join();
    reader->Finish().ok();
    std::printf("large claims watched: %d events; VmHWM %lld MiB\n",
                received.load(),
                static_cast<long long>(StatusKib(pid, "VmHWM") >> 10));
    EXPECT_EQ(received.load(), kLargeClaims);
    EXPECT_LE(StatusKib(pid, "VmHWM"), BoundKib());
  }

  // 5. Watchers that resume from before the watch window and never read: the
  // large claims are long gone from it, so each stream's messages are read
  // from the store and serialised for it alone (2.6 MB each); 150 of them
  // would hold 390 MB.
  {
    v1::WatchClaimsRequest request;
    request.set_start_revision(3001);  // the first large claim
    UnreadWatches unread(UnprobedChannels(claimd.address(), 4), request, 150);
    // 32 MiB hold about a dozen messages in flight; the rest are refused.
    int refused = 0;
    for (int i = 0; i < 60 && refused < 120; ++i) {
      refused =
          unread.Ended(grpc::StatusCode::RESOURCE_EXHAUSTED, absl::Seconds(1));
    }
    std::printf("unread catch-up watchers: %d of 150 refused; VmHWM %lld MiB\n",
                refused, static_cast<long long>(StatusKib(pid, "VmHWM") >> 10));
    EXPECT_GE(refused, 120);
    EXPECT_LE(StatusKib(pid, "VmHWM"), BoundKib());
  }
  EXPECT_TRUE(claimd.running());
}

}  // namespace
}  // namespace claimd::e2e
