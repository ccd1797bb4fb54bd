#include "client/top/top_feed.h"

#include <utility>

#include "absl/time/clock.h"

namespace claimd::client {

namespace v1 = ::claims::v1;

TopFeed::TopFeed(WatchFollower::StreamOpener opener, HistoryReader history,
                 WatchFollowerOptions options, const std::string& filter)
    : opener_(std::move(opener)),
      history_(std::move(history)),
      options_(std::move(options)) {
  StartWatch(filter);
}

TopFeed::~TopFeed() {
  StopWatch();
  if (history_thread_.joinable()) history_thread_.join();
}

void TopFeed::StartWatch(const std::string& filter) {
  follower_ = std::make_unique<WatchFollower>(opener_, options_);
  v1::WatchClaimsRequest request;
  request.set_filter(filter);
  request.set_initial_snapshot(true);
  watch_thread_ = std::thread([this, request, follower = follower_.get()] {
    WatchFollower::Callbacks callbacks;
    callbacks.on_event = [this](const v1::ClaimEvent& event) {
      Post(TopEvent{event});
    };
    callbacks.on_left_filter = [this](const v1::ClaimEvent& event) {
      Post(TopLeftFilter{event});
    };
    callbacks.on_progress = [this](int64_t revision) {
      Post(TopProgress{revision});
    };
    callbacks.on_snapshot_complete = [this](int64_t revision) {
      Post(TopSnapshotDone{revision});
    };
    callbacks.on_reconnect = [this](const absl::Status& cause,
                                    int64_t from_revision, absl::Duration delay,
                                    bool /*was_connected*/) {
      Post(TopReconnecting{cause, from_revision, absl::Now() + delay});
    };
    callbacks.on_reset = [this](const absl::Status& cause) {
      Post(TopStoreReset{cause});
    };
    absl::Status status = follower->Run(request, callbacks);
    Post(TopEnded{std::move(status)});
  });
}

void TopFeed::StopWatch() {
  follower_->Stop();
  watch_thread_.join();
}

void TopFeed::Restart(const std::string& filter) {
  StopWatch();
  {
    // The old stream's updates would mix into the new table; a history
    // result is still wanted.
    absl::MutexLock lock(&mu_);
    std::vector<TopUpdate> kept;
    for (TopUpdate& update : inbox_) {
      if (std::holds_alternative<TopHistory>(update)) {
        kept.push_back(std::move(update));
      }
    }
    inbox_.swap(kept);
  }
  StartWatch(filter);
}

void TopFeed::Post(TopUpdate update) {
  absl::MutexLock lock(&mu_);
  inbox_.push_back(std::move(update));
}

std::vector<TopUpdate> TopFeed::Drain() {
  std::vector<TopUpdate> updates;
  absl::MutexLock lock(&mu_);
  updates.swap(inbox_);
  return updates;
}

bool TopFeed::FetchHistory(const std::string& name) {
  {
    absl::MutexLock lock(&mu_);
    if (history_running_) return false;
    history_running_ = true;
  }
  // The previous thread has posted its result and is ending: joining it is
  // immediate.
  if (history_thread_.joinable()) history_thread_.join();
  history_thread_ = std::thread([this, name] {
    TopHistory result{name, history_(name)};
    absl::MutexLock lock(&mu_);
    inbox_.push_back(std::move(result));
    history_running_ = false;
  });
  return true;
}

}  // namespace claimd::client
