// CoalescedRead: rounds of callers sharing one fetch (see coalesced_read.h).
#include "service/etcd_store/coalesced_read.h"

#include <utility>

namespace claimd::etcd_store {

absl::StatusOr<int64_t> CoalescedRead::Read(
    absl::FunctionRef<absl::StatusOr<int64_t>()> fetch) {
  mutex_.Lock();
  if (next_ == nullptr) next_ = std::make_shared<Round>();
  const std::shared_ptr<Round> round = next_;
  // Wait until our round is answered, or until it may start: no fetch in
  // flight (one that started before we came cannot answer us).
  struct Ready {
    const CoalescedRead* self;
    const Round* round;
    bool operator()() const ABSL_NO_THREAD_SAFETY_ANALYSIS {
      // Await evaluates this with mutex_ held.
      return round->done || (!self->fetching_ && self->next_.get() == round);
    }
  };
  const Ready ready{this, round.get()};
  ++waiting_;
  mutex_.Await(absl::Condition(&ready));
  --waiting_;
  if (round->done) {
    absl::StatusOr<int64_t> result = round->result;
    mutex_.Unlock();
    return result;
  }
  // This caller starts the round: later callers join a new one.
  next_ = nullptr;
  fetching_ = true;
  ++fetches_;
  mutex_.Unlock();
  absl::StatusOr<int64_t> result = fetch();
  mutex_.Lock();
  round->result = result;
  round->done = true;
  fetching_ = false;
  mutex_.Unlock();
  return result;
}

int64_t CoalescedRead::fetches() const {
  absl::MutexLock lock(&mutex_);
  return fetches_;
}

int CoalescedRead::waiting() const {
  absl::MutexLock lock(&mutex_);
  return waiting_;
}

}  // namespace claimd::etcd_store
