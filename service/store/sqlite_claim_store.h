// SqliteClaimStore: the ClaimStore backed by one SQLite database file (WAL
// mode).
//
//   ASSIGN_OR_RETURN(auto store,
//                    SqliteClaimStore::Open(DatabasePath(dir), {}));
//   store->Submit(std::move(mutation), std::move(done));
//
// Writes: Submit queues; one writer thread takes everything queued (up to
// max_batch) and commits it in one transaction (group commit: one fsync for the
// batch). Each mutation runs inside its own SAVEPOINT, so one mutation's
// failure leaves the others of the batch intact. After the commit the writer
// calls the observer's OnCommit with the batch's events, then each mutation's
// callback in submission order. If the transaction cannot be begun or
// committed, every mutation of the batch fails with UNAVAILABLE and nothing of
// it is visible. Compact runs on the writer thread too, between batches.
// With background_checkpoints (the default) the WAL is checkpointed by a
// thread of its own (sqlite_checkpointer.h): commits do not wait for pages to
// be copied into the database file, except that past kWalRestartFrames the
// writer waits for one short pass so that the WAL can start over.
//
// Reads use a small pool of separate read-only connections (never the
// writer's), each read in one read transaction, so the rows and the revision
// they report agree.
//
// Thread-safety: every public method may be called from any thread. Callbacks
// and the observer run on the writer thread with no store lock held; they must
// not call Close or destroy the store. Lock order: close_mutex_ before
// queue_mutex_ or readers_mutex_; queue_mutex_ and readers_mutex_ are never
// held together.
#ifndef CLAIMD_SERVICE_STORE_SQLITE_CLAIM_STORE_H_
#define CLAIMD_SERVICE_STORE_SQLITE_CLAIM_STORE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "service/core/claim_store.h"
#include "service/core/metrics.h"
#include "service/store/sqlite_checkpointer.h"
#include "service/store/sqlite_db.h"
#include "service/store/sqlite_metrics.h"
#include "service/store/sqlite_rows.h"

namespace claimd::store {

struct SqliteStoreOptions {
  // Not owned; must outlive the store.
  core::CommitObserver* observer = nullptr;
  // Not owned; must outlive the store. nullptr: nothing is recorded.
  core::Metrics* metrics = nullptr;
  // Not owned; must outlive the store. nullptr: nothing is recorded. The WAL
  // and checkpoint series, which only this backend has.
  SqliteMetrics* sqlite_metrics = nullptr;
  // Mutations per transaction, at most.
  int max_batch = 512;
  std::function<absl::Time()> clock = &absl::Now;
  // true: synchronous=FULL, a committed write survives power loss. false:
  // NORMAL, survives a crash of the process but not of the machine.
  bool durable = true;
  // Page cache of the writer's connection, in MiB (SQLite cache_size). The
  // writer reads the pages of every claim it updates and of the indexes it
  // inserts into; SQLite's default 2 MiB means a page read (a system call and
  // a copy) for most updates once the store outgrows it. Pages are cached as
  // they are read: an idle or small store uses less.
  int writer_cache_mib = 64;
  // true: WAL checkpoints run on a thread and connection of their own
  // (sqlite_checkpointer.h); false: SQLite's automatic checkpoints, run by the
  // committing writer.
  bool background_checkpoints = true;
  // How long SQLite waits for another connection's lock before failing BUSY.
  absl::Duration busy_timeout = absl::Seconds(5);
  // Read connections kept open between reads.
  int max_idle_readers = 8;
  // Name of a registered sqlite3_vfs every connection uses; empty: SQLite's
  // default. For tests that inject I/O faults and power loss
  // (tests/reliability/fault_vfs.h); claimd never sets it.
  std::string vfs;
};

class SqliteClaimStore final : public core::ClaimStore {
 public:
  // Opens (creating when missing) the database at `db_path`, migrates its
  // schema, calls observer->OnOpen(current revision) (and
  // metrics->OnStoreOpened, after counting the claims per status) and starts
  // the writer thread. Errors: FAILED_PRECONDITION (not a claimd database,
  // schema newer than this binary, cannot open the file), INVALID_ARGUMENT
  // (options), UNAVAILABLE, INTERNAL (corrupt).
  static absl::StatusOr<std::unique_ptr<SqliteClaimStore>> Open(
      const std::string& db_path, SqliteStoreOptions options);
  ~SqliteClaimStore() override;
  SqliteClaimStore(const SqliteClaimStore&) = delete;
  SqliteClaimStore& operator=(const SqliteClaimStore&) = delete;

  // After Close, `done` runs at once on the calling thread with UNAVAILABLE.
  void Submit(core::Mutation mutation, core::MutationCallback done) override;
  // Reads fail with UNAVAILABLE "store is closed" after Close.
  absl::StatusOr<core::Claim> Get(const std::string& claim_id) override;
  absl::StatusOr<core::ClaimPage> List(
      const core::ListClaimsQuery& query) override;
  absl::StatusOr<core::EventPage> ListEvents(
      const core::ListEventsQuery& query) override;
  absl::StatusOr<core::Snapshot> ReadSnapshot(
      const core::Filter& filter) override;
  int64_t CurrentRevision() override {
    return revision_.load(std::memory_order_acquire);
  }
  int64_t CompactRevision() override {
    return compact_revision_.load(std::memory_order_acquire);
  }
  // Read (or created) at Open (sqlite_store_id.h); only a restore changes it.
  std::string StoreId() override { return store_id_; }
  // Blocks until the writer thread has run it. Errors: INVALID_ARGUMENT,
  // UNAVAILABLE.
  absl::Status Compact(int64_t revision) override;
  void Close() override;

  // See core::ClaimStore; the probe runs on the writer thread
  // (sqlite_health.cc).
  absl::Status Health() override;
  absl::Status ProbeHealth() override;

  // Transactions committed by the writer (batches and compactions), for tests
  // and metrics.
  int64_t commits() const { return commits_.load(std::memory_order_relaxed); }

 private:
  // Writer work: a mutation, or, when `job` is set, a job that runs alone on
  // the writer thread (a compaction, a health probe) and reports its status
  // to `job_done`.
  struct Task {
    core::Mutation mutation;
    core::MutationCallback done;
    absl::AnyInvocable<absl::Status() &&> job;
    absl::AnyInvocable<void(absl::Status) &&> job_done;
  };
  struct BatchState;
  class ReaderLease;

  SqliteClaimStore(std::string path, SqliteStoreOptions options,
                   std::unique_ptr<internal::Connection> writer,
                   int64_t revision, int64_t compact_revision);

  // Writer thread (sqlite_writer.cc).
  void WriterLoop();
  bool HasWorkOrClosedLocked() const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mutex_);
  void CommitBatch(std::vector<Task>& batch);
  absl::Status WriteBatch(
      std::vector<Task>& batch,
      std::vector<absl::StatusOr<core::MutationResult>>& results,
      std::vector<core::ClaimEventPtr>& events);
  absl::StatusOr<core::MutationResult> WriteMutation(
      const core::Mutation& mutation, BatchState& state);
  // Queues `job` for the writer thread and waits for its status
  // (UNAVAILABLE once the store is closed).
  absl::Status RunOnWriter(absl::AnyInvocable<absl::Status() &&> job);
  absl::Status CompactNow(int64_t revision);
  absl::Status ProbeNow();
  void SetHealth(absl::Status status);
  // After a successful commit: remembers the claims its events left.
  void RememberClaims(const std::vector<core::ClaimEventPtr>& events);
  // Between tasks: wakes the checkpointer, or waits for it when the WAL has
  // grown past kWalRestartFrames.
  void MaybeCheckpoint();

  // Read connections (sqlite_reads.cc).
  absl::StatusOr<ReaderLease> AcquireReader();
  void ReleaseReader(std::unique_ptr<internal::Connection> connection);

  const std::string path_;
  const SqliteStoreOptions options_;
  // Set by Open before the store is shared; never changed after.
  std::string store_id_;
  // Used only by the writer thread (and by Open/Close while that thread is not
  // running).
  std::unique_ptr<internal::Connection> writer_;
  // Encodes every mutation's rows, reusing its buffers. Writer thread only.
  internal::EventRowWriter row_writer_;
  // Claims as the last committed event left them (shared with the watch
  // window), so an update of a recently written claim skips reading and
  // decoding its row. Changed only after a successful commit; emptied when it
  // would pass kRecentClaims entries or 4 x writer_cache_mib of claims
  // (core::ApproximateBytes: claims near the size limits take megabytes
  // each). Writer thread only.
  static constexpr size_t kRecentClaims = 16384;
  struct RecentClaim {
    core::ClaimEventPtr event;
    size_t bytes = 0;
  };
  absl::flat_hash_map<std::string, RecentClaim> recent_claims_;
  size_t recent_claims_bytes_ = 0;
  std::thread writer_thread_;
  // Background checkpoints (null when off). After every commit that leaves
  // kCheckpointFrames or more in the WAL (SQLite's own threshold) the writer
  // wakes the checkpointer, whose passes run back to back under load, each
  // serving every wake before it. Beyond kWalRestartFrames (16 MiB of 4 KiB
  // pages) the writer waits for one pass, so that its next commit starts the
  // WAL over; if a reader still holds old frames it waits again only every
  // kCheckpointStepFrames. (Waking every 500 frames instead of every commit
  // was measured: half as many database syncs, but a longer wait at each start
  // over, a 1.8x worse p99 at full speed, and a 26 MiB WAL peak under the
  // contention test instead of 6.)
  static constexpr int kCheckpointFrames = 1000;
  static constexpr int kCheckpointStepFrames = 500;
  static constexpr int kWalRestartFrames = 4000;
  std::unique_ptr<internal::Checkpointer> checkpointer_;
  // Frames in the WAL after the writer's last commit; set by SQLite's WAL hook
  // during the commit. Writer thread only.
  int wal_frames_ = 0;
  // wal_frames_ when the writer last waited for a pass; 0 after the WAL
  // started over. Writer thread only.
  int checkpoint_waited_at_ = 0;

  absl::Mutex close_mutex_;  // serializes Close

  absl::Mutex queue_mutex_;
  std::deque<Task> queue_ ABSL_GUARDED_BY(queue_mutex_);
  bool closed_ ABSL_GUARDED_BY(queue_mutex_) = false;

  absl::Mutex readers_mutex_;
  std::vector<std::unique_ptr<internal::Connection>> idle_readers_
      ABSL_GUARDED_BY(readers_mutex_);
  int leased_readers_ ABSL_GUARDED_BY(readers_mutex_) = 0;
  bool readers_closed_ ABSL_GUARDED_BY(readers_mutex_) = false;

  // Written by the writer thread after each commit; read anywhere.
  std::atomic<int64_t> revision_;
  std::atomic<int64_t> compact_revision_;
  std::atomic<int64_t> commits_{0};

  absl::Mutex health_mutex_;
  absl::Status health_ ABSL_GUARDED_BY(health_mutex_);
};

}  // namespace claimd::store

#endif  // CLAIMD_SERVICE_STORE_SQLITE_CLAIM_STORE_H_
