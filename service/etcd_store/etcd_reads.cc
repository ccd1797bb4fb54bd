// EtcdClaimStore's reads. Claims are served from this replica's watch-fed
// state after CatchUp() confirmed it holds every revision committed before the
// read began (one linearizable etcd read of the counter: the consistent read
// of the Kubernetes API server's watch cache). History is read from etcd.
#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "service/core/limits.h"
#include "service/etcd_store/etcd_claim_store.h"
#include "service/util/monotonic_clock.h"
#include "service/util/status_macros.h"

namespace claimd::etcd_store {
namespace {

// Chunk keys read per Txn: well under etcd's --max-txn-ops (128). A chunk
// holds at most about 512 KiB and a claim's evidence is bounded by the field
// limits (about 2.7 MB), so each answer stays a few MiB.
constexpr size_t kChunksPerRead = 64;

}  // namespace

absl::Status EtcdClaimStore::WaitApplied(int64_t revision,
                                         absl::Duration timeout) {
  const util::MonotonicClock& clock = util::MonotonicClock::Real();
  const absl::Duration deadline = clock.Now() + timeout;
  int64_t applied = 0;
  for (;;) {
    const absl::Duration left = deadline - clock.Now();
    switch (applied_waiter_.Wait(revision, std::min(left, kWatchStallTimeout),
                                 &applied)) {
      case RevisionWaiter::Outcome::kReached:
        return absl::OkStatus();
      case RevisionWaiter::Outcome::kClosed:
        return ClosedError();
      case RevisionWaiter::Outcome::kTimedOut:
        break;
    }
    if (clock.Now() >= deadline) break;
    RestartStalledWatch();
  }
  return absl::UnavailableError(
      absl::StrCat("this replica's etcd watch is at revision ", applied,
                   ", behind the committed revision ", revision));
}

absl::StatusOr<int64_t> EtcdClaimStore::CatchUp() {
  {
    absl::MutexLock lock(&state_mutex_);
    if (closed_) return ClosedError();
  }
  RETURN_IF_ERROR(QuorumGate(/*write=*/false));
  const int64_t floor = CommittedFloor();
  // Concurrent reads share one Range of the counter, sent after each of them
  // began: as linearizable as one each, at the cost of about two.
  absl::StatusOr<int64_t> counter =
      counter_reads_.Read([this]() -> absl::StatusOr<int64_t> {
        etcdserverpb::RangeRequest request;
        request.set_key(keys_.Revision());
        const absl::Duration sent = util::MonotonicClock::Real().Now();
        absl::StatusOr<etcdserverpb::RangeResponse> response =
            client_->RangeSmall(request);
        etcd_metrics_.OnLinearizableRead(
            util::MonotonicClock::Real().Now() - sent, response.ok());
        if (!response.ok()) {
          SetHealth(absl::UnavailableError(response.status().message()));
          return absl::UnavailableError(
              absl::StrCat("cannot confirm the current revision with etcd: ",
                           response.status().message()));
        }
        if (response->kvs().empty())
          return absl::InternalError("etcd: the revision counter is missing");
        return ParseRevision(response->kvs(0).value(), keys_.Revision());
      });
  if (!counter.ok()) return counter.status();
  RETURN_IF_ERROR(NoteCounterRead(*counter, floor));
  RETURN_IF_ERROR(WaitApplied(*counter, client_->request_timeout()));
  return *counter;
}

absl::StatusOr<core::Claim> EtcdClaimStore::Get(const std::string& claim_id) {
  RETURN_IF_ERROR(CatchUp().status());
  absl::MutexLock lock(&state_mutex_);
  auto it = claims_.find(claim_id);
  if (it == claims_.end()) {
    return absl::NotFoundError(
        absl::StrCat(core::ClaimName(claim_id), " does not exist"));
  }
  return it->second->claim;
}

absl::StatusOr<core::ClaimPage> EtcdClaimStore::List(
    const core::ListClaimsQuery& query) {
  const int limit = query.limit > 0 ? query.limit : core::kDefaultPageSize;
  const int max_scanned = query.max_scanned > 0
                              ? query.max_scanned
                              : core::ListClaimsQuery{}.max_scanned;
  RETURN_IF_ERROR(CatchUp().status());
  core::ClaimPage page;
  page.last_examined_id = query.after_id;
  absl::MutexLock lock(&state_mutex_);
  page.revision = state_revision_;
  auto it = claims_.upper_bound(query.after_id);
  int examined = 0;
  while (it != claims_.end() && static_cast<int>(page.claims.size()) < limit &&
         examined < max_scanned) {
    ++examined;
    page.last_examined_id = it->first;
    if (query.filter.Matches(it->second->claim))
      page.claims.push_back(it->second->claim);
    ++it;
  }
  page.more = it != claims_.end();
  return page;
}

absl::StatusOr<core::Snapshot> EtcdClaimStore::ReadSnapshot(
    const core::Filter& filter) {
  RETURN_IF_ERROR(CatchUp().status());
  core::Snapshot snapshot;
  absl::MutexLock lock(&state_mutex_);
  snapshot.revision = state_revision_;
  for (const auto& [id, live] : claims_) {
    if (filter.Matches(live->claim)) snapshot.claims.push_back(live->claim);
  }
  return snapshot;
}

absl::StatusOr<core::EventPage> EtcdClaimStore::ListEvents(
    const core::ListEventsQuery& query) {
  {
    absl::MutexLock lock(&state_mutex_);
    if (closed_) return ClosedError();
  }
  return ReadEvents(query, true);
}

absl::StatusOr<core::EventPage> EtcdClaimStore::ReadEvents(
    const core::ListEventsQuery& query, bool wait_applied) {
  const int limit = query.limit > 0 ? query.limit : core::kDefaultPageSize;
  // One Txn of reads: the counter, the compact revision and the page, all at
  // one etcd revision.
  etcdserverpb::TxnRequest txn;
  txn.add_success()->mutable_request_range()->set_key(keys_.Revision());
  txn.add_success()->mutable_request_range()->set_key(keys_.Compact());
  // The page's range is known only once `from` is; 0 means "from the oldest
  // kept", which needs the compact revision first: read it in the same Txn
  // from revision 1 and let the OUT_OF_RANGE check below skip nothing.
  const int64_t asked = query.from_revision;
  auto* range = txn.add_success()->mutable_request_range();
  const std::string end = query.claim_id.empty()
                              ? PrefixEnd(keys_.EventsPrefix())
                              : PrefixEnd(keys_.IndexPrefix(query.claim_id));
  const int64_t start = std::max<int64_t>(asked, 1);
  range->set_key(query.claim_id.empty() ? keys_.Event(start)
                                        : keys_.Index(query.claim_id, start));
  range->set_range_end(end);
  range->set_limit(limit + 1);
  ASSIGN_OR_RETURN(etcdserverpb::TxnResponse response,
                   client_->ReadTxnSmall(txn));
  const auto& counter_kvs = response.responses(0).response_range().kvs();
  const auto& compact_kvs = response.responses(1).response_range().kvs();
  core::EventPage page;
  if (counter_kvs.empty())
    return absl::InternalError("etcd: the revision counter is missing");
  ASSIGN_OR_RETURN(page.revision,
                   ParseRevision(counter_kvs[0].value(), keys_.Revision()));
  NoteCounter(page.revision);
  int64_t compact = 0;
  if (!compact_kvs.empty()) {
    ASSIGN_OR_RETURN(compact,
                     ParseRevision(compact_kvs[0].value(), keys_.Compact()));
  }
  int64_t from = asked <= 0 ? compact + 1 : asked;
  if (from <= compact) {
    return absl::OutOfRangeError(absl::StrCat(
        "revision ", from, " has been compacted; the oldest revision kept is ",
        compact + 1));
  }
  std::vector<std::pair<int64_t, pb::EventRecord>> records;
  const etcdserverpb::RangeResponse& found =
      response.responses(2).response_range();
  for (const mvccpb::KeyValue& kv : found.kvs()) {
    const size_t slash = kv.key().rfind('/');
    int64_t revision = 0;
    if (slash == std::string::npos ||
        !absl::SimpleAtoi(absl::string_view(kv.key()).substr(slash + 1),
                          &revision)) {
      return absl::InternalError(absl::StrCat("bad event key ", kv.key()));
    }
    if (revision < from) continue;  // trimmed garbage below `from` (asked 0)
    if (static_cast<int>(records.size()) == limit) {
      page.more = true;
      break;
    }
    ASSIGN_OR_RETURN(pb::EventRecord record,
                     Parse<pb::EventRecord>(kv.value(), kv.key()));
    records.emplace_back(revision, std::move(record));
  }
  if (records.empty() && found.more() && asked <= 0) {
    // The whole range was trimmed keys a deletion pass has not removed yet
    // (it deletes after meta/compact moved): read again from the oldest
    // kept, now that it is known, rather than answer with an empty last page.
    core::ListEventsQuery kept = query;
    kept.from_revision = compact + 1;
    absl::StatusOr<core::EventPage> again = ReadEvents(kept, wait_applied);
    // Trimmed further meanwhile: one more pass from the new oldest.
    if (absl::IsOutOfRange(again.status()))
      return ReadEvents(query, wait_applied);
    return again;
  }
  // Keys below `from` (trimmed but not yet deleted, when asked from the
  // oldest) used up part of the range's limit: more may follow.
  if (!page.more && found.more() && !records.empty()) page.more = true;
  if (!records.empty() && wait_applied) {
    // Live claims come from this replica's state, which must hold these
    // revisions first.
    RETURN_IF_ERROR(
        WaitApplied(records.back().first, client_->request_timeout()));
  }
  // Per incarnation, the newest revision of it the page holds: evidence
  // recorded later is not read (a deletion needs all of it).
  auto incarnation_key = [](const pb::EventRecord& record) {
    return absl::StrCat(record.claim_id(), "/", record.create_revision());
  };
  absl::flat_hash_map<std::string, int64_t> needed;
  for (const auto& [revision, record] : records) {
    int64_t& up_to = needed[incarnation_key(record)];
    up_to =
        static_cast<core::EventType>(record.type()) == core::EventType::kDeleted
            ? std::numeric_limits<int64_t>::max()
            : std::max(up_to, revision);
  }
  // Each incarnation's state, fetched once per page.
  absl::flat_hash_map<std::string, std::shared_ptr<const core::Claim>> bodies;
  core::EventPageBytes bytes(query.max_bytes);
  for (auto& [revision, record] : records) {
    const std::string body_key = incarnation_key(record);
    auto body = bodies.find(body_key);
    if (body == bodies.end()) {
      ASSIGN_OR_RETURN(core::Claim claim,
                       Incarnation(record.claim_id(), record.create_revision(),
                                   needed[body_key]));
      body = bodies
                 .emplace(body_key,
                          std::make_shared<const core::Claim>(std::move(claim)))
                 .first;
    }
    auto event = std::make_shared<const core::ClaimEvent>(
        EventAt(revision, record, *body->second));
    if (!bytes.Fits(*event)) {
      page.more = true;  // this event opens the next page
      break;
    }
    page.events.push_back(std::move(event));
  }
  page.next_revision =
      page.events.empty() ? from : page.events.back()->revision + 1;
  if (!page.more)
    page.next_revision = std::max(page.next_revision, page.revision + 1);
  return page;
}

absl::StatusOr<core::Claim> EtcdClaimStore::Incarnation(const std::string& id,
                                                        int64_t create_revision,
                                                        int64_t up_to) {
  {
    absl::MutexLock lock(&state_mutex_);
    auto live = claims_.find(id);
    if (live != claims_.end() &&
        live->second->claim.create_revision == create_revision)
      return live->second->claim;
  }
  // Deleted since: its tombstone holds the final state.
  const std::string key = keys_.Tombstone(id, create_revision);
  etcdserverpb::RangeRequest request;
  request.set_key(key);
  ASSIGN_OR_RETURN(etcdserverpb::RangeResponse response,
                   client_->RangeSmall(request));
  if (response.kvs().empty()) {
    return absl::OutOfRangeError(
        absl::StrCat("the history of claims/", id, " created at revision ",
                     create_revision, " has been compacted"));
  }
  ASSIGN_OR_RETURN(pb::ClaimHeader header,
                   Parse<pb::ClaimHeader>(response.kvs(0).value(), key));
  ASSIGN_OR_RETURN(core::EvidenceList evidence, ReadChunks(id, header, up_to));
  return ClaimOf(header, std::move(evidence));
}

absl::StatusOr<core::EvidenceList> EtcdClaimStore::ReadChunks(
    const std::string& id, const pb::ClaimHeader& header, int64_t up_to) {
  // Exactly the keys the header names, never a range over v/<id>/: that
  // prefix also holds every other incarnation's chunks (and staged leftovers),
  // so a claim deleted and re-created many times would make each read as
  // large as its whole past.
  const std::string prefix = keys_.ChunkPrefix(id);
  std::vector<const std::string*> wanted;
  for (const std::string& key : header.chunk_keys()) {
    // Oldest first: the rest was recorded later still.
    if (ChunkRevision(key, prefix, header.create_revision()) > up_to) break;
    wanted.push_back(&key);
  }
  ASSIGN_OR_RETURN(std::vector<std::optional<pb::EvidenceChunk>> chunks,
                   ReadChunkKeys(wanted, 0));
  core::EvidenceList evidence;
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (!chunks[i].has_value()) {
      return absl::OutOfRangeError(absl::StrCat(
          "evidence of claims/", id, " has been compacted (", *wanted[i], ")"));
    }
    for (const pb::Evidence& item : chunks[i]->items())
      evidence.push_back(DecodeEvidence(item, header.create_revision()));
  }
  return evidence;
}

absl::StatusOr<std::vector<std::optional<pb::EvidenceChunk>>>
EtcdClaimStore::ReadChunkKeys(absl::Span<const std::string* const> keys,
                              int64_t at_revision) {
  std::vector<std::optional<pb::EvidenceChunk>> chunks;
  chunks.reserve(keys.size());
  for (size_t first = 0; first < keys.size(); first += kChunksPerRead) {
    const size_t count = std::min(kChunksPerRead, keys.size() - first);
    etcdserverpb::TxnRequest txn;
    for (size_t i = first; i < first + count; ++i) {
      auto* range = txn.add_success()->mutable_request_range();
      range->set_key(*keys[i]);
      range->set_revision(at_revision);
    }
    // One attempt, as for other large reads: an answer of megabytes may take
    // longer than a resent small read's first attempt is given.
    ASSIGN_OR_RETURN(etcdserverpb::TxnResponse response, client_->Txn(txn));
    for (size_t i = 0; i < count; ++i) {
      const auto& kvs =
          response.responses(static_cast<int>(i)).response_range().kvs();
      if (kvs.empty()) {
        chunks.emplace_back();
        continue;
      }
      ASSIGN_OR_RETURN(chunks.emplace_back(),
                       Parse<pb::EvidenceChunk>(kvs[0].value(), kvs[0].key()));
    }
  }
  return chunks;
}

}  // namespace claimd::etcd_store
