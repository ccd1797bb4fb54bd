// WatcherQuota: bounds the open WatchClaims streams, in total and per identity,
// so one caller cannot hold all of the server's watch capacity.
//
//   absl::StatusOr<WatcherQuota::Lease> lease = quota.Acquire("alice");
//   if (!lease.ok()) return lease.status();  // RESOURCE_EXHAUSTED
//   ...  // the stream runs; destroying the lease frees its slot
//
// A limit of 0 means unlimited. Thread-safety: all methods may be called
// concurrently; a Lease may be destroyed on any thread, before the quota.
#ifndef CLAIMD_SERVICE_AUTH_WATCHER_QUOTA_H_
#define CLAIMD_SERVICE_AUTH_WATCHER_QUOTA_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace claimd::auth {

class WatcherQuota {
 public:
  class LeaseSlot;
  // Holds one slot until destroyed.
  using Lease = std::unique_ptr<LeaseSlot>;

  WatcherQuota(int64_t max_total, int64_t max_per_identity)
      : max_total_(max_total), max_per_identity_(max_per_identity) {}
  WatcherQuota(const WatcherQuota&) = delete;
  WatcherQuota& operator=(const WatcherQuota&) = delete;

  // Errors: RESOURCE_EXHAUSTED saying which limit was reached.
  absl::StatusOr<Lease> Acquire(absl::string_view identity);

  int64_t total();

  class LeaseSlot {
   public:
    ~LeaseSlot() { quota_->Release(identity_); }
    LeaseSlot(const LeaseSlot&) = delete;
    LeaseSlot& operator=(const LeaseSlot&) = delete;

   private:
    friend class WatcherQuota;
    LeaseSlot(WatcherQuota* quota, std::string identity)
        : quota_(quota), identity_(std::move(identity)) {}
    WatcherQuota* const quota_;
    const std::string identity_;
  };

 private:
  void Release(const std::string& identity);

  const int64_t max_total_;
  const int64_t max_per_identity_;
  absl::Mutex mutex_;
  int64_t total_ ABSL_GUARDED_BY(mutex_) = 0;
  absl::flat_hash_map<std::string, int64_t> per_identity_
      ABSL_GUARDED_BY(mutex_);
};

}  // namespace claimd::auth

#endif  // CLAIMD_SERVICE_AUTH_WATCHER_QUOTA_H_
