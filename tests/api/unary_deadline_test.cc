// The server's own deadline for writes (service/api/unary_deadline.h): the
// arithmetic, the timer, and a real server whose store holds commits back, so
// a write outlives claimd's deadline and gets DEADLINE_EXCEEDED, while the
// commit that comes later still lands exactly once.
#include "service/api/unary_deadline.h"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "claims/v1/claims.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "service/api/server.h"
#include "service/core/watch_hub.h"
#include "service/store/data_dir.h"
#include "service/store/sqlite_claim_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::api {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'000'000);

TEST(ServerDeadline, NoBoundsLeaveTheClientsDeadline) {
  EXPECT_EQ(ServerDeadline(kNow, absl::InfiniteFuture(), {}),
            absl::InfiniteFuture());
  EXPECT_EQ(ServerDeadline(kNow, kNow + absl::Hours(5), {}),
            absl::InfiniteFuture());
}

TEST(ServerDeadline, DefaultAppliesOnlyWithoutAClientDeadline) {
  const UnaryDeadlineOptions options{.default_deadline = absl::Seconds(30)};
  EXPECT_EQ(ServerDeadline(kNow, absl::InfiniteFuture(), options),
            kNow + absl::Seconds(30));
  EXPECT_EQ(ServerDeadline(kNow, kNow + absl::Hours(1), options),
            absl::InfiniteFuture());
}

TEST(ServerDeadline, MaximumCapsOnlyLongerClientDeadlines) {
  const UnaryDeadlineOptions options{.default_deadline = absl::Seconds(30),
                                     .max_deadline = absl::Minutes(2)};
  EXPECT_EQ(ServerDeadline(kNow, kNow + absl::Hours(1), options),
            kNow + absl::Minutes(2));
  // The client's tighter deadline is enforced by gRPC itself.
  EXPECT_EQ(ServerDeadline(kNow, kNow + absl::Seconds(5), options),
            absl::InfiniteFuture());
}

TEST(DeadlineTimer, FiresInDeadlineOrder) {
  DeadlineTimer timer;
  absl::Mutex mutex;
  std::vector<int> fired;
  absl::Notification done;
  auto record = [&](int n) {
    return [&, n] {
      absl::MutexLock lock(&mutex);
      fired.push_back(n);
      if (fired.size() == 3) done.Notify();
    };
  };
  // Far enough apart that the time between the three calls cannot reorder
  // them.
  timer.After(absl::Milliseconds(600), record(3));
  timer.After(absl::Milliseconds(200), record(1));
  timer.After(absl::Milliseconds(400), record(2));
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(30)));
  absl::MutexLock lock(&mutex);
  EXPECT_THAT(fired, ::testing::ElementsAre(1, 2, 3));
  EXPECT_EQ(timer.PendingForTest(), 0u);
}

TEST(DeadlineTimer, ACancelledCallbackNeverRuns) {
  DeadlineTimer timer;
  std::atomic<int> cancelled_runs{0};
  absl::Notification later;
  DeadlineTimer::Handle handle =
      timer.After(absl::Milliseconds(30), [&] { cancelled_runs++; });
  timer.Cancel(handle);
  timer.After(absl::Milliseconds(100), [&] { later.Notify(); });
  ASSERT_TRUE(later.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_EQ(cancelled_runs.load(), 0);
}

TEST(DeadlineTimer, DestructionDropsWhatIsPending) {
  std::atomic<int> runs{0};
  {
    DeadlineTimer timer;
    timer.After(absl::Hours(1), [&] { runs++; });
    EXPECT_EQ(timer.PendingForTest(), 1u);
  }
  EXPECT_EQ(runs.load(), 0);
}

// A store that holds every Submit back until Release(), then passes them on.
class HeldStore : public core::ClaimStore {
 public:
  explicit HeldStore(core::ClaimStore* store) : store_(store) {}

  void Submit(core::Mutation mutation, core::MutationCallback done) override {
    absl::MutexLock lock(&mutex_);
    held_.emplace_back(std::move(mutation), std::move(done));
  }
  void Release() {
    std::vector<std::pair<core::Mutation, core::MutationCallback>> held;
    {
      absl::MutexLock lock(&mutex_);
      held.swap(held_);
    }
    for (auto& [mutation, done] : held) {
      store_->Submit(std::move(mutation), std::move(done));
    }
  }
  size_t HeldCount() {
    absl::MutexLock lock(&mutex_);
    return held_.size();
  }

  absl::StatusOr<core::Claim> Get(const std::string& id) override {
    return store_->Get(id);
  }
  std::string StoreId() override { return store_->StoreId(); }
  absl::StatusOr<core::ClaimPage> List(
      const core::ListClaimsQuery& query) override {
    return store_->List(query);
  }
  absl::StatusOr<core::EventPage> ListEvents(
      const core::ListEventsQuery& query) override {
    return store_->ListEvents(query);
  }
  absl::StatusOr<core::Snapshot> ReadSnapshot(
      const core::Filter& filter) override {
    return store_->ReadSnapshot(filter);
  }
  int64_t CurrentRevision() override { return store_->CurrentRevision(); }
  int64_t CompactRevision() override { return store_->CompactRevision(); }
  absl::Status Compact(int64_t revision) override {
    return store_->Compact(revision);
  }
  void Close() override { store_->Close(); }

 private:
  core::ClaimStore* const store_;
  absl::Mutex mutex_;
  std::vector<std::pair<core::Mutation, core::MutationCallback>> held_
      ABSL_GUARDED_BY(mutex_);
};

// Lets held writes through every few milliseconds while it lives.
class ReleasePump {
 public:
  explicit ReleasePump(HeldStore* store)
      : thread_([this, store] {
          while (!stop_.load()) {
            store->Release();
            absl::SleepFor(absl::Milliseconds(5));
          }
        }) {}
  ~ReleasePump() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class UnaryDeadlineServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store::DataDirLock lock,
                         store::LockDataDir(dir_.path()));
    lock_.emplace(std::move(lock));
    ASSERT_OK_AND_ASSIGN(store_,
                         store::SqliteClaimStore::Open(
                             store::DatabasePath(dir_.path()),
                             store::SqliteStoreOptions{.observer = &hub_}));
    held_ = std::make_unique<HeldStore>(store_.get());
    ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.unary_deadlines = {.default_deadline = absl::Milliseconds(300),
                               .max_deadline = absl::Milliseconds(600)};
    ASSERT_OK_AND_ASSIGN(server_,
                         ClaimServer::Start(options, held_.get(), &hub_));
    stub_ = claims::v1::ClaimService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                            grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (held_ != nullptr) held_->Release();
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(2));
    server_.reset();
    if (store_ != nullptr) store_->Close();
  }

  claims::v1::CreateClaimRequest Request(const std::string& id) {
    claims::v1::CreateClaimRequest request;
    request.set_claim_id(id);
    request.set_request_id(absl::StrCat("create-", id));
    request.mutable_claim()->set_statement("The bridge was closed at dawn");
    return request;
  }

  grpc::Status Create(const claims::v1::CreateClaimRequest& request,
                      absl::Duration client_deadline) {
    grpc::ClientContext context;
    if (client_deadline != absl::InfiniteDuration()) {
      context.set_deadline(absl::ToChronoTime(absl::Now() + client_deadline));
    }
    claims::v1::Claim response;
    return stub_->CreateClaim(&context, request, &response);
  }

  testing::TempDir dir_;
  core::WatchHub hub_{core::WatchHubOptions{}};
  std::optional<store::DataDirLock> lock_;
  std::unique_ptr<store::SqliteClaimStore> store_;
  std::unique_ptr<HeldStore> held_;
  std::unique_ptr<ClaimServer> server_;
  std::unique_ptr<claims::v1::ClaimService::Stub> stub_;
};

TEST_F(UnaryDeadlineServerTest, AWriteWithoutADeadlineGetsTheServersDefault) {
  const absl::Time start = absl::Now();
  grpc::Status status = Create(Request("held"), absl::InfiniteDuration());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_THAT(status.error_message(), HasSubstr("request_id"));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
  EXPECT_EQ(held_->HeldCount(), 1u);

  // The write was only late: once the store goes on it commits, once, and the
  // retry with its request_id reports it.
  held_->Release();
  for (int i = 0; i < 500 && store_->CurrentRevision() == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(store_->CurrentRevision(), 1);
  ReleasePump pump(held_.get());
  EXPECT_TRUE(Create(Request("held"), absl::Seconds(10)).ok());
  EXPECT_EQ(store_->CurrentRevision(), 1);
}

TEST_F(UnaryDeadlineServerTest, ALongClientDeadlineIsCappedByTheMaximum) {
  const absl::Time start = absl::Now();
  grpc::Status status = Create(Request("capped"), absl::Hours(1));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(600));
  EXPECT_LT(absl::Now() - start, absl::Seconds(60));
}

TEST_F(UnaryDeadlineServerTest, AWriteThatCommitsInTimeIsAnsweredNormally) {
  ReleasePump pump(held_.get());
  grpc::Status status = Create(Request("quick"), absl::InfiniteDuration());
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(store_->CurrentRevision(), 1);
}

}  // namespace
}  // namespace claimd::api
