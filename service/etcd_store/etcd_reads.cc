// EtcdClaimStore's reads. Claims are served from this replica's watch-fed
// state after CatchUp() confirmed it holds every revision committed before the
// read began (one linearizable etcd read of the counter: the consistent read
// of the Kubernetes API server's watch cache). History is read from etcd.
#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "service/core/limits.h"
#include "service/etcd_store/etcd_claim_store.h"
#include "service/util/monotonic_clock.h"
#include "service/util/status_macros.h"

namespace claimd::etcd_store {

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
  NoteCounter(*counter);
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
  // Keys below `from` (trimmed but not yet deleted, when asked from the
  // oldest) used up part of the range's limit: more may follow.
  if (!page.more && found.more() && !records.empty()) page.more = true;
  if (!records.empty() && wait_applied) {
    // Live claims come from this replica's state, which must hold these
    // revisions first.
    RETURN_IF_ERROR(
        WaitApplied(records.back().first, client_->request_timeout()));
  }
  // Each incarnation's final (or current) state, fetched once per page.
  absl::flat_hash_map<std::string, std::shared_ptr<const core::Claim>> bodies;
  for (auto& [revision, record] : records) {
    const std::string body_key =
        absl::StrCat(record.claim_id(), "/", record.create_revision());
    auto body = bodies.find(body_key);
    if (body == bodies.end()) {
      ASSIGN_OR_RETURN(
          core::Claim claim,
          Incarnation(record.claim_id(), record.create_revision()));
      body = bodies
                 .emplace(body_key,
                          std::make_shared<const core::Claim>(std::move(claim)))
                 .first;
    }
    page.events.push_back(std::make_shared<const core::ClaimEvent>(
        EventAt(revision, record, *body->second)));
  }
  page.next_revision =
      page.events.empty() ? from : page.events.back()->revision + 1;
  if (!page.more)
    page.next_revision = std::max(page.next_revision, page.revision + 1);
  return page;
}

absl::StatusOr<core::Claim> EtcdClaimStore::Incarnation(
    const std::string& id, int64_t create_revision) {
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
  ASSIGN_OR_RETURN(core::EvidenceList evidence, ReadChunks(id, header));
  return ClaimOf(header, std::move(evidence));
}

absl::StatusOr<core::EvidenceList> EtcdClaimStore::ReadChunks(
    const std::string& id, const pb::ClaimHeader& header) {
  core::EvidenceList evidence;
  if (header.chunk_keys().empty()) return evidence;
  etcdserverpb::RangeRequest request;
  request.set_key(keys_.ChunkPrefix(id));
  request.set_range_end(PrefixEnd(keys_.ChunkPrefix(id)));
  ASSIGN_OR_RETURN(etcdserverpb::RangeResponse response,
                   client_->Range(request));
  absl::flat_hash_map<absl::string_view, const std::string*> values;
  for (const mvccpb::KeyValue& kv : response.kvs())
    values[kv.key()] = &kv.value();
  for (const std::string& key : header.chunk_keys()) {
    auto value = values.find(key);
    if (value == values.end()) {
      return absl::OutOfRangeError(absl::StrCat(
          "evidence of claims/", id, " has been compacted (", key, ")"));
    }
    ASSIGN_OR_RETURN(pb::EvidenceChunk chunk,
                     Parse<pb::EvidenceChunk>(*value->second, key));
    for (const pb::Evidence& item : chunk.items()) {
      evidence.push_back(DecodeEvidence(item, header.create_revision()));
    }
  }
  return evidence;
}

}  // namespace claimd::etcd_store
