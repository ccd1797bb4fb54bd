// SqliteClaimStore's writer thread: group commit of queued mutations, and
// compaction.
#include <memory>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "service/core/mutation.h"
#include "service/store/sqlite_claim_store.h"
#include "service/store/sqlite_rows.h"
#include "service/util/status_macros.h"

namespace claimd::store {
namespace {

// Cached statements are keyed by address: keep each SQL text in one named
// array.
constexpr char kBegin[] = "BEGIN IMMEDIATE";
constexpr char kCommit[] = "COMMIT";
constexpr char kRollback[] = "ROLLBACK";
constexpr char kSavepoint[] = "SAVEPOINT mutation";
constexpr char kRelease[] = "RELEASE mutation";
constexpr char kRollbackTo[] = "ROLLBACK TO mutation";
constexpr char kSelectRequest[] =
    "SELECT revision, fingerprint FROM requests WHERE request_id = ?1";
constexpr char kSelectEvent[] =
    "SELECT claim_id, record FROM events WHERE revision = ?1";
constexpr char kInsertRequest[] =
    "INSERT INTO requests (request_id, revision, fingerprint) VALUES (?1, ?2, "
    "?3)";
constexpr char kSetRevision[] =
    "UPDATE meta SET value = ?1 WHERE key = 'revision'";
constexpr char kSetCompactRevision[] =
    "UPDATE meta SET value = ?1 WHERE key = 'compact_revision'";
constexpr char kDeleteEvents[] = "DELETE FROM events WHERE revision <= ?1";
constexpr char kDeleteRequests[] = "DELETE FROM requests WHERE revision <= ?1";
// A deleted claim's head and evidence go once no event mentions them.
constexpr char kDeleteRetiredEvidence[] =
    "DELETE FROM evidence WHERE create_revision IN (SELECT create_revision FROM"
    " retired_claims WHERE delete_revision <= ?1)";
constexpr char kDeleteRetired[] =
    "DELETE FROM retired_claims WHERE delete_revision <= ?1";

absl::Status Run(internal::Connection& db, const char* sql) {
  ASSIGN_OR_RETURN(internal::CachedStatement statement, db.Cached(sql));
  return statement->Run();
}

absl::Status RunWithInt64(internal::Connection& db, const char* sql,
                          int64_t value) {
  ASSIGN_OR_RETURN(internal::CachedStatement statement, db.Cached(sql));
  statement->BindInt64(1, value);
  return statement->Run();
}

// Ends a failed transaction; SQLite may already have rolled it back by itself.
void RollbackIfOpen(internal::Connection& db) {
  if (db.InTransaction()) Run(db, kRollback).IgnoreError();
}

// The result a request_id recorded at `revision`, for a retry of that request.
absl::StatusOr<core::MutationResult> Replay(internal::Connection& db,
                                            const core::Mutation& mutation,
                                            int64_t revision) {
  ASSIGN_OR_RETURN(internal::CachedStatement select, db.Cached(kSelectEvent));
  select->BindInt64(1, revision);
  ASSIGN_OR_RETURN(const bool found, select->Step());
  if (found) {
    internal::EventAssembler assembler(db);
    ASSIGN_OR_RETURN(
        core::ClaimEventPtr event,
        assembler.Assemble(select->ColumnText(0), select->ColumnBlob(1)));
    return core::MutationResult{std::move(event), true};
  }
  // Compaction removes a request_id together with its event, so this means the
  // rows were tampered with. The request did apply: answer OK with what is
  // known (revision and claim id, type UNSPECIFIED) rather than failing a retry
  // that should succeed.
  core::ClaimEvent event;
  event.revision = revision;
  event.claim.id = mutation.claim_id();
  return core::MutationResult{
      std::make_shared<const core::ClaimEvent>(std::move(event)), true};
}

// Writes the rows of one applied mutation: what the event changed, and its
// request_id.
absl::Status WriteRows(internal::Connection& db, internal::EventRowWriter& rows,
                       const core::ClaimEvent& event,
                       const core::Mutation& mutation, uint64_t fingerprint) {
  RETURN_IF_ERROR(rows.Write(db, event));
  if (!mutation.request_id.empty()) {
    ASSIGN_OR_RETURN(internal::CachedStatement insert,
                     db.Cached(kInsertRequest));
    insert->BindText(1, mutation.request_id);
    insert->BindInt64(2, event.revision);
    insert->BindInt64(3, static_cast<int64_t>(fingerprint));  // bit-for-bit
    RETURN_IF_ERROR(insert->Run());
  }
  return absl::OkStatus();
}

}  // namespace

// What a batch changed so far, so that later mutations of the same batch see
// it.
struct SqliteClaimStore::BatchState {
  struct Applied {
    uint64_t fingerprint;
    core::ClaimEventPtr event;
  };
  int64_t next_revision = 0;
  // Claims written by this batch: the event that last wrote each (its claim is
  // the current state), or nullptr when the batch deleted the claim. Sharing
  // the event saves copying whole claims, evidence and all.
  absl::flat_hash_map<std::string, core::ClaimEventPtr> claims;
  // request_ids applied by this batch (a retry can race its first attempt).
  absl::flat_hash_map<std::string, Applied> requests;
  std::vector<core::ClaimEventPtr>* events = nullptr;
};

bool SqliteClaimStore::HasWorkOrClosedLocked() const {
  return !queue_.empty() || closed_;
}

void SqliteClaimStore::WriterLoop() {
  for (;;) {
    std::vector<Task> batch;
    {
      absl::MutexLock lock(&queue_mutex_);
      queue_mutex_.Await(
          absl::Condition(this, &SqliteClaimStore::HasWorkOrClosedLocked));
      if (queue_.empty()) return;  // closed and drained
      // A job runs alone; mutations go together up to max_batch, in order.
      if (queue_.front().job) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      } else {
        while (!queue_.empty() && !queue_.front().job &&
               static_cast<int>(batch.size()) < options_.max_batch) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
    }
    if (batch.front().job) {
      absl::Status status = std::move(batch.front().job)();
      std::move(batch.front().job_done)(std::move(status));
    } else {
      CommitBatch(batch);
    }
    MaybeCheckpoint();
  }
}

void SqliteClaimStore::MaybeCheckpoint() {
  if (checkpointer_ == nullptr) return;
  if (options_.sqlite_metrics != nullptr)
    options_.sqlite_metrics->OnWalFrames(wal_frames_);
  if (wal_frames_ < checkpoint_waited_at_) checkpoint_waited_at_ = 0;
  if (wal_frames_ < kCheckpointFrames) return;
  if (wal_frames_ < kWalRestartFrames ||
      wal_frames_ - checkpoint_waited_at_ < kCheckpointStepFrames) {
    checkpointer_->Wake();
    return;
  }
  // The passes so far copied all but the last few commits; this one copies
  // the rest, and the next commit starts the WAL over (unless a reader still
  // uses old frames: then the WAL grows until it is done, as with SQLite's own
  // checkpoints).
  checkpoint_waited_at_ = wal_frames_;
  checkpointer_->RunPassAndWait();
}

void SqliteClaimStore::CommitBatch(std::vector<Task>& batch) {
  std::vector<absl::StatusOr<core::MutationResult>> results;
  results.reserve(batch.size());
  std::vector<core::ClaimEventPtr> events;
  const absl::Time started = absl::Now();
  const absl::Status status = WriteBatch(batch, results, events);
  if (status.ok()) {
    if (options_.metrics != nullptr) {
      options_.metrics->OnCommit(absl::Now() - started, batch.size());
      if (!events.empty()) options_.metrics->OnEventsApplied(events);
    }
    if (!events.empty())
      revision_.store(events.back()->revision, std::memory_order_release);
    commits_.fetch_add(1, std::memory_order_relaxed);
    SetHealth(absl::OkStatus());
    RememberClaims(events);
    if (options_.observer != nullptr && !events.empty())
      options_.observer->OnCommit(events);
  } else {
    // Nothing of the batch is visible: every mutation fails, including the ones
    // that would have succeeded, and the revision stays where it was. Yet a
    // COMMIT whose fsync failed has its frames in the WAL: if claimd crashes
    // before the next commit overwrites them, recovery may bring them back
    // (tests/reliability/power_loss_test.cc). Hence "retry with the same
    // request_id": the retry then applies exactly once either way.
    const absl::Status failed = absl::UnavailableError(absl::StrCat(
        "store commit failed: ", status.message(),
        "; the write was not applied, retry with the same request_id (should "
        "claimd crash before its next commit, the write may still appear)"));
    results.assign(batch.size(), failed);
    SetHealth(failed);
  }
  for (size_t i = 0; i < batch.size(); ++i)
    std::move(batch[i].done)(std::move(results[i]));
}

absl::Status SqliteClaimStore::WriteBatch(
    std::vector<Task>& batch,
    std::vector<absl::StatusOr<core::MutationResult>>& results,
    std::vector<core::ClaimEventPtr>& events) {
  RETURN_IF_ERROR(Run(*writer_, kBegin));
  BatchState state;
  state.next_revision = revision_.load(std::memory_order_relaxed) + 1;
  state.events = &events;
  for (Task& task : batch) {
    results.push_back(WriteMutation(task.mutation, state));
    if (!writer_->InTransaction()) {
      // Some errors (FULL, IOERR, NOMEM) make SQLite roll back the whole
      // transaction.
      return absl::UnavailableError(
          absl::StrCat("the transaction was rolled back after: ",
                       results.back().status().message()));
    }
  }
  absl::Status status = absl::OkStatus();
  if (!events.empty())
    status = RunWithInt64(*writer_, kSetRevision, events.back()->revision);
  if (status.ok()) status = Run(*writer_, kCommit);
  if (!status.ok()) RollbackIfOpen(*writer_);
  return status;
}

absl::StatusOr<core::MutationResult> SqliteClaimStore::WriteMutation(
    const core::Mutation& mutation, BatchState& state) {
  const uint64_t fingerprint = core::MutationFingerprint(mutation);
  const std::string& request_id = mutation.request_id;
  if (!request_id.empty()) {
    auto applied = state.requests.find(request_id);
    std::optional<int64_t> stored_revision;
    bool same_request = false;
    if (applied != state.requests.end()) {
      stored_revision = applied->second.event->revision;
      same_request = applied->second.fingerprint == fingerprint;
    } else {
      ASSIGN_OR_RETURN(internal::CachedStatement select,
                       writer_->Cached(kSelectRequest));
      select->BindText(1, request_id);
      ASSIGN_OR_RETURN(const bool found, select->Step());
      if (found) {
        stored_revision = select->ColumnInt64(0);
        same_request =
            static_cast<uint64_t>(select->ColumnInt64(1)) == fingerprint;
      }
    }
    if (stored_revision.has_value()) {
      if (!same_request) {
        return absl::InvalidArgumentError(
            absl::StrCat("request_id ", request_id,
                         " was already used for a different request"));
      }
      if (applied != state.requests.end())
        return core::MutationResult{applied->second.event, true};
      return Replay(*writer_, mutation, *stored_revision);
    }
  }

  // The claim as this batch left it, else as stored.
  const core::Claim* current = nullptr;
  std::optional<core::Claim> stored;
  if (auto it = state.claims.find(mutation.claim_id());
      it != state.claims.end()) {
    if (it->second != nullptr) current = &it->second->claim;
  } else if (auto recent = recent_claims_.find(mutation.claim_id());
             recent != recent_claims_.end()) {
    current = &recent->second.event->claim;
  } else {
    ASSIGN_OR_RETURN(stored,
                     internal::ReadLiveClaim(*writer_, mutation.claim_id()));
    if (stored.has_value()) current = &*stored;
  }

  ASSIGN_OR_RETURN(core::ClaimEvent event,
                   core::ApplyMutation(mutation, current, state.next_revision,
                                       options_.clock()));
  // One savepoint per mutation: a failed write undoes only this mutation's
  // rows.
  RETURN_IF_ERROR(Run(*writer_, kSavepoint));
  absl::Status written =
      WriteRows(*writer_, row_writer_, event, mutation, fingerprint);
  if (written.ok()) written = Run(*writer_, kRelease);
  if (!written.ok()) {
    if (writer_->InTransaction()) {
      Run(*writer_, kRollbackTo).IgnoreError();
      Run(*writer_, kRelease).IgnoreError();
    }
    return written;
  }

  auto shared = std::make_shared<const core::ClaimEvent>(std::move(event));
  state.claims[shared->claim.id] =
      shared->type == core::EventType::kDeleted ? nullptr : shared;
  if (!request_id.empty()) state.requests[request_id] = {fingerprint, shared};
  state.events->push_back(shared);
  ++state.next_revision;
  return core::MutationResult{std::move(shared), false};
}

void SqliteClaimStore::RememberClaims(
    const std::vector<core::ClaimEventPtr>& events) {
  // Decoded, a claim takes about four times its rows' bytes (an evidence item
  // of the disk benchmark: 69 bytes in its row, about 260 by ApproximateBytes):
  // four times the page cache holds about as many claims as it holds rows of.
  const size_t max_bytes = static_cast<size_t>(options_.writer_cache_mib) << 22;
  for (const core::ClaimEventPtr& event : events) {
    if (auto old = recent_claims_.find(event->claim.id);
        old != recent_claims_.end()) {
      recent_claims_bytes_ -= old->second.bytes;
      recent_claims_.erase(old);
    }
    if (event->type == core::EventType::kDeleted) continue;
    const size_t bytes = core::ApproximateBytes(event->claim);
    // A crude bound: starting over costs a few reads, not correctness.
    if (recent_claims_.size() >= kRecentClaims ||
        recent_claims_bytes_ + bytes > max_bytes) {
      recent_claims_.clear();
      recent_claims_bytes_ = 0;
    }
    if (bytes > max_bytes) continue;
    recent_claims_.emplace(event->claim.id, RecentClaim{event, bytes});
    recent_claims_bytes_ += bytes;
  }
}

absl::Status SqliteClaimStore::CompactNow(int64_t revision) {
  if (revision <= compact_revision_.load(std::memory_order_relaxed))
    return absl::OkStatus();
  const int64_t current = revision_.load(std::memory_order_relaxed);
  if (revision > current) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot compact to revision ", revision,
                     ": the current revision is ", current));
  }
  absl::Status status = Run(*writer_, kBegin);
  if (status.ok()) status = RunWithInt64(*writer_, kDeleteEvents, revision);
  if (status.ok()) status = RunWithInt64(*writer_, kDeleteRequests, revision);
  if (status.ok())
    status = RunWithInt64(*writer_, kDeleteRetiredEvidence, revision);
  if (status.ok()) status = RunWithInt64(*writer_, kDeleteRetired, revision);
  if (status.ok())
    status = RunWithInt64(*writer_, kSetCompactRevision, revision);
  if (status.ok()) status = Run(*writer_, kCommit);
  if (!status.ok()) {
    RollbackIfOpen(*writer_);
    return absl::Status(status.code(),
                        absl::StrCat("compaction failed: ", status.message(),
                                     "; nothing was trimmed"));
  }
  compact_revision_.store(revision, std::memory_order_release);
  commits_.fetch_add(1, std::memory_order_relaxed);
  return absl::OkStatus();
}

}  // namespace claimd::store
