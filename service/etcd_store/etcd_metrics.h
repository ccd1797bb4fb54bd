// EtcdMetrics: what only the etcd backend can report, in plain C++ so that the
// store depends on no metrics library: commit Txns that lost the revision race
// to another replica or failed, the linearizable read claim reads start with,
// how far the watch trails this replica's own commits, watch restarts, and
// compaction work. core::Metrics carries what every backend reports
// (commits, revision, claims per status). Every hook has an empty default;
// service/metrics/ implements it with prometheus-cpp for claimd.
//
//   EtcdStoreOptions options;
//   options.etcd_metrics = &etcd_metrics;
//
// Thread-safety: implementations must accept calls from any thread at once
// (the writer, watch and maintenance threads, and every reader); hooks run on
// the commit and read paths and must not block.
#ifndef CLAIMD_SERVICE_ETCD_STORE_ETCD_METRICS_H_
#define CLAIMD_SERVICE_ETCD_STORE_ETCD_METRICS_H_

#include <cstdint>

#include "absl/time/time.h"

namespace claimd::etcd_store {

class EtcdMetrics {
 public:
  // What became of one commit Txn.
  enum class TxnResult {
    // etcd applied it (also when the call failed and a read found it applied).
    kCommitted,
    // Another replica committed that claimd revision first: this replica
    // waits for its watch to bring the winner's commit, and tries again.
    kLostRace,
    // The call failed and no read could settle it: the mutations fail
    // UNAVAILABLE "outcome unknown" (retry with the same request_id), or
    // INTERNAL for a reply claimd cannot read.
    kFailed,
  };

  virtual ~EtcdMetrics() = default;

  // Writer thread: every commit Txn, with how long etcd took to answer it.
  virtual void OnTxn(TxnResult result, absl::Duration duration) {}
  // Writer thread: a commit Txn sent again, after an attempt that failed or
  // got no answer within EtcdClient::kAttemptTimeout (a member or leader
  // that died or hangs) and a read that found it not committed.
  virtual void OnTxnResend() {}
  // Completer thread: for a commit of this replica, the time from its Txn's
  // success to this replica's watch applying it (its callers wait for that).
  virtual void OnWatchLag(absl::Duration lag) {}
  // Any reader thread: the linearizable read of claimd's revision counter
  // with which Get, List and snapshots start (one etcd round trip, before
  // waiting for the watch; concurrent reads share one, so this counts round
  // trips, not reads); `ok` false: etcd did not answer and the reads that
  // shared it fail UNAVAILABLE.
  virtual void OnLinearizableRead(absl::Duration duration, bool ok) {}
  // Watch thread: the watch applied claimd revision `revision` (this
  // replica's state now reflects it).
  virtual void OnWatchApplied(int64_t revision) {}
  // Watch thread: the watch stream ended and starts again; `resync`: etcd had
  // compacted past its position (or it broke a rule) and the whole state was
  // read again.
  virtual void OnWatchRestart(bool resync) {}
  // The compaction that trims claimd's history (Compact): a deletion pass
  // this replica ran, and the keys it deleted.
  virtual void OnCompactionPass() {}
  virtual void OnCompactedKeys(int64_t keys) {}
  // The maintenance thread compacted etcd's own MVCC history.
  virtual void OnEtcdCompaction() {}
};

// An EtcdMetrics that records nothing; lives for the whole program.
EtcdMetrics& NoEtcdMetrics();

}  // namespace claimd::etcd_store

#endif  // CLAIMD_SERVICE_ETCD_STORE_ETCD_METRICS_H_
