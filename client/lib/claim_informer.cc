#include "claimd/client/claim_informer.h"

#include <utility>

#include "google/protobuf/util/message_differencer.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

WatchFollowerOptions InformerWatchOptions(WatchFollowerOptions options) {
  options.resnapshot_on_reset = true;
  options.resnapshot_on_out_of_range = true;
  return options;
}

// One change to report once the cache has taken it.
struct Change {
  enum class Kind { kAdd, kUpdate, kDelete } kind;
  v1::Claim before;
  v1::Claim after;
};

}  // namespace

ClaimInformer::ClaimInformer(WatchFollower::StreamOpener opener,
                             ClaimInformerOptions options, Handlers handlers)
    : options_(std::move(options)),
      handlers_(std::move(handlers)),
      follower_(std::move(opener), InformerWatchOptions(options_.watch)) {}

absl::Status ClaimInformer::Run() {
  v1::WatchClaimsRequest request;
  request.set_filter(options_.filter);
  request.set_initial_snapshot(true);
  incoming_.clear();
  WatchFollower::Callbacks callbacks;
  callbacks.on_event = [this](const v1::ClaimEvent& event) {
    OnEvent(event, /*left_filter=*/false);
  };
  callbacks.on_left_filter = [this](const v1::ClaimEvent& event) {
    OnEvent(event, /*left_filter=*/true);
  };
  callbacks.on_snapshot_complete = [this](int64_t revision) {
    OnSnapshotComplete(revision);
  };
  callbacks.on_progress = [this](int64_t revision) { OnProgress(revision); };
  callbacks.on_reset = [this](const absl::Status& cause) {
    incoming_.clear();
    if (handlers_.on_resync) handlers_.on_resync(cause);
  };
  callbacks.on_reconnect = [this](const absl::Status& cause, int64_t,
                                  absl::Duration delay, bool) {
    if (handlers_.on_disconnect) handlers_.on_disconnect(cause, delay);
  };
  return follower_.Run(request, callbacks);
}

void ClaimInformer::Stop() { follower_.Stop(); }

void ClaimInformer::OnEvent(const v1::ClaimEvent& event, bool left_filter) {
  const std::string& name = event.claim().name();
  if (event.type() == v1::EVENT_TYPE_SNAPSHOT) {
    incoming_[name] = event.claim();
    return;
  }
  Change change{Change::Kind::kAdd, {}, {}};
  {
    absl::MutexLock lock(&mu_);
    revision_ = event.revision();
    auto it = cache_.find(name);
    if (left_filter || event.type() == v1::EVENT_TYPE_DELETED) {
      if (it == cache_.end()) return;
      // A claim that left the filter is reported as it is now; a deleted one
      // as it was last cached.
      change.kind = Change::Kind::kDelete;
      if (left_filter) {
        change.before = event.claim();
      } else {
        change.before = std::move(it->second);
      }
      cache_.erase(it);
    } else if (it == cache_.end()) {
      change = {Change::Kind::kAdd, {}, event.claim()};
      cache_.emplace(name, event.claim());
    } else {
      change = {Change::Kind::kUpdate, it->second, event.claim()};
      it->second = event.claim();
    }
  }
  switch (change.kind) {
    case Change::Kind::kAdd:
      if (handlers_.on_add) handlers_.on_add(change.after);
      break;
    case Change::Kind::kUpdate:
      if (handlers_.on_update) handlers_.on_update(change.before, change.after);
      break;
    case Change::Kind::kDelete:
      if (handlers_.on_delete) handlers_.on_delete(change.before);
      break;
  }
}

void ClaimInformer::OnSnapshotComplete(int64_t revision) {
  std::vector<Change> changes;
  {
    absl::MutexLock lock(&mu_);
    // The difference between what the handlers have seen and the snapshot.
    for (auto& [name, claim] : incoming_) {
      auto it = cache_.find(name);
      if (it == cache_.end()) {
        changes.push_back({Change::Kind::kAdd, {}, claim});
      } else if (!google::protobuf::util::MessageDifferencer::Equals(it->second,
                                                                     claim)) {
        changes.push_back({Change::Kind::kUpdate, it->second, claim});
      }
    }
    for (auto& [name, claim] : cache_) {
      if (!incoming_.contains(name)) {
        changes.push_back({Change::Kind::kDelete, claim, {}});
      }
    }
    cache_.swap(incoming_);
    incoming_.clear();
    synced_ = true;
    revision_ = revision;
    store_id_ = follower_.store_id();
  }
  for (const Change& change : changes) {
    switch (change.kind) {
      case Change::Kind::kAdd:
        if (handlers_.on_add) handlers_.on_add(change.after);
        break;
      case Change::Kind::kUpdate:
        if (handlers_.on_update) {
          handlers_.on_update(change.before, change.after);
        }
        break;
      case Change::Kind::kDelete:
        if (handlers_.on_delete) handlers_.on_delete(change.before);
        break;
    }
  }
}

void ClaimInformer::OnProgress(int64_t revision) {
  {
    absl::MutexLock lock(&mu_);
    if (!synced_) return;
    revision_ = revision;
    store_id_ = follower_.store_id();
  }
  if (handlers_.on_synced) handlers_.on_synced(revision);
}

bool ClaimInformer::HasSynced() const {
  absl::MutexLock lock(&mu_);
  return synced_;
}

int64_t ClaimInformer::synced_revision() const {
  absl::MutexLock lock(&mu_);
  return synced_ ? revision_ : 0;
}

std::string ClaimInformer::store_id() const {
  absl::MutexLock lock(&mu_);
  return store_id_;
}

bool ClaimInformer::WaitForSync(absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&synced_), timeout);
}

std::optional<v1::Claim> ClaimInformer::Get(const std::string& name) const {
  absl::MutexLock lock(&mu_);
  auto it = cache_.find(name);
  if (it == cache_.end()) return std::nullopt;
  return it->second;
}

std::vector<v1::Claim> ClaimInformer::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<v1::Claim> claims;
  claims.reserve(cache_.size());
  for (const auto& [name, claim] : cache_) claims.push_back(claim);
  return claims;
}

}  // namespace claimd::client
