// TopFeed's threads: the watch stream's updates reach the UI thread through
// Drain in order; Restart drops the old stream's updates and watches the new
// filter; history reads run one at a time; the destructor stops everything.
#include "client/top/top_feed.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

// Replays `responses`, then blocks until cancelled.
class BlockingStream : public WatchStream {
 public:
  explicit BlockingStream(std::vector<v1::WatchClaimsResponse> responses)
      : responses_(std::move(responses)) {}
  bool Read(v1::WatchClaimsResponse* response) override {
    if (next_ < responses_.size()) {
      *response = responses_[next_++];
      return true;
    }
    cancelled_.WaitForNotification();
    return false;
  }
  absl::Status Finish() override { return absl::CancelledError("cancelled"); }
  void Cancel() override {
    if (!cancelled_.HasBeenNotified()) cancelled_.Notify();
  }

 private:
  std::vector<v1::WatchClaimsResponse> responses_;
  size_t next_ = 0;
  absl::Notification cancelled_;
};

v1::WatchClaimsResponse Snapshot(const std::string& id, int64_t revision) {
  v1::WatchClaimsResponse response;
  response.set_revision(revision);
  response.set_snapshot_complete(true);
  v1::ClaimEvent* event = response.add_events();
  event->set_type(v1::EVENT_TYPE_SNAPSHOT);
  event->set_revision(revision);
  event->mutable_claim()->set_name("claims/" + id);
  event->mutable_claim()->set_revision(revision);
  return response;
}

// Drains until `done` holds for what arrived so far (at most 10 s).
std::vector<TopUpdate> DrainUntil(
    TopFeed& feed,
    const std::function<bool(const std::vector<TopUpdate>&)>& done) {
  std::vector<TopUpdate> all;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!done(all) && absl::Now() < deadline) {
    for (TopUpdate& update : feed.Drain()) all.push_back(std::move(update));
    absl::SleepFor(absl::Milliseconds(5));
  }
  return all;
}

template <typename T>
size_t CountOf(const std::vector<TopUpdate>& updates) {
  size_t count = 0;
  for (const TopUpdate& update : updates) {
    count += std::holds_alternative<T>(update) ? 1 : 0;
  }
  return count;
}

TEST(TopFeed, DeliversTheSnapshotThenRestartsWithTheNewFilter) {
  absl::Mutex mu;
  std::vector<v1::WatchClaimsRequest> requests;
  auto opener = [&](const v1::WatchClaimsRequest& request)
      -> std::unique_ptr<WatchStream> {
    absl::MutexLock lock(&mu);
    requests.push_back(request);
    return std::make_unique<BlockingStream>(
        std::vector<v1::WatchClaimsResponse>{
            Snapshot(request.filter().empty() ? "all" : "filtered", 7)});
  };
  TopFeed feed(
      opener,
      [](const std::string&) {
        return absl::StatusOr<std::vector<v1::ClaimEvent>>();
      },
      {}, "");
  std::vector<TopUpdate> updates = DrainUntil(
      feed, [](const auto& u) { return CountOf<TopProgress>(u) > 0; });
  ASSERT_GE(updates.size(), 3u);
  ASSERT_TRUE(std::holds_alternative<TopEvent>(updates[0]));
  EXPECT_EQ(std::get<TopEvent>(updates[0]).event.claim().name(), "claims/all");
  EXPECT_EQ(std::get<TopSnapshotDone>(updates[1]).revision, 7);
  EXPECT_EQ(std::get<TopProgress>(updates[2]).revision, 7);

  feed.Restart("status = DENIED");
  updates = DrainUntil(
      feed, [](const auto& u) { return CountOf<TopSnapshotDone>(u) > 0; });
  ASSERT_FALSE(updates.empty());
  ASSERT_TRUE(std::holds_alternative<TopEvent>(updates[0]));
  EXPECT_EQ(std::get<TopEvent>(updates[0]).event.claim().name(),
            "claims/filtered");
  EXPECT_EQ(CountOf<TopEnded>(updates), 0u)
      << "the old stream's end is dropped";
  absl::MutexLock lock(&mu);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].filter(), "status = DENIED");
  EXPECT_TRUE(requests[1].initial_snapshot());
}

TEST(TopFeed, HistoryReadsRunOneAtATime) {
  absl::Notification release;
  TopFeed feed(
      [](const v1::WatchClaimsRequest&) -> std::unique_ptr<WatchStream> {
        return std::make_unique<BlockingStream>(
            std::vector<v1::WatchClaimsResponse>{});
      },
      [&release](const std::string& name)
          -> absl::StatusOr<std::vector<v1::ClaimEvent>> {
        release.WaitForNotification();
        if (name == "claims/missing") return absl::NotFoundError("no");
        return std::vector<v1::ClaimEvent>(2);
      },
      {}, "");
  EXPECT_TRUE(feed.FetchHistory("claims/a"));
  EXPECT_FALSE(feed.FetchHistory("claims/b")) << "the first is still running";
  release.Notify();
  std::vector<TopUpdate> updates = DrainUntil(
      feed, [](const auto& u) { return CountOf<TopHistory>(u) > 0; });
  ASSERT_EQ(CountOf<TopHistory>(updates), 1u);
  for (TopUpdate& update : updates) {
    if (auto* history = std::get_if<TopHistory>(&update)) {
      EXPECT_EQ(history->name, "claims/a");
      ASSERT_TRUE(history->events.ok());
      EXPECT_EQ(history->events->size(), 2u);
    }
  }
  EXPECT_TRUE(feed.FetchHistory("claims/missing"));
  updates = DrainUntil(
      feed, [](const auto& u) { return CountOf<TopHistory>(u) > 0; });
  ASSERT_EQ(CountOf<TopHistory>(updates), 1u);
}

}  // namespace
}  // namespace claimd::client
