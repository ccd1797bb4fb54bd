// EtcdClaimStore's compaction: claimd's history (Compact, and the deletion
// pass over what the trimmed events kept alive) and etcd's own MVCC history
// (CompactEtcdHistory). See etcd_claim_store.h and docs/DESIGN.md.
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "service/etcd_store/etcd_claim_store.h"
#include "service/etcd_store/etcd_txn.h"
#include "service/util/monotonic_clock.h"
#include "service/util/status_macros.h"

namespace claimd::etcd_store {
namespace {

// Events the deletion pass reads at once. What they name is read and deleted
// in Txns of up to --max-txn-ops operations: a few round trips per page
// instead of one to three per event.
constexpr int64_t kPassPage = 512;

// Groups the pass's reads and deletes into Txns within etcd's limits.
class TxnGroups {
 public:
  TxnGroups(EtcdClient& client, int max_ops, size_t max_bytes)
      : client_(client),
        max_ops_(max_ops - 1),
        max_bytes_(max_bytes - kRequestOverhead) {}

  // The key-values of `keys`, in order (nullopt: absent), read in Txns of
  // Range operations.
  absl::StatusOr<std::vector<std::optional<mvccpb::KeyValue>>> Read(
      const std::vector<std::string>& keys) {
    std::vector<std::optional<mvccpb::KeyValue>> found;
    found.reserve(keys.size());
    for (size_t begin = 0; begin < keys.size();) {
      const size_t end = GroupEnd(keys, begin, 0);
      etcdserverpb::TxnRequest txn;
      for (size_t i = begin; i < end; ++i)
        txn.add_success()->mutable_request_range()->set_key(keys[i]);
      ASSIGN_OR_RETURN(etcdserverpb::TxnResponse read, client_.Txn(txn));
      for (const etcdserverpb::ResponseOp& op : read.responses()) {
        const auto& kvs = op.response_range().kvs();
        found.push_back(kvs.empty() ? std::nullopt
                                    : std::optional<mvccpb::KeyValue>(kvs[0]));
      }
      begin = end;
    }
    return found;
  }

  // Deletes `keys`; returns how many it asked etcd to delete.
  absl::StatusOr<int64_t> Delete(const std::vector<std::string>& keys) {
    for (size_t begin = 0; begin < keys.size();) {
      const size_t end = GroupEnd(keys, begin, 0);
      etcdserverpb::TxnRequest txn;
      for (size_t i = begin; i < end; ++i)
        txn.add_success()->mutable_request_delete_range()->set_key(keys[i]);
      RETURN_IF_ERROR(client_.Txn(txn).status());
      begin = end;
    }
    return static_cast<int64_t>(keys.size());
  }

  // Deletes each key whose mod revision is still the one given (a key written
  // again since it was read stays): one Txn per group comparing all of them;
  // a group whose compare fails is done again a key at a time.
  absl::StatusOr<int64_t> DeleteUnchanged(
      const std::vector<std::string>& keys,
      const std::vector<int64_t>& mod_revisions) {
    int64_t deleted = 0;
    auto send = [&](size_t begin, size_t end) -> absl::StatusOr<bool> {
      etcdserverpb::TxnRequest txn;
      for (size_t i = begin; i < end; ++i) {
        CompareModRevision(txn, keys[i], etcdserverpb::Compare::EQUAL,
                           mod_revisions[i]);
        txn.add_success()->mutable_request_delete_range()->set_key(keys[i]);
      }
      ASSIGN_OR_RETURN(etcdserverpb::TxnResponse response, client_.Txn(txn));
      if (response.succeeded()) deleted += static_cast<int64_t>(end - begin);
      return response.succeeded();
    };
    for (size_t begin = 0; begin < keys.size();) {
      const size_t end = GroupEnd(keys, begin, 2 * kPerOpOverhead);
      ASSIGN_OR_RETURN(const bool all, send(begin, end));
      if (!all && end - begin > 1) {
        for (size_t i = begin; i < end; ++i)
          RETURN_IF_ERROR(send(i, i + 1).status());
      }
      begin = end;
    }
    return deleted;
  }

 private:
  // The end of the group of keys from `begin` that one Txn holds.
  size_t GroupEnd(const std::vector<std::string>& keys, size_t begin,
                  size_t extra_per_key) const {
    size_t end = begin, bytes = 0;
    while (end < keys.size() && end - begin < static_cast<size_t>(max_ops_)) {
      const size_t cost = 2 * keys[end].size() + kPerOpOverhead + extra_per_key;
      if (end > begin && bytes + cost > max_bytes_) break;
      bytes += cost;
      ++end;
    }
    return end;
  }

  EtcdClient& client_;
  const int max_ops_;
  const size_t max_bytes_;
};

}  // namespace

absl::Status EtcdClaimStore::Compact(int64_t revision) {
  {
    absl::MutexLock lock(&queue_mutex_);
    if (queue_closed_) return ClosedError();
  }
  ASSIGN_OR_RETURN(const int64_t current, CatchUp());
  if (revision > current) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot compact to revision ", revision,
                     ": the current revision is ", current));
  }
  // 1. Advance meta/compact (compare-and-set on its mod revision), so readers
  // answer OUT_OF_RANGE from now on, before anything is deleted.
  for (int attempt = 0;; ++attempt) {
    etcdserverpb::RangeRequest read;
    read.set_key(keys_.Compact());
    ASSIGN_OR_RETURN(etcdserverpb::RangeResponse now, client_->Range(read));
    int64_t stored = 0, mod_revision = 0;
    if (!now.kvs().empty()) {
      ASSIGN_OR_RETURN(stored,
                       ParseRevision(now.kvs(0).value(), keys_.Compact()));
      mod_revision = now.kvs(0).mod_revision();
    }
    if (stored >= revision) break;
    etcdserverpb::TxnRequest txn;
    CompareModRevision(txn, keys_.Compact(), etcdserverpb::Compare::EQUAL,
                       mod_revision);
    PutOnSuccess(txn, keys_.Compact(), absl::StrCat(revision));
    ASSIGN_OR_RETURN(etcdserverpb::TxnResponse response, client_->Txn(txn));
    if (response.succeeded()) break;
    if (attempt >= 20)
      return absl::AbortedError("compaction raced another replica 20 times");
  }
  {
    absl::MutexLock lock(&state_mutex_);
    compact_ = std::max(compact_, revision);
  }
  RETURN_IF_ERROR(DeleteCompactedHistory(revision));
  absl::MutexLock lock(&state_mutex_);
  for (auto it = requests_.begin(); it != requests_.end();) {
    if (it->second.revision <= revision) {
      requests_.erase(it++);
    } else {
      ++it;
    }
  }
  return absl::OkStatus();
}

absl::Status EtcdClaimStore::DeleteCompactedHistory(int64_t revision) {
  // Every replica's ticker compacts: the pass runs once. A replica skips it
  // when the pass is recorded done up to `revision` (meta/compacted), or when
  // another replica is running one (meta/compacting, under a lease so that a
  // replica that dies mid-pass does not block the others for longer than its
  // TTL). The running pass renews its claim every third of the TTL, however
  // long it takes. The pass is idempotent, so a claim lost all the same (a
  // pass stalled past its TTL) costs repeated work, never wrong work.
  etcdserverpb::RangeRequest done;
  done.set_key(keys_.Compacted());
  ASSIGN_OR_RETURN(etcdserverpb::RangeResponse marker, client_->Range(done));
  if (!marker.kvs().empty()) {
    ASSIGN_OR_RETURN(const int64_t compacted,
                     ParseRevision(marker.kvs(0).value(), keys_.Compacted()));
    if (compacted >= revision) return absl::OkStatus();
  }
  const util::MonotonicClock& clock = util::MonotonicClock::Real();
  const int64_t ttl_seconds =
      std::max<int64_t>(1, absl::ToInt64Seconds(options_.compacting_lease));
  // Puts the claim under a new lease when `compare` holds; returns the
  // claim's mod revision (0: not claimed).
  auto claim = [&](etcdserverpb::TxnRequest txn) -> absl::StatusOr<int64_t> {
    etcdserverpb::LeaseGrantRequest grant;
    grant.set_ttl(ttl_seconds);
    ASSIGN_OR_RETURN(etcdserverpb::LeaseGrantResponse lease,
                     client_->LeaseGrant(grant));
    PutOnSuccess(txn, keys_.Compacting(), absl::StrCat(revision))
        ->set_lease(lease.id());
    ASSIGN_OR_RETURN(etcdserverpb::TxnResponse claimed, client_->Txn(txn));
    return claimed.succeeded() ? claimed.header().revision() : 0;
  };
  etcdserverpb::TxnRequest first;
  CompareAbsent(first, keys_.Compacting());
  ASSIGN_OR_RETURN(int64_t claim_mod_revision, claim(first));
  if (claim_mod_revision == 0) return absl::OkStatus();  // another's pass
  compaction_passes_.fetch_add(1, std::memory_order_relaxed);
  etcd_metrics_.OnCompactionPass();
  // Renewal is a new lease for the claim, compared on the claim's mod
  // revision: a pass whose claim expired and was taken stops (ABORTED), and
  // the old lease expires holding nothing.
  absl::Duration renew_at = clock.Now() + options_.compacting_lease / 3;
  auto keep_claim = [&]() -> absl::Status {
    if (clock.Now() < renew_at) return absl::OkStatus();
    etcdserverpb::TxnRequest renew;
    CompareModRevision(renew, keys_.Compacting(), etcdserverpb::Compare::EQUAL,
                       claim_mod_revision);
    ASSIGN_OR_RETURN(claim_mod_revision, claim(renew));
    if (claim_mod_revision == 0)
      return absl::AbortedError("the deletion pass was taken over");
    renew_at = clock.Now() + options_.compacting_lease / 3;
    return absl::OkStatus();
  };
  auto counted = [&](int64_t keys) {
    compaction_keys_deleted_.fetch_add(keys, std::memory_order_relaxed);
    etcd_metrics_.OnCompactedKeys(keys);
  };
  TxnGroups groups(*client_, options_.max_txn_ops, options_.max_request_bytes);
  // A pass that fails frees its claim at once, so the next Compact (on any
  // replica) finishes it without waiting for the lease to expire.
  auto pass = [&]() -> absl::Status {
    // Delete what the trimmed events kept alive: the events and their index
    // entries, tombstones of claims deleted in them (and those claims'
    // evidence), and the request_ids they recorded. A page of events at a
    // time, its reads and deletes grouped into Txns. Idempotent: a pass that
    // failed halfway is finished by the next Compact.
    const std::string events_end = keys_.Event(revision + 1);
    for (;;) {
      RETURN_IF_ERROR(keep_claim());
      etcdserverpb::RangeRequest page;
      page.set_key(keys_.EventsPrefix());
      page.set_range_end(events_end);
      page.set_limit(kPassPage);
      ASSIGN_OR_RETURN(etcdserverpb::RangeResponse events,
                       client_->Range(page));
      if (events.kvs().empty()) break;
      std::vector<std::string> deletes, tombstones, requests;
      std::vector<int64_t> request_revisions;
      absl::flat_hash_set<std::string> requests_seen;
      for (const mvccpb::KeyValue& kv : events.kvs()) {
        ASSIGN_OR_RETURN(pb::EventRecord record,
                         Parse<pb::EventRecord>(kv.value(), kv.key()));
        absl::string_view rest;
        keys_.Classify(kv.key(), &rest);
        int64_t event_revision = 0;
        if (!absl::SimpleAtoi(rest, &event_revision))
          return absl::InternalError(absl::StrCat("bad event key ", kv.key()));
        deletes.push_back(keys_.Index(record.claim_id(), event_revision));
        if (record.type() == static_cast<int>(core::EventType::kDeleted)) {
          tombstones.push_back(
              keys_.Tombstone(record.claim_id(), record.create_revision()));
        }
        std::string request = keys_.Request(record.request_id());
        if (!record.request_id().empty() &&
            requests_seen.insert(request).second) {
          requests.push_back(std::move(request));
          request_revisions.push_back(event_revision);
        }
      }
      ASSIGN_OR_RETURN(const auto found_tombstones, groups.Read(tombstones));
      for (size_t i = 0; i < tombstones.size(); ++i) {
        if (!found_tombstones[i].has_value()) continue;
        ASSIGN_OR_RETURN(pb::ClaimHeader header,
                         Parse<pb::ClaimHeader>(found_tombstones[i]->value(),
                                                tombstones[i]));
        for (const std::string& chunk : header.chunk_keys())
          deletes.push_back(chunk);
        deletes.push_back(tombstones[i]);
      }
      // Only the request records these events wrote (compare-and-delete on
      // their mod revision): a request_id trimmed earlier may have been used
      // again.
      ASSIGN_OR_RETURN(const auto found_requests, groups.Read(requests));
      std::vector<std::string> unchanged;
      std::vector<int64_t> mod_revisions;
      for (size_t i = 0; i < requests.size(); ++i) {
        if (!found_requests[i].has_value()) continue;
        ASSIGN_OR_RETURN(
            pb::RequestRecord stored,
            Parse<pb::RequestRecord>(found_requests[i]->value(), requests[i]));
        if (stored.revision() != request_revisions[i]) continue;
        unchanged.push_back(requests[i]);
        mod_revisions.push_back(found_requests[i]->mod_revision());
      }
      RETURN_IF_ERROR(keep_claim());
      ASSIGN_OR_RETURN(const int64_t deleted, groups.Delete(deletes));
      counted(deleted);
      ASSIGN_OR_RETURN(const int64_t forgotten,
                       groups.DeleteUnchanged(unchanged, mod_revisions));
      counted(forgotten);
      // The events last, so an interrupted pass is found again by the next one.
      etcdserverpb::TxnRequest drop;
      auto* range = drop.add_success()->mutable_request_delete_range();
      range->set_key(events.kvs(0).key());
      range->set_range_end(events.kvs().rbegin()->key() + std::string(1, '\0'));
      RETURN_IF_ERROR(client_->Txn(drop).status());
      counted(events.kvs_size());
      if (!events.more()) break;
    }
    return absl::OkStatus();
  };
  if (absl::Status passed = pass(); !passed.ok()) {
    // Taken over: the other pass finishes (and records) it.
    if (absl::IsAborted(passed)) return absl::OkStatus();
    etcdserverpb::TxnRequest release;
    CompareModRevision(release, keys_.Compacting(),
                       etcdserverpb::Compare::EQUAL, claim_mod_revision);
    release.add_success()->mutable_request_delete_range()->set_key(
        keys_.Compacting());
    client_->Txn(release).IgnoreError();  // else the lease expires
    return passed;
  }
  // Done: record it and free the claim in one Txn (unless the claim was taken
  // over at the last moment: then the other pass records it).
  etcdserverpb::TxnRequest finish;
  CompareModRevision(finish, keys_.Compacting(), etcdserverpb::Compare::EQUAL,
                     claim_mod_revision);
  PutOnSuccess(finish, keys_.Compacted(), absl::StrCat(revision));
  finish.add_success()->mutable_request_delete_range()->set_key(
      keys_.Compacting());
  return client_->Txn(finish).status();
}

absl::StatusOr<bool> EtcdClaimStore::CompactEtcdHistory(int64_t etcd_revision,
                                                        int64_t since) {
  // Claim this round: the marker's mod revision below `since` means no
  // replica compacted since then (a missing key compares as mod revision 0).
  etcdserverpb::TxnRequest claim;
  CompareModRevision(claim, keys_.EtcdCompacted(), etcdserverpb::Compare::LESS,
                     since);
  PutOnSuccess(claim, keys_.EtcdCompacted(), absl::StrCat(etcd_revision));
  ASSIGN_OR_RETURN(etcdserverpb::TxnResponse claimed, client_->Txn(claim));
  if (!claimed.succeeded()) return false;
  // Claimed but the Compact call failed: the next round compacts further,
  // covering this one.
  etcdserverpb::CompactionRequest compaction;
  compaction.set_revision(etcd_revision);
  absl::StatusOr<etcdserverpb::CompactionResponse> compacted =
      client_->Compact(compaction);
  // OUT_OF_RANGE: etcd is compacted past it already (another deployment on
  // the cluster, or an operator).
  if (!compacted.ok() && !absl::IsOutOfRange(compacted.status()))
    return compacted.status();
  etcd_compactions_.fetch_add(1, std::memory_order_relaxed);
  etcd_metrics_.OnEtcdCompaction();
  return true;
}

EtcdClaimStore::CompactionWork EtcdClaimStore::compaction_work() const {
  return CompactionWork{
      .passes = compaction_passes_.load(std::memory_order_relaxed),
      .keys_deleted = compaction_keys_deleted_.load(std::memory_order_relaxed),
      .etcd_compactions = etcd_compactions_.load(std::memory_order_relaxed)};
}

}  // namespace claimd::etcd_store
