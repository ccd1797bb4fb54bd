// EtcdClaimStore: the ClaimStore over an etcd v3 cluster, so that any number of
// claimd replicas serve the same claims (docs/DESIGN.md, "The etcd backend").
//
//   ASSIGN_OR_RETURN(auto store, EtcdClaimStore::Open(options));
//
// Writes: Submit queues; one writer thread per replica takes what is queued
// and commits it as ONE etcd Txn that compares claimd's revision counter
// (meta/revision) with the value this replica last saw and writes the
// counter, the events and the claims together (group commit, within etcd's
// 128 operations and 1.5 MiB per request). A replica that loses the race to
// another replica waits until its watch has brought it up to the winner's
// revision, applies the batch again and retries: revisions stay dense and
// global without a leader. The rules are core::ApplyMutation, as in SQLite.
// The writer does not wait for the watch between its own Txns: it builds the
// next batch on its state plus its own commits the watch has not applied yet
// (the overlay; a commit by anyone else fails the next Txn's compare), and a
// completer thread answers each batch once the watch has applied it.
//
// State: every replica keeps the claims in memory, fed by ONE etcd watch on
// its prefix, in revision order, its own commits included; the same watch
// feeds the CommitObserver (the WatchHub), and a writer runs its callbacks
// only after the watch has delivered its commit. Reads (Get, List,
// ReadSnapshot) first read the counter from etcd (a linearizable read, one
// round trip) and wait until the watch has applied that revision, so they
// reflect every write acknowledged anywhere before they began. History
// (ListEvents) is read from etcd.
//
// Thread-safety: every public method may be called from any thread. The
// observer runs on the watch thread, callbacks on the completer thread (or the
// writer's, for a batch that failed), with no store lock held. Lock order:
// every mutex is a leaf, held alone and never across an etcd call or a
// callback: state_mutex_ (the watch thread applying commits, reads, and the
// writer's BuildBatch copying what it builds on), queue_mutex_ (WriterLoop
// releases it before committing), completion_mutex_, health_mutex_,
// watch_context_mutex_, CoalescedRead's, close_mutex_ (Close only; it takes
// the others one at a time under it).
#ifndef CLAIMD_SERVICE_ETCD_STORE_ETCD_CLAIM_STORE_H_
#define CLAIMD_SERVICE_ETCD_STORE_ETCD_CLAIM_STORE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/numeric/int128.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/types/span.h"
#include "service/core/claim_store.h"
#include "service/core/metrics.h"
#include "service/etcd_store/coalesced_read.h"
#include "service/etcd_store/etcd_client.h"
#include "service/etcd_store/etcd_keys.h"
#include "service/etcd_store/etcd_metrics.h"
#include "service/etcd_store/revision_waiter.h"
#include "service/util/stop_signal.h"

namespace grpc {
class ClientContext;
}

namespace claimd::etcd_store {

struct EtcdStoreOptions {
  EtcdConnectOptions connect;
  // Every key this store writes starts with it; deployments sharing a cluster
  // use different prefixes. Must end with '/'.
  std::string prefix = "/claimd/";
  core::CommitObserver* observer = nullptr;  // not owned; outlives the store
  core::Metrics* metrics = nullptr;          // not owned; may be null
  // This backend's own series (lost races, the watch, etcd reads); not
  // owned; null: nothing is recorded.
  EtcdMetrics* etcd_metrics = nullptr;
  std::function<absl::Time()> clock = &absl::Now;
  // etcd's own MVCC history is compacted every interval, to the etcd revision
  // seen one interval earlier (as the Kubernetes API server does), so it never
  // grows without bound; claimd's events are kept as its own keys.
  absl::Duration etcd_compaction_interval = absl::Minutes(5);
  // The TTL of a replica's claim on the deletion pass over trimmed history
  // (meta/compacting): how long a replica that dies mid-pass holds the
  // others off. The running pass renews it every third of it.
  absl::Duration compacting_lease = absl::Seconds(60);
  // How often an idle replica checks that it still reaches an etcd quorum.
  absl::Duration health_interval = absl::Seconds(1);
  // How long one check may take (at most the request timeout) before the
  // replica reports NOT_SERVING: 2 s, as the Kubernetes API server's
  // --etcd-healthcheck-timeout. A one-key linearizable read that a healthy
  // cluster cannot answer in 2 s means the replica cannot serve either.
  absl::Duration health_timeout = absl::Seconds(2);
  // etcd's --max-txn-ops and --max-request-bytes (its defaults); a batch stays
  // within both.
  int max_txn_ops = 128;
  size_t max_request_bytes = size_t{3} << 19;  // 1.5 MiB
};

class EtcdClaimStore final : public core::ClaimStore {
 public:
  // Connects, creates the counter and the store id if this prefix is new,
  // loads the claims, calls observer->OnOpen(revision) and starts the watch.
  // Errors: INVALID_ARGUMENT (options), UNAVAILABLE (no quorum within the
  // request timeout), INTERNAL (the prefix holds something else).
  static absl::StatusOr<std::unique_ptr<EtcdClaimStore>> Open(
      EtcdStoreOptions options);
  ~EtcdClaimStore() override;
  EtcdClaimStore(const EtcdClaimStore&) = delete;
  EtcdClaimStore& operator=(const EtcdClaimStore&) = delete;

  void Submit(core::Mutation mutation, core::MutationCallback done) override;
  // Reads fail UNAVAILABLE when etcd cannot confirm the current revision (no
  // quorum) or after Close.
  absl::StatusOr<core::Claim> Get(const std::string& claim_id) override;
  absl::StatusOr<core::ClaimPage> List(
      const core::ListClaimsQuery& query) override;
  absl::StatusOr<core::EventPage> ListEvents(
      const core::ListEventsQuery& query) override;
  absl::StatusOr<core::Snapshot> ReadSnapshot(
      const core::Filter& filter) override;
  // The highest claimd revision this replica knows to be committed in etcd
  // (its own applied state, or a counter value read from etcd since): never
  // below a revision this replica handed out or served.
  int64_t CurrentRevision() override;
  int64_t CompactRevision() override;
  absl::Status Compact(int64_t revision) override;
  void Close() override;
  absl::Status Health() override;
  absl::Status ProbeHealth() override;

  // The store's identity (meta/store_id), created once with the prefix.
  std::string StoreId() override { return store_id_; }

  // The revision the watch has applied to this replica's state (tests).
  int64_t AppliedRevision();

  // Compacts etcd's MVCC history to `etcd_revision`, unless a replica of this
  // prefix did so at or after etcd revision `since` (its marker key's mod
  // revision): N replicas ticking once per interval compact once. Returns
  // whether this call compacted. The maintenance thread calls it every
  // etcd_compaction_interval with `since` = etcd_revision = the revision it
  // saw one interval earlier. Errors: UNAVAILABLE.
  absl::StatusOr<bool> CompactEtcdHistory(int64_t etcd_revision, int64_t since);

  // Work this replica did for compaction (tests, metrics): deletion passes
  // over claimd's history, keys they deleted, etcd Compact calls.
  struct CompactionWork {
    int64_t passes = 0;
    int64_t keys_deleted = 0;
    int64_t etcd_compactions = 0;
  };
  CompactionWork compaction_work() const;

 private:
  struct Task {
    core::Mutation mutation;
    core::MutationCallback done;
    absl::Time now = absl::InfinitePast();  // fixed at the first attempt
    // A create too large for one Txn: its evidence, written beforehand under
    // a lease (etcd_writer.cc), attached by the commit. Only a create that
    // applies on the writer's state is staged (not one refused or replayed).
    std::vector<std::string> staged_chunks;
  };
  // A live claim in memory and the chunk keys holding its evidence.
  struct LiveClaim {
    core::Claim claim;
    std::vector<std::string> chunk_keys;
  };
  using LivePtr = std::shared_ptr<const LiveClaim>;
  struct RequestEntry {
    int64_t revision = 0;
    uint64_t fingerprint = 0;
  };
  // The state's request_ids are kept by RequestKey: 32 bytes an entry instead
  // of the string's (a 128-byte request_id took about 0.45 KiB), since with
  // --history_retention=0 every request_id ever used stays in every replica.
  using RequestMap = absl::flat_hash_map<absl::uint128, RequestEntry>;
  // The first 128 bits of the request_id's SHA-256: a client cannot make two
  // request_ids share an entry (and the fingerprint is still compared).
  static absl::uint128 RequestKey(absl::string_view request_id);
  // What LoadState read, all at one etcd revision.
  struct Loaded {
    std::map<std::string, LivePtr> claims;
    RequestMap requests;
    int64_t revision = 0;  // claimd's counter
    int64_t compact = 0;
    int64_t etcd_revision = 0;
  };
  struct Batch;
  // A batch the writer has decided (committed, or failed or replayed on a
  // state it confirmed): its tasks are answered once the watch has applied
  // `wait_for`, so the observer always sees a commit before its callback.
  struct Completion {
    int64_t wait_for = 0;
    absl::Duration started;       // monotonic, for the commit's duration
    absl::Duration committed_at;  // monotonic, for the watch lag
    std::vector<Task> tasks;
    std::vector<std::optional<absl::StatusOr<core::MutationResult>>> results;
    std::vector<int64_t> replays;
    std::vector<core::ClaimEventPtr> events;
  };
  // One of this replica's own commits the watch may not have applied yet: the
  // claim after it (`event`, a deletion when its type is kDeleted) and the
  // chunk keys of its evidence.
  struct OwnWrite {
    int64_t revision = 0;
    core::ClaimEventPtr event;
    std::vector<std::string> chunk_keys;
  };

  EtcdClaimStore(EtcdStoreOptions options, std::unique_ptr<EtcdClient> client);

  // Open and resync (etcd_claim_store.cc).
  absl::Status InitializePrefix();
  absl::StatusOr<Loaded> LoadState();
  // Hands the loaded state's revision and claims per status to
  // options_.metrics, at open and when Resync replaces the state (the events
  // it then replays are in the counts already).
  void ReportLoaded(const Loaded& loaded);
  void InstallLoaded(Loaded loaded);

  // Writer (etcd_writer.cc).
  void WriterLoop();
  bool HasWorkOrClosedLocked() const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mutex_);
  void CommitBatch(std::vector<Task>& tasks);
  // Copies the state it builds on under state_mutex_, then applies and
  // encodes the mutations with no lock held.
  absl::Status BuildBatch(std::vector<Task>& tasks, Batch& batch)
      ABSL_LOCKS_EXCLUDED(state_mutex_);
  // One commit Txn, reported to EtcdMetrics::OnTxn: true committed, false
  // lost the race to another replica. An attempt that fails or hangs is sent
  // again until `deadline` (on the monotonic clock); after that the outcome
  // is unknown (UNAVAILABLE).
  absl::StatusOr<bool> TryCommit(Batch& batch, absl::Duration deadline);
  absl::StatusOr<bool> SendTxn(Batch& batch, absl::Duration deadline);
  // Whether the event at the batch's first revision is the batch's own (by
  // its batch_id); nullopt when there is none yet.
  absl::StatusOr<std::optional<bool>> IsOurCommit(const Batch& batch,
                                                  absl::Duration timeout);
  // Records a committed batch in the overlay and hands it to the completer.
  void RememberOwnCommit(const Batch& batch);
  void ForgetAppliedOwnWrites(int64_t applied);
  void Complete(Completion completion);
  void CompleterLoop();
  bool HasCompletionOrClosedLocked() const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(completion_mutex_);
  bool HasCompletionRoomLocked() const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(completion_mutex_);
  absl::StatusOr<core::MutationResult> ReplayOf(int64_t revision);
  // Writes a create's evidence in chunks under a lease, for BuildBatch to
  // attach; called only once BuildBatch found the create applies (its
  // request_id new, its claim absent). Errors: UNAVAILABLE.
  absl::Status StageEvidence(Task& task);

  // Watch (etcd_watch.cc).
  void WatchLoop();
  absl::Status WatchOnce(int64_t& next_etcd_revision);
  absl::Status ApplyRevision(const std::vector<const mvccpb::Event*>& changes,
                             std::vector<core::ClaimEventPtr>& events);
  absl::Status Resync(int64_t& next_etcd_revision);

  // Reads (etcd_reads.cc).
  // Reads the counter linearizably and waits until the watch applied it.
  absl::StatusOr<int64_t> CatchUp();
  // Waits until the watch applied `revision`, at most `timeout` on the
  // monotonic clock. Errors: UNAVAILABLE (timed out, or closed). A watch that
  // delivers nothing for kWatchStallTimeout while a caller waits for a
  // revision etcd has committed is restarted (RestartStalledWatch).
  absl::Status WaitApplied(int64_t revision, absl::Duration timeout);
  // Ends the watch's stream, which WatchLoop then opens again (on the next
  // member round_robin picks), if it has delivered nothing for
  // kWatchStallTimeout: a member that hangs (stopped, its disk stuck) keeps
  // its connection up but sends nothing, and etcd's own leader check cannot
  // run on it to end the watch.
  void RestartStalledWatch();
  absl::StatusOr<core::EventPage> ReadEvents(const core::ListEventsQuery& query,
                                             bool wait_applied);
  // The state of claims/`id` created at `create_revision`: the live claim,
  // or its tombstone's final state with only the evidence recorded at or
  // before `up_to` (what events up to that revision show). Errors:
  // OUT_OF_RANGE when it was trimmed; etcd's.
  absl::StatusOr<core::Claim> Incarnation(const std::string& id,
                                          int64_t create_revision,
                                          int64_t up_to);
  // The evidence in `header`'s chunks recorded at or before `up_to`, read by
  // their keys (ReadChunkKeys).
  absl::StatusOr<core::EvidenceList> ReadChunks(const std::string& id,
                                                const pb::ClaimHeader& header,
                                                int64_t up_to);
  // The chunks stored under `keys` (nullopt: absent), at etcd revision
  // `at_revision` (0: the latest), read in Txns of at most 64 Ranges: by key,
  // never by a range over v/, which also holds the evidence of every deleted
  // incarnation history still keeps. Errors: etcd's; INTERNAL for a value
  // that is not a chunk.
  absl::StatusOr<std::vector<std::optional<pb::EvidenceChunk>>> ReadChunkKeys(
      absl::Span<const std::string* const> keys, int64_t at_revision);
  void NoteCounter(int64_t revision);
  // What this replica knows etcd has committed (known_revision_, applied_):
  // a floor for etcd's counter in any read sent after this call.
  int64_t CommittedFloor();
  // Every read of etcd's counter ends here: `counter`, read by a request sent
  // after `floor` was taken (CommittedFloor; a read's answer may be older
  // than what the watch has applied by the time it arrives), is noted
  // (NoteCounter) unless it is behind the floor: then the store in etcd went
  // back (restored from a backup under running replicas, or the key written
  // by hand). That is sticky (rolled_back_): health fails, and QuorumGate
  // refuses every write and read, definitely not applied, until the replica
  // is restarted and loads what etcd now holds. Without it the writer lost
  // every compare and sent its Txn again at once, for ever, while reads
  // served claims etcd no longer held.
  absl::Status NoteCounterRead(int64_t counter, int64_t floor);

  // Maintenance thread: health probes, etcd MVCC compaction.
  void MaintenanceLoop();
  void SetHealth(absl::Status status);
  absl::Status ClosedError() const;

  const EtcdStoreOptions options_;
  EtcdMetrics& etcd_metrics_;  // options_.etcd_metrics, or NoEtcdMetrics()
  const Keys keys_;
  std::unique_ptr<EtcdClient> client_;
  std::string store_id_;

  absl::Mutex state_mutex_;
  std::map<std::string, LivePtr> claims_ ABSL_GUARDED_BY(state_mutex_);
  RequestMap requests_ ABSL_GUARDED_BY(state_mutex_);
  // The revision claims_ and requests_ reflect (reads report it), and the
  // revision the observer has been given (writers and CatchUp wait for it);
  // state_revision_ >= applied_.
  int64_t state_revision_ ABSL_GUARDED_BY(state_mutex_) = 0;
  int64_t applied_ ABSL_GUARDED_BY(state_mutex_) = 0;
  int64_t compact_ ABSL_GUARDED_BY(state_mutex_) = 0;
  bool closed_ ABSL_GUARDED_BY(state_mutex_) = false;
  // applied_ (published under state_mutex_, whenever it moves) and closed_,
  // for WaitApplied: waits on the monotonic clock, which neither absl's
  // CondVar nor Mutex::Await offer in Abseil 20220623 (and timed Await on
  // one Mutex by several threads aborted here: "Mutex corrupt: waiting
  // writer with no waiters"). Its mutex is a leaf below state_mutex_.
  RevisionWaiter applied_waiter_;
  std::atomic<int64_t> compaction_passes_{0};
  std::atomic<int64_t> compaction_keys_deleted_{0};
  std::atomic<int64_t> etcd_compactions_{0};
  // The deletion pass of Compact (once per revision across replicas).
  absl::Status DeleteCompactedHistory(int64_t revision);
  // The highest counter value known committed (>= applied_).
  std::atomic<int64_t> known_revision_{0};

  absl::Mutex queue_mutex_;
  std::deque<Task> queue_ ABSL_GUARDED_BY(queue_mutex_);
  bool queue_closed_ ABSL_GUARDED_BY(queue_mutex_) = false;

  // The writer thread's own: the last revision it committed, and the claims
  // and request_ids its commits above the state's revision changed (lookups
  // by id, plus the order they were written in, to forget them once applied).
  int64_t own_tip_ = 0;
  absl::flat_hash_map<std::string, OwnWrite> own_claims_;
  absl::flat_hash_map<std::string, RequestEntry> own_requests_;
  std::deque<std::pair<int64_t, std::string>> own_claims_order_;
  std::deque<std::pair<int64_t, std::string>> own_requests_order_;

  // Decided batches waiting for the watch, answered in order by the
  // completer thread. At most kMaxPendingCompletions (etcd_writer.cc) wait,
  // so a stalled watch holds up the writer instead of growing the overlay.
  absl::Mutex completion_mutex_;
  std::deque<Completion> completions_ ABSL_GUARDED_BY(completion_mutex_);
  size_t completions_unanswered_ ABSL_GUARDED_BY(completion_mutex_) = 0;
  bool completions_closed_ ABSL_GUARDED_BY(completion_mutex_) = false;

  // Concurrent reads share one linearizable read of the counter.
  CoalescedRead counter_reads_;

  absl::Mutex health_mutex_;
  absl::Status health_ ABSL_GUARDED_BY(health_mutex_);
  // The watch's own verdict, kept apart from health_, which every probe that
  // reaches a quorum sets OK: a watch that keeps failing while etcd answers
  // (a resync that cannot finish, a refused watch) leaves the replica unable
  // to serve reads or deliver, so Health() reports it until a stream works.
  absl::Status watch_failure_ ABSL_GUARDED_BY(health_mutex_);
  // Set once by NoteCounterRead; never cleared.
  absl::Status rolled_back_ ABSL_GUARDED_BY(health_mutex_);
  void SetWatchFailure(absl::Status status);
  // When a probe or a commit last reached an etcd quorum (monotonic clock, in
  // nanoseconds). Health fails at once; QuorumGate refuses new writes and
  // reads only once the quorum has been gone for kQuorumLossToRefuse, longer
  // than an etcd election takes (writes ride those out), instead of letting
  // each wait out twice the request timeout.
  std::atomic<int64_t> quorum_reached_at_ns_{0};
  static constexpr absl::Duration kQuorumLossToRefuse = absl::Seconds(5);
  void NoteQuorumReached();
  // OK, or UNAVAILABLE while the quorum is gone: then one linearizable read
  // (shared by concurrent callers, within kQuorumCheckBudget) checks whether
  // it is back, so a replica serves again as soon as etcd does rather than at
  // its next health probe. For a write the refusal says this attempt was not
  // applied, and that an earlier one with the same request_id may have been.
  absl::Status QuorumGate(bool write);
  static constexpr absl::Duration kQuorumCheckBudget = absl::Seconds(1);
  CoalescedRead quorum_checks_;

  // The etcd revision the watch starts from after open.
  int64_t watch_start_ = 0;
  absl::Mutex watch_context_mutex_;
  grpc::ClientContext* watch_context_ ABSL_GUARDED_BY(watch_context_mutex_) =
      nullptr;
  static constexpr absl::Duration kWatchStallTimeout = absl::Seconds(1);
  // When the watch's stream last started or delivered (monotonic clock).
  absl::Duration watch_progress_at_ ABSL_GUARDED_BY(watch_context_mutex_);
  // When etcd accepted the current stream (InfiniteDuration: none is up).
  absl::Duration watch_accepted_at_ ABSL_GUARDED_BY(watch_context_mutex_) =
      absl::InfiniteDuration();
  // Clears the watch's failure once its stream has been up for a while
  // (called by the maintenance loop: a healthy stream may deliver nothing).
  void NoteWatchWorking();
  // The watch's stream was ended by RestartStalledWatch: WatchLoop reopens it
  // at once and leaves health alone.
  bool watch_restart_requested_ ABSL_GUARDED_BY(watch_context_mutex_) = false;
  // Set by Close; the watch and maintenance threads sleep on it (on the
  // monotonic clock: a clock step neither stretches nor cuts their waits).
  util::StopSignal stop_;
  bool Stopping();
  // Sleeps up to `duration`; returns true when Close was called.
  bool SleepUnlessStopping(absl::Duration duration);
  absl::Mutex close_mutex_;
  std::thread writer_thread_;
  std::thread completer_thread_;
  std::thread watch_thread_;
  std::thread maintenance_thread_;
};

}  // namespace claimd::etcd_store

#endif  // CLAIMD_SERVICE_ETCD_STORE_ETCD_CLAIM_STORE_H_
