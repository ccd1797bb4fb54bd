// The history the reliability checker judges: what clients asked and were
// told (writes), what each watch stream received (joined across its
// resumptions), and what the store holds after recovery. Plain values, filled
// by recorders (grpc_history.h) or by hand in the checker's own tests.
//
// Every write carries a `tag` that the workload also stores in the claim (the
// statement of a create, the evidence source of a status update), so an event
// in the log can be traced back to the request that made it. Retries of one
// request share its tag and request_id.
//
// Thread-safety: plain structs; HistoryLog is safe to add to from any thread.
#ifndef CLAIMD_TESTS_RELIABILITY_HISTORY_H_
#define CLAIMD_TESTS_RELIABILITY_HISTORY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace claimd::reliability {

// What a client can conclude from the answer to a write.
enum class Outcome {
  kOk,       // acknowledged at `revision`: must survive anything
  kFailed,   // a definite error (rejected): must never become visible
  kUnknown,  // no answer or a transient error: may or may not have applied
};

struct WriteOp {
  std::string tag;
  std::string claim_id;
  std::string request_id;         // empty: none
  int64_t expected_revision = 0;  // > 0: compare-and-set on that revision
  Outcome outcome = Outcome::kUnknown;
  int64_t revision = 0;  // kOk: the revision the server reported
  std::string error;     // the error message, when not kOk
};

// One event: as the store keeps it after recovery, or as a watcher got it.
struct EventRecord {
  int64_t revision = 0;
  std::string claim_id;
  std::string tag;
};

struct WatchResponse {
  std::vector<EventRecord> events;
  int64_t revision = 0;  // the response's revision (progress)
};

// One WatchClaims call.
struct WatchSegment {
  int64_t start_revision = 0;
  std::vector<WatchResponse> responses;
  bool ended = false;
  int code = 0;  // grpc::StatusCode when ended
  // The start_revision the server's end status told the client to resume at
  // (claimd writes "start_revision=N" into UNAVAILABLE); 0: none given.
  int64_t resume_revision = 0;
  std::string message;  // the end status's message (for failure reports)
};

// One logical watcher: its calls in order.
struct WatchStream {
  std::string name;
  std::string claim_prefix;  // watches claims whose id starts with this
  std::vector<WatchSegment> segments;
};

struct RecoveredLog {
  std::vector<EventRecord> events;  // every event the store kept
  int64_t compact_revision = 0;     // events at or below were trimmed
  int64_t revision = 0;             // the store's current revision
};

// Collects writes from many client threads.
class HistoryLog {
 public:
  void Add(WriteOp op) {
    absl::MutexLock lock(&mutex_);
    writes_.push_back(std::move(op));
  }
  std::vector<WriteOp> writes() const {
    absl::MutexLock lock(&mutex_);
    return writes_;
  }

 private:
  mutable absl::Mutex mutex_;
  std::vector<WriteOp> writes_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace claimd::reliability

#endif  // CLAIMD_TESTS_RELIABILITY_HISTORY_H_
