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
#include "service/util/log.h"
#include "service/util/monotonic_clock.h"
#include "service/util/status_macros.h"

namespace claimd::etcd_store {
namespace {

// Room left in a request for etcd's own framing of each operation and the
// header; keys and values are counted exactly.
constexpr size_t kRequestOverhead = 64 << 10;
constexpr size_t kPerOpOverhead = 32;
// A create whose evidence is larger than this is staged (StageEvidence)
// instead of riding in the commit's Txn, in chunks of at most kStageChunk.
constexpr size_t kStageThreshold = 256 << 10;
constexpr size_t kStageChunk = 512 << 10;
// Staged evidence that no commit attached expires with its lease.
constexpr int64_t kStageLeaseSeconds = 600;

absl::Status OutcomeUnknown(const absl::Status& status) {
  return absl::UnavailableError(absl::StrCat(
      "etcd commit failed: ", status.message(),
      "; the write may or may not have been applied: retry with the same "
      "request_id"));
}

}  // namespace

struct EtcdClaimStore::Batch {
  int64_t base = 0;  // the counter value the Txn compares
  uint64_t batch_id = 0;
  etcdserverpb::TxnRequest txn;
  size_t bytes = 0;
  size_t taken = 0;  // tasks this batch decided (a prefix of the queue)
  std::vector<std::optional<absl::StatusOr<core::MutationResult>>> results;
  std::vector<int64_t> replays;  // per task: revision to replay, or 0
  std::vector<core::ClaimEventPtr> events;

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
  size_t bytes = 0;
  for (const core::Evidence& evidence : create->claim.evidence) {
    bytes += evidence.source.size() + evidence.url.size() +
             evidence.quote.size() + evidence.note.size() +
             evidence.actor.size() + 32;
  }
  if (bytes <= kStageThreshold) return absl::OkStatus();
  // The evidence times ApplyMutation will record (it runs with task.now).
  if (task.now == absl::InfinitePast()) task.now = options_.clock();
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
    LivePtr current;
    std::optional<RequestEntry> request;
  };
  std::vector<Seen> seen(tasks.size());
  {
    absl::MutexLock lock(&state_mutex_);
    batch.base = state_revision_;
    for (size_t i = 0; i < tasks.size(); ++i) {
      const core::Mutation& mutation = tasks[i].mutation;
      auto claim = claims_.find(mutation.claim_id());
      if (claim != claims_.end()) seen[i].current = claim->second;
      if (mutation.request_id.empty()) continue;
      auto request = requests_.find(mutation.request_id);
      // An entry at or below the compaction point is forgotten history.
      if (request != requests_.end() && request->second.revision > compact_)
        seen[i].request = request->second;
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
    const LiveClaim* current = seen[batch.taken].current.get();
    if (task.now == absl::InfinitePast()) task.now = options_.clock();
    absl::StatusOr<core::ClaimEvent> applied = core::ApplyMutation(
        mutation, current == nullptr ? nullptr : &current->claim, revision,
        task.now);
    if (!applied.ok()) {
      batch.results.push_back(applied.status());
      batch.replays.resize(batch.results.size(), 0);
      continue;
    }
    const core::ClaimEvent& event = *applied;
    const core::Claim& claim = event.claim;

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
    mine.Put(keys_.Event(revision), encoded_event);
    mine.Put(keys_.Index(claim.id, revision), encoded_event);
    if (event.type == core::EventType::kDeleted) {
      mine.Delete(keys_.Claim(claim.id));
      pb::ClaimHeader tombstone = HeaderOf(claim, current->chunk_keys);
      tombstone.set_delete_revision(revision);
      mine.Put(keys_.Tombstone(claim.id, claim.create_revision),
               tombstone.SerializeAsString());
    } else {
      std::vector<std::string> chunk_keys;
      if (current != nullptr) chunk_keys = current->chunk_keys;
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
               HeaderOf(claim, std::move(chunk_keys)).SerializeAsString());
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
        // Alone and still too large: only a create with evidence past the
        // staging threshold can get here, and CommitBatch stages it first.
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
    batch.events.push_back(
        std::make_shared<const core::ClaimEvent>(std::move(*applied)));
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

absl::StatusOr<bool> EtcdClaimStore::TryCommit(Batch& batch) {
  absl::StatusOr<etcdserverpb::TxnResponse> response = client_->Txn(batch.txn);
  if (response.ok()) {
    if (response->succeeded()) return true;
    // Another replica committed first: learn how far, so the next attempt
    // waits for the watch to get there.
    const auto& range = response->responses(0).response_range();
    if (!range.kvs().empty()) {
      absl::StatusOr<int64_t> counter =
          ParseRevision(range.kvs(0).value(), keys_.Revision());
      if (counter.ok()) NoteCounter(*counter);
    }
    return false;
  }
  if (absl::IsInternal(response.status())) return response.status();
  // The call failed: the Txn may or may not have been applied. Ask etcd for
  // the event our batch would have written first, and recognise ours by its
  // batch_id.
  etcdserverpb::RangeRequest read;
  read.set_key(keys_.Event(batch.base + 1));
  absl::StatusOr<etcdserverpb::RangeResponse> found = client_->Range(read);
  if (!found.ok()) return OutcomeUnknown(response.status());
  if (found->kvs().empty()) {
    // Not applied when etcd answered; a proposal still in flight could land
    // later, so the answer stays "retry with the same request_id".
    return OutcomeUnknown(response.status());
  }
  absl::StatusOr<pb::EventRecord> record =
      Parse<pb::EventRecord>(found->kvs(0).value(), found->kvs(0).key());
  if (!record.ok()) return record.status();
  if (record->batch_id() == batch.batch_id) return true;
  NoteCounter(batch.base + 1);
  return false;  // another replica took that revision: apply again
}

void EtcdClaimStore::CommitBatch(std::vector<Task>& tasks) {
  // The commit's duration and its deadline, on the monotonic clock: a wall
  // clock step neither stretches the retries nor cuts them short.
  const util::MonotonicClock& clock = util::MonotonicClock::Real();
  const absl::Duration started = clock.Now();
  const absl::Duration deadline = started + 2 * client_->request_timeout();
  // A create too large for one Txn stages its evidence first.
  if (absl::Status staged = StageEvidence(tasks.front()); !staged.ok()) {
    std::move(tasks.front().done)(OutcomeUnknown(staged));
    tasks.erase(tasks.begin());
    SetHealth(absl::UnavailableError(staged.message()));
    return;
  }
  Batch batch;
  absl::Status failure = absl::OkStatus();
  for (int attempt = 0;; ++attempt) {
    // Build on a state at least as new as every commit this replica knows of
    // (after a lost race: the winner's).
    if (absl::Status caught_up =
            WaitApplied(known_revision_.load(std::memory_order_relaxed),
                        deadline - clock.Now());
        !caught_up.ok()) {
      failure = caught_up;
      break;
    }
    batch = Batch();
    if (absl::Status built = BuildBatch(tasks, batch); !built.ok()) {
      failure = built;
      break;
    }
    if (batch.events.empty()) {
      // Only failures and replays, decided on this replica's state: final
      // only if no replica committed since (else NOT_FOUND or ABORTED could
      // come from a stale state). A Txn would check that by its compare;
      // here a linearizable read of the counter does.
      etcdserverpb::RangeRequest head;
      head.set_key(keys_.Revision());
      absl::StatusOr<etcdserverpb::RangeResponse> now = client_->Range(head);
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
      if (*counter <= batch.base) break;
      NoteCounter(*counter);
      if (clock.Now() > deadline) {
        failure = absl::UnavailableError(
            "this replica could not catch up with etcd in time; retry");
        break;
      }
      continue;
    }
    absl::StatusOr<bool> committed = TryCommit(batch);
    if (!committed.ok()) {
      failure = committed.status();
      break;
    }
    if (*committed) {
      SetHealth(absl::OkStatus());
      NoteCounter(batch.events.back()->revision);
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
    // Nothing taken yet (the replica could not catch up, or no batch could be
    // built): the cause holds for every queued mutation, so all of them fail
    // now rather than one per wait.
    const size_t count = batch.taken > 0 ? batch.taken : tasks.size();
    const absl::Status status =
        absl::IsUnavailable(failure) ? failure : OutcomeUnknown(failure);
    for (size_t i = 0; i < count && i < tasks.size(); ++i)
      std::move(tasks[i].done)(status);
    tasks.erase(tasks.begin(), tasks.begin() + std::min(count, tasks.size()));
    return;
  }
  if (!batch.events.empty()) {
    // The observer must see the commit (through the watch, the one path every
    // replica's events take) before any callback of it runs.
    absl::Status seen = WaitApplied(batch.events.back()->revision,
                                    2 * client_->request_timeout());
    if (!seen.ok()) {
      util::LogWarning("etcd watch has not delivered committed revision ",
                       batch.events.back()->revision, ": ", seen.message());
    }
    if (options_.metrics != nullptr) {
      options_.metrics->OnCommit(clock.Now() - started, batch.events.size(),
                                 batch.events);
    }
  }
  for (size_t i = 0; i < batch.taken; ++i) {
    if (batch.replays[i] != 0) {
      std::move(tasks[i].done)(ReplayOf(batch.replays[i]));
    } else {
      std::move(tasks[i].done)(std::move(*batch.results[i]));
    }
  }
  tasks.erase(tasks.begin(), tasks.begin() + batch.taken);
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
