// History recording straight against a core::ClaimStore (no gRPC), for the
// in-process fault tests: a small write workload whose every request is
// traceable in the log (history.h's tags), and the recovered log read back.
//
//   StoreWorkload workload(store, history, "w1", /*shared_claims=*/3);
//   for (int i = 0; i < 100; ++i) workload.Step(i);
//   ASSERT_OK_AND_ASSIGN(RecoveredLog log, ReadStoreLog(store));
//
// Thread-safety: one StoreWorkload per thread; they may share the store and
// the HistoryLog.
#ifndef CLAIMD_TESTS_RELIABILITY_STORE_HISTORY_H_
#define CLAIMD_TESTS_RELIABILITY_STORE_HISTORY_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "service/core/claim.h"
#include "service/core/claim_store.h"
#include "service/core/mutation.h"
#include "tests/reliability/history.h"

namespace claimd::reliability {

// The tag of the request that made `event`: the source of the claim's newest
// evidence, else its statement (see history.h).
EventRecord ToRecord(const core::ClaimEvent& event);

// OK -> kOk; UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, UNKNOWN, INTERNAL ->
// kUnknown (the request may have applied); any other error -> kFailed.
Outcome Classify(absl::StatusCode code);

// A create of `claim_id` whose statement and request_id are `tag`.
// `id_generated`: the id counts as made up by the server (not part of the
// request's fingerprint).
core::Mutation TaggedCreate(const std::string& claim_id, const std::string& tag,
                            bool id_generated);

// Every event the store keeps, its compaction point and revision.
absl::StatusOr<RecoveredLog> ReadStoreLog(core::ClaimStore& store);

class StoreWorkload {
 public:
  // Claims are named `name`-N; `shared_claims` claims cas-0.. are updated
  // with compare-and-set by every workload that shares the store.
  StoreWorkload(core::ClaimStore& store, HistoryLog& history, std::string name,
                int shared_claims);

  // Request `step`: creates a claim, or (every third step) reads a shared
  // claim and updates it with expected_revision, recording the outcome.
  void Step(int step);
  // Creates a claim whose id the store makes up, as a server does when the
  // client names none: only the request_id keeps a retry from creating a
  // second claim.
  void CreateWithGeneratedId(int step);

 private:
  void Record(const std::string& tag, const std::string& claim_id,
              int64_t expected_revision,
              const absl::StatusOr<core::MutationResult>& result);

  core::ClaimStore& store_;
  HistoryLog& history_;
  const std::string name_;
  const int shared_claims_;
  int generated_ = 0;  // ids made up so far
};

}  // namespace claimd::reliability

#endif  // CLAIMD_TESTS_RELIABILITY_STORE_HISTORY_H_
