// SqliteMetrics: what only the SQLite backend can report (its write-ahead log
// and the background checkpoints that keep it short), in plain C++ so that the
// store depends on no metrics library. core::Metrics carries what every
// backend reports (commits, revision, claims per status); a backend's own
// series live with the backend, so that core knows nothing SQLite-specific.
// Every hook has an empty default; service/metrics/ implements it with
// prometheus-cpp for claimd.
//
//   SqliteStoreOptions{.metrics = &metrics, .sqlite_metrics = &sqlite, ...}
//
// Thread-safety: implementations must accept calls from any thread at once
// (the writer thread and the checkpointer thread); hooks run on the commit
// path and must not block.
#ifndef CLAIMD_SERVICE_STORE_SQLITE_METRICS_H_
#define CLAIMD_SERVICE_STORE_SQLITE_METRICS_H_

#include "absl/time/time.h"

namespace claimd::store {

class SqliteMetrics {
 public:
  virtual ~SqliteMetrics() = default;

  // With background checkpoints only: after each commit, the frames (pages)
  // in the write-ahead log (writer thread); after each checkpoint pass, its
  // duration and whether it failed (checkpointer thread).
  virtual void OnWalFrames(int frames) {}
  virtual void OnCheckpoint(absl::Duration duration, bool ok) {}
};

}  // namespace claimd::store

#endif  // CLAIMD_SERVICE_STORE_SQLITE_METRICS_H_
