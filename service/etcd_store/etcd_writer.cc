// EtcdClaimStore's writer thread: group commit of queued mutations as one etcd
// Txn per batch, compared on claimd's revision counter (see
// etcd_claim_store.h and docs/DESIGN.md).
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "service/core/mutation.h"
#include "service/etcd_store/etcd_claim_store.h"
#include "service/etcd_store/etcd_txn.h"
#include "service/util/log.h"
#include "service/util/monotonic_clock.h"
#include "service/util/status_macros.h"

namespace claimd::etcd_store {
namespace {

// A create whose evidence is larger than this is staged (StageEvidence)
// instead of riding in the commit's Txn, in chunks of at most kStageChunk.
constexpr size_t kStageThreshold = 256 << 10;
constexpr size_t kStageChunk = 512 << 10;
// Staged evidence that no commit attached expires with its lease.
constexpr int64_t kStageLeaseSeconds = 600;
// Decided batches that may wait for the watch at once: enough to keep Txns
// flowing while the watch delivers the previous ones, few enough that a
// stalled watch stops the writer soon (and bounds the overlay).
constexpr size_t kMaxPendingCompletions = 8;
// How long one attempt of a commit Txn (and the lookup after it) may take:
// a Txn whose proposal died with the leader that was to order it gets no
// answer before etcd's own request timeout (5 s plus two elections), so the
// attempt is given up after this long and the batch sent again, which a new
// leader then commits once elected.
constexpr absl::Duration kTxnAttemptTimeout = EtcdClient::kAttemptTimeout;
constexpr absl::Duration kTxnRetryPause = absl::Milliseconds(100);

// A create's evidence as it counts against kStageThreshold.
size_t EvidenceBytes(const core::EvidenceList& evidence_list) {
  size_t bytes = 0;
  for (const core::Evidence& evidence : evidence_list) {
    bytes += evidence.source.size() + evidence.url.size() +
             evidence.quote.size() + evidence.note.size() +
             evidence.actor.size() + 32;
  }
  return bytes;
}

absl::Status OutcomeUnknown(const absl::Status& status) {
  return absl::UnavailableError(absl::StrCat(
      "etcd commit failed: ", status.message(),
      "; the write may or may not have been applied: retry with the same "
      "request_id"));
}

// A write etcd refused for its NOSPACE alarm: definitely not applied.
absl::Status OutOfSpace(const absl::Status& status) {
  return absl::ResourceExhaustedError(absl::StrCat(
      "etcd is out of space (", status.message(),
      "): not applied; etcd takes no writes until an operator frees space "
      "(etcdctl defrag, or a larger --quota-backend-bytes) and disarms its "
      "NOSPACE alarm (etcdctl alarm disarm)"));
}

}  // namespace

struct EtcdClaimStore::Batch {
  int64_t base = 0;  // the counter value the Txn compares
  uint64_t batch_id = 0;
  etcdserverpb::TxnRequest txn;
  size_t bytes = 0;
  size_t taken = 0;  // tasks this batch decided (a prefix of the queue)
  // The first task is a create that applies on this state and must stage its
  // evidence (StageEvidence) before a Txn can carry it; nothing is taken.
  bool stage_first = false;
  std::vector<std::optional<absl::StatusOr<core::MutationResult>>> results;
  std::vector<int64_t> replays;  // per task: revision to replay, or 0
  std::vector<core::ClaimEventPtr> events;
  // Per event: the chunk keys of the claim after it (empty for a deletion).
  std::vector<std::vector<std::string>> chunk_keys;
  // The request_id records the batch writes.
  std::vector<std::pair<std::string, RequestEntry>> requests;
  // When etcd answered that the Txn committed (monotonic clock): the start
  // of the watch lag (EtcdMetrics::OnWatchLag).
  absl::Duration committed_at;

  void Put(std::string key, std::string value) {
    bytes += key.size() + value.size() + kPerOpOverhead;
    auto* put = txn.add_success()->mutable_request_put();
    put->set_key(std::move(key));
    put->set_value(std::move(value));
  }
  void Attach(std::string key) {
    // ignore_value: keeps the staged bytes, and lease 0 detaches the key from
    // the staging lease, so it lives as long as the claim needs it.
    bytes += key.size() + kPerOpOverhead;
    auto* put = txn.add_success()->mutable_request_put();
    put->set_key(std::move(key));
    put->set_ignore_value(true);
  }
  void Delete(std::string key) {
    bytes += key.size() + kPerOpOverhead;
    txn.add_success()->mutable_request_delete_range()->set_key(std::move(key));
  }
};

bool EtcdClaimStore::HasWorkOrClosedLocked() const {
  return !queue_.empty() || queue_closed_;
}

void EtcdClaimStore::WriterLoop() {
  for (;;) {
    std::vector<Task> tasks;
    {
      absl::MutexLock lock(&queue_mutex_);
      queue_mutex_.Await(
          absl::Condition(this, &EtcdClaimStore::HasWorkOrClosedLocked));
      if (queue_.empty()) return;  // closed and drained
      // Many more than one Txn holds: CommitBatch commits them in turn.
      while (!queue_.empty() && tasks.size() < 1024) {
        tasks.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    while (!tasks.empty()) {
      CommitBatch(tasks);  // decides a prefix of `tasks` and erases it
    }
  }
}

absl::Status EtcdClaimStore::StageEvidence(Task& task) {
  auto* create = std::get_if<core::CreateClaim>(&task.mutation.op);
  if (create == nullptr || !task.staged_chunks.empty()) return absl::OkStatus();
  // BuildBatch has run ApplyMutation with task.now: the evidence times are
  // the ones it recorded.
  etcdserverpb::LeaseGrantRequest grant;
  grant.set_ttl(kStageLeaseSeconds);
  ASSIGN_OR_RETURN(etcdserverpb::LeaseGrantResponse lease,
                   client_->LeaseGrant(grant));
  absl::BitGen random;
  const std::string stem =
      absl::StrCat(keys_.ChunkPrefix(create->claim.id), "s",
                   absl::StrFormat("%016x", absl::Uniform<uint64_t>(random)));
  // The items as ApplyMutation will record them: the create's status and time,
  // revision 0 (= the create's revision, not known yet).
  const core::VerificationStatus status =
      create->claim.status == core::VerificationStatus::kUnspecified
          ? core::VerificationStatus::kReported
          : create->claim.status;
  std::vector<std::string> keys;
  pb::EvidenceChunk chunk;
  size_t chunk_bytes = 0;
  auto flush = [&]() -> absl::Status {
    if (chunk.items_size() == 0) return absl::OkStatus();
    etcdserverpb::PutRequest put;
    put.set_key(absl::StrCat(stem, "-", keys.size()));
    put.set_value(chunk.SerializeAsString());
    put.set_lease(lease.id());
    etcdserverpb::TxnRequest txn;
    *txn.add_success()->mutable_request_put() = put;
    RETURN_IF_ERROR(client_->Txn(txn).status());
    keys.push_back(put.key());
    chunk.Clear();
    chunk_bytes = 0;
    return absl::OkStatus();
  };
  for (core::Evidence evidence : create->claim.evidence) {
    evidence.status = status;
    evidence.revision = 0;
    if (evidence.time == absl::InfinitePast()) evidence.time = task.now;
    pb::Evidence* item = chunk.add_items();
    EncodeEvidence(evidence, item);
    chunk_bytes += item->ByteSizeLong();
    if (chunk_bytes >= kStageChunk) RETURN_IF_ERROR(flush());
  }
  RETURN_IF_ERROR(flush());
  task.staged_chunks = std::move(keys);
  return absl::OkStatus();
}

absl::Status EtcdClaimStore::BuildBatch(std::vector<Task>& tasks,
                                        Batch& batch) {
  absl::BitGen random;
  batch.batch_id = absl::Uniform<uint64_t>(random);
  const size_t byte_budget = options_.max_request_bytes - kRequestOverhead;
  const int op_budget = options_.max_txn_ops - 1;  // the counter's put
  absl::flat_hash_set<std::string> claim_ids, request_ids;

  // What the batch reads of the replica's state, copied under state_mutex_ in
  // one short hold: the revision it builds on, and per task the claim and the
  // request_id entry at that revision. Claims are immutable and shared, so the
  // copy is a pointer. Everything slow (ApplyMutation, encoding the records,
  // sizing the Txn) runs after the lock is released, so the watch thread
  // applying other replicas' commits and the reads are not held up by a large
  // batch. A snapshot that is stale by the time the Txn is sent is harmless:
  // the Txn compares the counter with `base` and fails if anyone committed
  // since, and CommitBatch then rebuilds on the newer state.
  struct Seen {
    // The claim (null: none) and its chunk keys, from the state (kept alive
    // by `live`) or from own_claims_ (not changed while a batch is built).
    const core::Claim* claim = nullptr;
    const std::vector<std::string>* chunk_keys = nullptr;
    LivePtr live;
    std::optional<RequestEntry> request;
  };
  std::vector<Seen> seen(tasks.size());
  int64_t state_revision = 0;
  {
    absl::MutexLock lock(&state_mutex_);
    state_revision = state_revision_;
    for (size_t i = 0; i < tasks.size(); ++i) {
      const core::Mutation& mutation = tasks[i].mutation;
      auto claim = claims_.find(mutation.claim_id());
      if (claim != claims_.end()) {
        seen[i].live = claim->second;
        seen[i].claim = &claim->second->claim;
        seen[i].chunk_keys = &claim->second->chunk_keys;
      }
      if (mutation.request_id.empty()) continue;
      auto request = requests_.find(RequestKey(mutation.request_id));
      // An entry at or below the compaction point is forgotten history.
      if (request != requests_.end() && request->second.revision > compact_)
        seen[i].request = request->second;
    }
  }
  // This replica's own commits above that revision (the watch has not applied
  // them yet) are all the revisions up to own_tip_: a commit by another
  // replica since would have failed our last Txn's compare, and CommitBatch
  // then waits for the watch to pass it before building again.
  ForgetAppliedOwnWrites(state_revision);
  batch.base = std::max(state_revision, own_tip_);
  if (own_tip_ > state_revision) {
    for (size_t i = 0; i < tasks.size(); ++i) {
      const core::Mutation& mutation = tasks[i].mutation;
      if (auto own = own_claims_.find(mutation.claim_id());
          own != own_claims_.end()) {
        const OwnWrite& write = own->second;
        seen[i].live = nullptr;
        seen[i].claim = nullptr;
        seen[i].chunk_keys = nullptr;
        if (write.event->type != core::EventType::kDeleted) {
          seen[i].claim = &write.event->claim;
          seen[i].chunk_keys = &write.chunk_keys;
        }
      }
      if (mutation.request_id.empty()) continue;
      if (auto own = own_requests_.find(mutation.request_id);
          own != own_requests_.end())
        seen[i].request = own->second;
    }
  }

  for (batch.taken = 0; batch.taken < tasks.size(); ++batch.taken) {
    Task& task = tasks[batch.taken];
    const core::Mutation& mutation = task.mutation;
    // One mutation per claim and per request_id in a Txn: etcd refuses a Txn
    // that writes a key twice. The next batch takes the rest.
    if (claim_ids.contains(mutation.claim_id())) break;
    if (!mutation.request_id.empty() &&
        request_ids.contains(mutation.request_id))
      break;
    const uint64_t fingerprint = core::MutationFingerprint(mutation);
    if (const std::optional<RequestEntry>& earlier = seen[batch.taken].request;
        earlier.has_value()) {
      if (earlier->fingerprint != fingerprint) {
        batch.results.push_back(absl::InvalidArgumentError(
            absl::StrCat("request_id ", mutation.request_id,
                         " was already used for a different request")));
        batch.replays.resize(batch.results.size(), 0);
      } else {
        batch.results.push_back(std::nullopt);
        batch.replays.resize(batch.results.size(), 0);
        batch.replays.back() = earlier->revision;
      }
      continue;
    }
    const int64_t revision =
        batch.base + static_cast<int64_t>(batch.events.size()) + 1;
    const Seen& current = seen[batch.taken];
    if (task.now == absl::InfinitePast()) task.now = options_.clock();
    absl::StatusOr<core::ClaimEvent> applied =
        core::ApplyMutation(mutation, current.claim, revision, task.now);
    if (!applied.ok()) {
      batch.results.push_back(applied.status());
      batch.replays.resize(batch.results.size(), 0);
      continue;
    }
    const core::ClaimEvent& event = *applied;
    const core::Claim& claim = event.claim;
    // Staging writes to etcd, so only a create that applies on this state
    // stages: a refused or replayed one (decided above) writes nothing. It is
    // staged as the first task of a batch, so that the tasks before it are
    // answered by their own batch. The commit's compare still guards the
    // state: if it changed meanwhile and the create is refused after all, the
    // staged chunks expire with their lease.
    if (event.type == core::EventType::kCreated && task.staged_chunks.empty() &&
        EvidenceBytes(claim.evidence) > kStageThreshold) {
      if (batch.taken == 0) {
        batch.stage_first = true;
        return absl::OkStatus();
      }
      break;
    }

    // The keys this mutation writes, into a scratch Txn first so that a
    // mutation that does not fit is left for the next batch whole.
    Batch mine;
    pb::EventRecord record;
    record.set_type(static_cast<int32_t>(event.type));
    record.set_claim_id(claim.id);
    record.set_create_revision(claim.create_revision);
    record.set_status(static_cast<int32_t>(claim.status));
    record.set_previous_status(static_cast<int32_t>(event.previous_status));
    EncodeTime(event.event_time, record.mutable_event_time());
    record.set_batch_id(batch.batch_id);
    record.set_request_id(mutation.request_id);
    record.set_actor(event.actor);
    const std::string encoded_event = record.SerializeAsString();
    std::vector<std::string> chunk_keys;  // the claim's, after the mutation
    mine.Put(keys_.Event(revision), encoded_event);
    mine.Put(keys_.Index(claim.id, revision), encoded_event);
    if (event.type == core::EventType::kDeleted) {
      mine.Delete(keys_.Claim(claim.id));
      pb::ClaimHeader tombstone = HeaderOf(claim, *current.chunk_keys);
      tombstone.set_delete_revision(revision);
      mine.Put(keys_.Tombstone(claim.id, claim.create_revision),
               tombstone.SerializeAsString());
    } else {
      if (current.claim != nullptr) chunk_keys = *current.chunk_keys;
      if (event.type == core::EventType::kCreated) {
        if (!task.staged_chunks.empty()) {
          for (const std::string& key : task.staged_chunks) {
            mine.Attach(key);
            chunk_keys.push_back(key);
          }
        } else if (!claim.evidence.empty()) {
          pb::EvidenceChunk chunk;
          for (core::Evidence evidence : claim.evidence) {
            evidence.revision = 0;  // the create's revision, wherever it lands
            EncodeEvidence(evidence, chunk.add_items());
          }
          std::string key = absl::StrCat(keys_.ChunkPrefix(claim.id),
                                         PaddedRevision(revision), "-c");
          mine.Put(key, chunk.SerializeAsString());
          chunk_keys.push_back(std::move(key));
        }
      } else {
        pb::EvidenceChunk chunk;
        EncodeEvidence(claim.evidence.back(), chunk.add_items());
        std::string key =
            absl::StrCat(keys_.ChunkPrefix(claim.id), PaddedRevision(revision));
        mine.Put(key, chunk.SerializeAsString());
        chunk_keys.push_back(std::move(key));
      }
      mine.Put(keys_.Claim(claim.id),
               HeaderOf(claim, chunk_keys).SerializeAsString());
    }
    if (!mutation.request_id.empty()) {
      pb::RequestRecord request;
      request.set_revision(revision);
      request.set_fingerprint(fingerprint);
      mine.Put(keys_.Request(mutation.request_id), request.SerializeAsString());
    }
    if (batch.txn.success_size() + mine.txn.success_size() > op_budget ||
        batch.bytes + mine.bytes > byte_budget) {
      if (batch.events.empty()) {
        // Alone and still too large: a create with evidence past the staging
        // threshold is staged before it gets here, so this is a bug.
        return absl::InternalError(
            absl::StrCat("a mutation of claims/", claim.id, " needs ",
                         mine.txn.success_size(), " operations and ",
                         mine.bytes, " bytes, more than one etcd Txn holds"));
      }
      break;
    }
    for (auto& op : *mine.txn.mutable_success())
      *batch.txn.add_success() = std::move(op);
    batch.bytes += mine.bytes;
    claim_ids.insert(claim.id);
    if (!mutation.request_id.empty()) request_ids.insert(mutation.request_id);
    if (!mutation.request_id.empty()) {
      batch.requests.emplace_back(mutation.request_id,
                                  RequestEntry{revision, fingerprint});
    }
    batch.events.push_back(
        std::make_shared<const core::ClaimEvent>(std::move(*applied)));
    batch.chunk_keys.push_back(std::move(chunk_keys));
    batch.results.push_back(core::MutationResult{batch.events.back(), false});
    batch.replays.resize(batch.results.size(), 0);
  }
  if (batch.events.empty()) return absl::OkStatus();
  const int64_t last = batch.base + static_cast<int64_t>(batch.events.size());
  auto* compare = batch.txn.add_compare();
  compare->set_key(keys_.Revision());
  compare->set_target(etcdserverpb::Compare::VALUE);
  compare->set_result(etcdserverpb::Compare::EQUAL);
  compare->set_value(absl::StrCat(batch.base));
  batch.Put(keys_.Revision(), absl::StrCat(last));
  batch.txn.add_failure()->mutable_request_range()->set_key(keys_.Revision());
  return absl::OkStatus();
}

absl::StatusOr<bool> EtcdClaimStore::TryCommit(Batch& batch,
                                               absl::Duration deadline) {
  const util::MonotonicClock& clock = util::MonotonicClock::Real();
  const absl::Duration sent = clock.Now();
  absl::StatusOr<bool> committed = SendTxn(batch, deadline);
  const absl::Duration answered = clock.Now();
  using Result = EtcdMetrics::TxnResult;
  etcd_metrics_.OnTxn(!committed.ok() ? Result::kFailed
                      : *committed    ? Result::kCommitted
                                      : Result::kLostRace,
                      answered - sent);
  if (committed.ok() && *committed) batch.committed_at = answered;
  return committed;
}

absl::StatusOr<bool> EtcdClaimStore::SendTxn(Batch& batch,
                                             absl::Duration deadline) {
  // Every attempt sends the same Txn, compared on the same base: at most one
  // of them commits, and the event at base + 1 names the batch that did.
  const util::MonotonicClock& clock = util::MonotonicClock::Real();
  const absl::Duration attempt_timeout =
      std::min(kTxnAttemptTimeout, client_->request_timeout());
  absl::Status failure = absl::UnavailableError("etcd Txn not answered");
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<etcdserverpb::TxnResponse> response =
        client_->Txn(batch.txn, attempt_timeout);
    if (response.ok() && response->succeeded()) return true;
    if (response.ok() && attempt == 0) {
      // Another replica committed first: learn how far, so the next attempt
      // waits for the watch to get there.
      const auto& range = response->responses(0).response_range();
      if (!range.kvs().empty()) {
        absl::StatusOr<int64_t> counter =
            ParseRevision(range.kvs(0).value(), keys_.Revision());
        // Below the state this Txn compared with, the compare can never
        // hold again: the batch fails (not applied) instead of being sent
        // again at once, for ever.
        if (counter.ok())
          RETURN_IF_ERROR(NoteCounterRead(*counter, batch.base));
      }
      return false;
    }
    if (!response.ok()) {
      if (absl::IsInternal(response.status())) return response.status();
      // etcd refused the first attempt outright: nothing was proposed.
      if (attempt == 0 && absl::IsResourceExhausted(response.status()))
        return OutOfSpace(response.status());
      failure = response.status();
    }
    // The call failed, or a resend lost its compare, perhaps to an earlier
    // attempt of this batch: the event at base + 1 tells.
    absl::StatusOr<std::optional<bool>> ours =
        IsOurCommit(batch, attempt_timeout);
    if (!ours.ok() && absl::IsInternal(ours.status())) return ours.status();
    if (ours.ok() && ours->has_value()) {
      if (!**ours) NoteCounter(batch.base + 1);  // apply again on top of it
      return **ours;
    }
    // Not committed when etcd answered, or etcd did not answer: send again
    // while time is left, else the outcome stays unknown (a proposal still in
    // flight could land later). A refusal that is not transient (permission
    // denied) would only be refused again.
    if (!absl::IsUnavailable(failure) ||
        clock.Now() + kTxnRetryPause + attempt_timeout > deadline)
      return OutcomeUnknown(failure);
    // Resends ride out an election; a quorum gone for longer ends them.
    if (absl::Status gate = QuorumGate(/*write=*/true); !gate.ok())
      return OutcomeUnknown(failure);
    absl::SleepFor(kTxnRetryPause);
    etcd_metrics_.OnTxnResend();
  }
}

absl::StatusOr<std::optional<bool>> EtcdClaimStore::IsOurCommit(
    const Batch& batch, absl::Duration timeout) {
  etcdserverpb::RangeRequest read;
  read.set_key(keys_.Event(batch.base + 1));
  absl::StatusOr<etcdserverpb::RangeResponse> found =
      client_->Range(read, timeout);
  if (!found.ok()) return found.status();
  if (found->kvs().empty()) return std::nullopt;
  absl::StatusOr<pb::EventRecord> record =
      Parse<pb::EventRecord>(found->kvs(0).value(), found->kvs(0).key());
  if (!record.ok()) return record.status();
  return record->batch_id() == batch.batch_id;
}

void EtcdClaimStore::CommitBatch(std::vector<Task>& tasks) {
  // The commit's duration and its deadline, on the monotonic clock: a wall
  // clock step neither stretches the retries nor cuts them short.
  const util::MonotonicClock& clock = util::MonotonicClock::Real();
  const absl::Duration started = clock.Now();
  const absl::Duration deadline = started + 2 * client_->request_timeout();
  if (absl::Status gate = QuorumGate(/*write=*/true); !gate.ok()) {
    // None of these was sent: each fails now, definitely not applied, rather
    // than waiting out the request timeout twice as a batch at a time.
    for (Task& task : tasks) std::move(task.done)(gate);
    tasks.clear();
    return;
  }
  Batch batch;
  absl::Status failure = absl::OkStatus();
  for (int attempt = 0;; ++attempt) {
    // Build on a state at least as new as every commit this replica knows of
    // (after a lost race: the winner's). Our own commits need no wait: the
    // overlay holds them.
    if (const int64_t known = known_revision_.load(std::memory_order_relaxed);
        known > own_tip_) {
      if (absl::Status caught_up = WaitApplied(known, deadline - clock.Now());
          !caught_up.ok()) {
        failure = caught_up;
        break;
      }
    }
    batch = Batch();
    if (absl::Status built = BuildBatch(tasks, batch); !built.ok()) {
      // The mutation at batch.taken cannot be written; it alone fails (the
      // ones before it are decided again by the next batch).
      std::move(tasks[batch.taken].done)(built);
      tasks.erase(tasks.begin() + static_cast<ptrdiff_t>(batch.taken));
      return;
    }
    if (batch.stage_first) {
      // A create too large for one Txn that applies on the current state:
      // its evidence is written first, then the batch is built again.
      if (absl::Status staged = StageEvidence(tasks.front()); !staged.ok()) {
        if (absl::IsResourceExhausted(staged)) {
          // NOSPACE: etcd answers reads, so health stays as it is.
          std::move(tasks.front().done)(OutOfSpace(staged));
        } else {
          std::move(tasks.front().done)(absl::UnavailableError(absl::StrCat(
              "staging evidence in etcd failed: ", staged.message(),
              "; not applied, retry")));
          SetHealth(absl::UnavailableError(staged.message()));
        }
        tasks.erase(tasks.begin());
        return;
      }
      continue;
    }
    if (batch.events.empty()) {
      // Only failures and replays, decided on this replica's state: final
      // only if no replica committed since (else NOT_FOUND or ABORTED could
      // come from a stale state). A Txn would check that by its compare;
      // here a linearizable read of the counter does.
      const int64_t floor = CommittedFloor();
      etcdserverpb::RangeRequest head;
      head.set_key(keys_.Revision());
      absl::StatusOr<etcdserverpb::RangeResponse> now =
          client_->RangeSmall(head);
      if (!now.ok()) {
        failure = absl::UnavailableError(now.status().message());
        break;
      }
      if (now->kvs().empty()) {
        failure = absl::InternalError("etcd: the revision counter is missing");
        break;
      }
      absl::StatusOr<int64_t> counter =
          ParseRevision(now->kvs(0).value(), keys_.Revision());
      if (!counter.ok()) {
        failure = counter.status();
        break;
      }
      if (absl::Status noted = NoteCounterRead(*counter, floor); !noted.ok()) {
        failure = noted;
        break;
      }
      if (*counter <= batch.base) break;
      if (clock.Now() > deadline) {
        failure = absl::UnavailableError(
            "this replica could not catch up with etcd in time; retry");
        break;
      }
      continue;
    }
    absl::StatusOr<bool> committed = TryCommit(batch, deadline);
    if (!committed.ok()) {
      failure = committed.status();
      break;
    }
    if (*committed) {
      NoteQuorumReached();
      SetHealth(absl::OkStatus());
      NoteCounter(batch.events.back()->revision);
      RememberOwnCommit(batch);
      break;
    }
    if (clock.Now() > deadline) {
      failure = absl::UnavailableError(
          absl::StrCat("etcd commit lost the race to other replicas ",
                       attempt + 1, " times; not applied, retry"));
      break;
    }
  }
  if (!failure.ok()) {
    if (absl::IsUnavailable(failure)) SetHealth(failure);
    // Nothing taken yet (the replica could not catch up): the cause holds for
    // every queued mutation, so all of them fail now rather than one per wait.
    const size_t count = batch.taken > 0 ? batch.taken : tasks.size();
    const absl::Status status =
        absl::IsUnavailable(failure) || absl::IsResourceExhausted(failure)
            ? failure
            : OutcomeUnknown(failure);
    for (size_t i = 0; i < count && i < tasks.size(); ++i)
      std::move(tasks[i].done)(status);
    tasks.erase(tasks.begin(), tasks.begin() + std::min(count, tasks.size()));
    return;
  }
  // Answered once the watch has applied everything the batch was decided on
  // (its own commit included), while this thread goes on to the next batch.
  Completion completion;
  completion.wait_for = batch.base + static_cast<int64_t>(batch.events.size());
  completion.started = started;
  completion.committed_at = batch.committed_at;
  completion.tasks.reserve(batch.taken);
  for (size_t i = 0; i < batch.taken; ++i)
    completion.tasks.push_back(std::move(tasks[i]));
  tasks.erase(tasks.begin(), tasks.begin() + batch.taken);
  completion.results = std::move(batch.results);
  completion.replays = std::move(batch.replays);
  completion.events = std::move(batch.events);
  Complete(std::move(completion));
}

void EtcdClaimStore::RememberOwnCommit(const Batch& batch) {
  for (size_t i = 0; i < batch.events.size(); ++i) {
    const core::ClaimEventPtr& event = batch.events[i];
    const std::string& id = event->claim.id;
    own_claims_[id] = OwnWrite{event->revision, event, batch.chunk_keys[i]};
    own_claims_order_.emplace_back(event->revision, id);
  }
  for (const auto& [request_id, entry] : batch.requests) {
    own_requests_[request_id] = entry;
    own_requests_order_.emplace_back(entry.revision, request_id);
  }
  own_tip_ = batch.events.back()->revision;
}

namespace {

// Drops the entries of `by_id` written at or below `applied` (in `order`, the
// order they were written), unless a later write of the same id replaced them.
template <typename Map>
void ForgetUpTo(int64_t applied, Map& by_id,
                std::deque<std::pair<int64_t, std::string>>& order) {
  while (!order.empty() && order.front().first <= applied) {
    const auto& [revision, id] = order.front();
    if (auto entry = by_id.find(id);
        entry != by_id.end() && entry->second.revision == revision)
      by_id.erase(entry);
    order.pop_front();
  }
}

}  // namespace

void EtcdClaimStore::ForgetAppliedOwnWrites(int64_t applied) {
  // The state holds every own write at or below `applied`.
  ForgetUpTo(applied, own_claims_, own_claims_order_);
  ForgetUpTo(applied, own_requests_, own_requests_order_);
}

bool EtcdClaimStore::HasCompletionOrClosedLocked() const {
  return !completions_.empty() || completions_closed_;
}

bool EtcdClaimStore::HasCompletionRoomLocked() const {
  return completions_unanswered_ < kMaxPendingCompletions;
}

void EtcdClaimStore::Complete(Completion completion) {
  absl::MutexLock lock(&completion_mutex_);
  // A watch that stalls stops the writer here rather than let it commit on.
  completion_mutex_.Await(
      absl::Condition(this, &EtcdClaimStore::HasCompletionRoomLocked));
  ++completions_unanswered_;
  completions_.push_back(std::move(completion));
}

void EtcdClaimStore::CompleterLoop() {
  const util::MonotonicClock& clock = util::MonotonicClock::Real();
  for (;;) {
    Completion completion;
    {
      absl::MutexLock lock(&completion_mutex_);
      completion_mutex_.Await(
          absl::Condition(this, &EtcdClaimStore::HasCompletionOrClosedLocked));
      if (completions_.empty()) return;  // closed and drained
      completion = std::move(completions_.front());
      completions_.pop_front();
    }
    // The observer must see the commit (through the watch, the one path every
    // replica's events take) before any callback of it runs.
    absl::Status seen =
        WaitApplied(completion.wait_for, 2 * client_->request_timeout());
    if (seen.ok() && !completion.events.empty())
      etcd_metrics_.OnWatchLag(clock.Now() - completion.committed_at);
    if (!seen.ok() && !completion.events.empty()) {
      util::LogWarning("etcd watch has not delivered committed revision ",
                       completion.wait_for, ": ", seen.message());
    }
    if (!completion.events.empty() && options_.metrics != nullptr) {
      options_.metrics->OnCommit(clock.Now() - completion.started,
                                 completion.events.size());
    }
    for (size_t i = 0; i < completion.tasks.size(); ++i) {
      if (completion.replays[i] != 0) {
        std::move(completion.tasks[i].done)(ReplayOf(completion.replays[i]));
      } else {
        std::move(completion.tasks[i].done)(std::move(*completion.results[i]));
      }
    }
    absl::MutexLock lock(&completion_mutex_);
    --completions_unanswered_;
  }
}

absl::StatusOr<core::MutationResult> EtcdClaimStore::ReplayOf(
    int64_t revision) {
  core::ListEventsQuery query;
  query.from_revision = revision;
  query.limit = 1;
  ASSIGN_OR_RETURN(core::EventPage page, ReadEvents(query, true));
  if (page.events.empty() || page.events[0]->revision != revision) {
    return absl::InternalError(absl::StrCat("the event at revision ", revision,
                                            " of a request_id is missing"));
  }
  return core::MutationResult{page.events[0], true};
}

}  // namespace claimd::etcd_store
