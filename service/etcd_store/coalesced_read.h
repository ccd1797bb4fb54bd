// CoalescedRead: lets concurrent callers share one linearizable read (the etcd
// store's read of its revision counter), as etcd's own read index serves every
// read that arrived before one round with that round's answer.
//
//   CoalescedRead reads;
//   absl::StatusOr<int64_t> counter = reads.Read([&] { return ReadCounter(); });
//
// The guarantee a linearizable read needs: the answer a caller gets comes from
// a fetch that STARTED after the caller called Read, so it reflects every
// write acknowledged before. Callers that arrive while a fetch is in flight
// join the next round, which one of them starts when the current one ends;
// so N concurrent readers cost about two fetches, not N.
//
// Thread-safety: Read may be called from any number of threads at once. The
// fetch runs with no lock held; its mutex is a leaf.
#ifndef CLAIMD_SERVICE_ETCD_STORE_COALESCED_READ_H_
#define CLAIMD_SERVICE_ETCD_STORE_COALESCED_READ_H_

#include <cstdint>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace claimd::etcd_store {

class CoalescedRead {
 public:
  CoalescedRead() = default;
  CoalescedRead(const CoalescedRead&) = delete;
  CoalescedRead& operator=(const CoalescedRead&) = delete;

  // Returns the result of a `fetch` started after this call began: this
  // caller's own, or one run by another caller of the same round.
  absl::StatusOr<int64_t> Read(
      absl::FunctionRef<absl::StatusOr<int64_t>()> fetch)
      ABSL_LOCKS_EXCLUDED(mutex_);

  // Fetches run so far, and callers waiting for another's fetch now (tests:
  // how many reads shared one).
  int64_t fetches() const ABSL_LOCKS_EXCLUDED(mutex_);
  int waiting() const ABSL_LOCKS_EXCLUDED(mutex_);

 private:
  struct Round {
    bool done = false;
    absl::StatusOr<int64_t> result;
  };

  mutable absl::Mutex mutex_;
  // The round new callers join; nobody has started its fetch yet.
  std::shared_ptr<Round> next_ ABSL_GUARDED_BY(mutex_);
  bool fetching_ ABSL_GUARDED_BY(mutex_) = false;
  int64_t fetches_ ABSL_GUARDED_BY(mutex_) = 0;
  int waiting_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace claimd::etcd_store

#endif  // CLAIMD_SERVICE_ETCD_STORE_COALESCED_READ_H_
