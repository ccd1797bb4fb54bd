#include "service/auth/watcher_quota.h"

#include "absl/strings/str_cat.h"

namespace claimd::auth {

absl::StatusOr<WatcherQuota::Lease> WatcherQuota::Acquire(
    absl::string_view identity) {
  absl::MutexLock lock(&mutex_);
  if (max_total_ > 0 && total_ >= max_total_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the server has ", total_,
                     " watch streams open, its limit (--max_watchers); retry "
                     "later"));
  }
  int64_t& mine = per_identity_[identity];
  if (max_per_identity_ > 0 && mine >= max_per_identity_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("this caller has ", mine,
                     " watch streams open, its limit "
                     "(--max_watchers_per_identity); close one first"));
  }
  ++mine;
  ++total_;
  return Lease(new LeaseSlot(this, std::string(identity)));
}

void WatcherQuota::Release(const std::string& identity) {
  absl::MutexLock lock(&mutex_);
  --total_;
  auto it = per_identity_.find(identity);
  if (--it->second == 0) per_identity_.erase(it);
}

int64_t WatcherQuota::total() {
  absl::MutexLock lock(&mutex_);
  return total_;
}

}  // namespace claimd::auth
