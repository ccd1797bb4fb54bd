// ClaimInformer: a local, always-current cache of claims for a service that
// consumes claimd, in the spirit of client-go's informers.
//
// One WatchClaims stream with an initial snapshot fills the cache, then keeps
// it current: every change arrives once, in revision order, and after a lost
// connection the watch resumes from the last revision on whichever replica
// the channel reaches (WatchFollower). When the server can no longer continue
// from there (the store was restored, so its store_id changed, or the history
// was trimmed), the informer takes a new snapshot, says so (on_resync) and
// reports the difference as adds, updates and deletes, so the handlers see
// the new state without a restart.
//
//   ClaimInformer informer(
//       [&](const auto& request) { return client.WatchClaims(request); },
//       {.filter = "labels.desk = world"},
//       {.on_update = [](const Claim& old, const Claim& now) { ... }});
//   std::thread thread([&] { informer.Run().IgnoreError(); });
//   informer.WaitForSync(absl::Seconds(10));
//   std::vector<Claim> claims = informer.List();
//   informer.Stop(); thread.join();
//
// With a filter, the server sends a change when the claim matches before or
// after it, and says when it no longer matches after: such a claim leaves the
// cache (on_delete, with its new state), as a deleted one does.
//
// Thread-safety: Run is called by one thread; its handlers run on that thread,
// one at a time, after the cache has taken the change (no lock is held while
// they run, so they may call Get and List). Get, List, HasSynced,
// synced_revision, WaitForSync and Stop may be called from any thread.
#ifndef CLAIMD_CLIENT_CLAIM_INFORMER_H_
#define CLAIMD_CLIENT_CLAIM_INFORMER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "claimd/client/watch_follower.h"
#include "claims/v1/claims.pb.h"

namespace claimd::client {

struct ClaimInformerOptions {
  // Only claims matching this filter (ListClaims syntax); "" for all.
  std::string filter;
  // Reconnect backoff and first-connection policy (resnapshot_* are set by
  // the informer: it always re-snapshots).
  WatchFollowerOptions watch;
};

class ClaimInformer {
 public:
  struct Handlers {
    // A claim entered the cache.
    std::function<void(const claims::v1::Claim& claim)> on_add;
    // A cached claim changed.
    std::function<void(const claims::v1::Claim& before,
                       const claims::v1::Claim& after)>
        on_update;
    // A claim left the cache (deleted, changed so that it no longer matches
    // the filter, or gone from a new snapshot); `last` is its last known
    // state.
    std::function<void(const claims::v1::Claim& last)> on_delete;
    // The cache reflects the store at `revision` (after every snapshot, and
    // after every later response: "synced at revision N").
    std::function<void(int64_t revision)> on_synced;
    // The store was restored or its history trimmed past where the cache was
    // (`cause` says which); a new snapshot follows.
    std::function<void(const absl::Status& cause)> on_resync;
    // The watch was lost; it reconnects after `delay`.
    std::function<void(const absl::Status& cause, absl::Duration delay)>
        on_disconnect;
  };

  ClaimInformer(WatchFollower::StreamOpener opener,
                ClaimInformerOptions options, Handlers handlers);

  ClaimInformer(const ClaimInformer&) = delete;
  ClaimInformer& operator=(const ClaimInformer&) = delete;

  // Runs until Stop (OK) or an error that a reconnect cannot cure (e.g.
  // INVALID_ARGUMENT for a bad filter, PERMISSION_DENIED).
  absl::Status Run();
  // Ends Run soon. Idempotent; any thread.
  void Stop();

  // Whether a snapshot has completed.
  bool HasSynced() const;
  // The revision the cache reflects; 0 before the first snapshot completed.
  int64_t synced_revision() const;
  // The store identity that revision belongs to ("" if the server sends none).
  std::string store_id() const;
  // Waits until HasSynced or `timeout`; returns HasSynced.
  bool WaitForSync(absl::Duration timeout) const;

  // One cached claim by name ("claims/abc"); nullopt when not cached.
  std::optional<claims::v1::Claim> Get(const std::string& name) const;
  // Every cached claim, in name order.
  std::vector<claims::v1::Claim> List() const;

 private:
  // `left_filter`: the claim no longer matches the filter after this change.
  void OnEvent(const claims::v1::ClaimEvent& event, bool left_filter);
  void OnSnapshotComplete(int64_t revision);
  void OnProgress(int64_t revision);

  const ClaimInformerOptions options_;
  const Handlers handlers_;
  WatchFollower follower_;

  // The snapshot being received (Run thread only): it replaces the cache when
  // complete, so readers never see half a snapshot.
  std::map<std::string, claims::v1::Claim> incoming_;

  mutable absl::Mutex mu_;
  std::map<std::string, claims::v1::Claim> cache_ ABSL_GUARDED_BY(mu_);
  bool synced_ ABSL_GUARDED_BY(mu_) = false;
  int64_t revision_ ABSL_GUARDED_BY(mu_) = 0;
  std::string store_id_ ABSL_GUARDED_BY(mu_);
};

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_CLAIM_INFORMER_H_
