// EtcdClaimStore: open, load, close, health (see etcd_claim_store.h). The
// writer, the watch, the reads and compaction live in etcd_writer.cc,
// etcd_watch.cc, etcd_reads.cc and etcd_compaction.cc.
#include "service/etcd_store/etcd_claim_store.h"

#include <openssl/sha.h>

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "service/etcd_store/etcd_txn.h"
#include "service/util/log.h"
#include "service/util/monotonic_clock.h"
#include "service/util/status_macros.h"

namespace claimd::etcd_store {

EtcdMetrics& NoEtcdMetrics() {
  static EtcdMetrics* const none = new EtcdMetrics();
  return *none;
}

namespace {

// Calls `each` for every key-value in [begin, end) as of etcd revision
// `at_revision`, a page at a time.
absl::Status RangeAll(
    EtcdClient& client, const std::string& begin, const std::string& end,
    int64_t at_revision,
    const std::function<absl::Status(const mvccpb::KeyValue&)>& each) {
  etcdserverpb::RangeRequest request;
  request.set_key(begin);
  request.set_range_end(end);
  request.set_revision(at_revision);
  request.set_limit(1000);
  for (;;) {
    ASSIGN_OR_RETURN(etcdserverpb::RangeResponse response,
                     client.Range(request));
    for (const mvccpb::KeyValue& kv : response.kvs()) RETURN_IF_ERROR(each(kv));
    if (!response.more() || response.kvs().empty()) return absl::OkStatus();
    request.set_key(response.kvs().rbegin()->key() + std::string(1, '\0'));
  }
}

}  // namespace

absl::uint128 EtcdClaimStore::RequestKey(absl::string_view request_id) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(request_id.data()),
         request_id.size(), digest);
  uint64_t high = 0, low = 0;
  for (int i = 0; i < 8; ++i) {
    high = (high << 8) | digest[i];
    low = (low << 8) | digest[8 + i];
  }
  return absl::MakeUint128(high, low);
}

absl::StatusOr<std::unique_ptr<EtcdClaimStore>> EtcdClaimStore::Open(
    EtcdStoreOptions options) {
  if (options.prefix.empty() || options.prefix.back() != '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "the etcd key prefix must end with '/': \"", options.prefix, "\""));
  }
  if (options.max_txn_ops < 16 || options.max_request_bytes < (256 << 10)) {
    return absl::InvalidArgumentError(
        "etcd limits below 16 operations or 256 KiB per request");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<EtcdClient> client,
                   EtcdClient::Create(options.connect));
  // Fail fast, with the reason (TLS refused, nothing listening), rather than
  // with the bare deadline of the first real call.
  RETURN_IF_ERROR(client->WaitConnected());
  std::unique_ptr<EtcdClaimStore> store(
      new EtcdClaimStore(std::move(options), std::move(client)));
  RETURN_IF_ERROR(store->InitializePrefix());
  ASSIGN_OR_RETURN(Loaded loaded, store->LoadState());
  store->NoteQuorumReached();  // the load was a linearizable read
  const int64_t revision = loaded.revision;
  store->watch_start_ = loaded.etcd_revision + 1;
  store->ReportLoaded(loaded);
  store->InstallLoaded(std::move(loaded));
  if (store->options_.observer != nullptr)
    store->options_.observer->OnOpen(revision);
  store->writer_thread_ = std::thread([s = store.get()] { s->WriterLoop(); });
  store->completer_thread_ =
      std::thread([s = store.get()] { s->CompleterLoop(); });
  store->watch_thread_ = std::thread([s = store.get()] { s->WatchLoop(); });
  store->maintenance_thread_ =
      std::thread([s = store.get()] { s->MaintenanceLoop(); });
  return store;
}

EtcdClaimStore::EtcdClaimStore(EtcdStoreOptions options,
                               std::unique_ptr<EtcdClient> client)
    : options_(std::move(options)),
      etcd_metrics_(options_.etcd_metrics != nullptr ? *options_.etcd_metrics
                                                     : NoEtcdMetrics()),
      keys_(options_.prefix),
      client_(std::move(client)) {}

EtcdClaimStore::~EtcdClaimStore() { Close(); }

absl::Status EtcdClaimStore::InitializePrefix() {
  // Created once, by whichever replica opens a new prefix first: the counter
  // at 0 and a random store id; later opens only read them.
  absl::BitGen random;
  const std::string new_id =
      absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(random),
                      absl::Uniform<uint64_t>(random));
  etcdserverpb::TxnRequest txn;
  CompareAbsent(txn, keys_.StoreId());
  PutOnSuccess(txn, keys_.StoreId(), new_id);
  PutOnSuccess(txn, keys_.Revision(), "0");
  txn.add_failure()->mutable_request_range()->set_key(keys_.StoreId());
  ASSIGN_OR_RETURN(etcdserverpb::TxnResponse response, client_->Txn(txn));
  if (response.succeeded()) {
    store_id_ = new_id;
    // Loud: a mistyped --etcd_prefix starts an empty store beside the real
    // one and acknowledges writes into it.
    util::LogWarning("created a new, empty claim store under etcd prefix ",
                     options_.prefix, " (store_id ", new_id,
                     "); if this replica should serve an existing store, "
                     "check --etcd_prefix");
    return absl::OkStatus();
  }
  const auto& range = response.responses(0).response_range();
  if (range.kvs().empty())
    return absl::InternalError("etcd: the store id vanished while opening");
  store_id_ = range.kvs(0).value();
  return absl::OkStatus();
}

absl::StatusOr<EtcdClaimStore::Loaded> EtcdClaimStore::LoadState() {
  Loaded loaded;
  // A linearizable read of the counter fixes the etcd revision everything else
  // is read at, so the claims, requests and counter agree.
  etcdserverpb::RangeRequest counter;
  counter.set_key(keys_.Revision());
  ASSIGN_OR_RETURN(etcdserverpb::RangeResponse head, client_->Range(counter));
  if (head.kvs().empty()) {
    return absl::InternalError(absl::StrCat("etcd key ", keys_.Revision(),
                                            " is missing: not a claimd store"));
  }
  ASSIGN_OR_RETURN(loaded.revision,
                   ParseRevision(head.kvs(0).value(), keys_.Revision()));
  loaded.etcd_revision = head.header().revision();
  const int64_t at = loaded.etcd_revision;

  RETURN_IF_ERROR(RangeAll(
      *client_, keys_.Compact(), "", at,
      [&](const mvccpb::KeyValue& kv) -> absl::Status {
        ASSIGN_OR_RETURN(loaded.compact, ParseRevision(kv.value(), kv.key()));
        return absl::OkStatus();
      }));
  // The headers first, then exactly the chunks they name: v/ also holds the
  // evidence of every deleted incarnation history still keeps (and staged
  // leftovers), which no live claim needs; a scan of it made the open of a
  // claim deleted and created again 100 times read 270 MB.
  std::vector<pb::ClaimHeader> headers;
  RETURN_IF_ERROR(
      RangeAll(*client_, keys_.ClaimsPrefix(), PrefixEnd(keys_.ClaimsPrefix()),
               at, [&](const mvccpb::KeyValue& kv) -> absl::Status {
                 ASSIGN_OR_RETURN(headers.emplace_back(),
                                  Parse<pb::ClaimHeader>(kv.value(), kv.key()));
                 return absl::OkStatus();
               }));
  std::vector<const std::string*> chunk_keys;
  for (const pb::ClaimHeader& header : headers) {
    for (const std::string& key : header.chunk_keys())
      chunk_keys.push_back(&key);
  }
  ASSIGN_OR_RETURN(std::vector<std::optional<pb::EvidenceChunk>> chunks,
                   ReadChunkKeys(chunk_keys, at));
  size_t next_chunk = 0;
  for (const pb::ClaimHeader& header : headers) {
    core::EvidenceList evidence;
    for (const std::string& key : header.chunk_keys()) {
      const std::optional<pb::EvidenceChunk>& chunk = chunks[next_chunk++];
      if (!chunk.has_value()) {
        return absl::InternalError(absl::StrCat("etcd: evidence chunk ", key,
                                                " of claims/", header.id(),
                                                " is missing"));
      }
      for (const pb::Evidence& item : chunk->items())
        evidence.push_back(DecodeEvidence(item, header.create_revision()));
    }
    auto live = std::make_shared<LiveClaim>();
    live->claim = ClaimOf(header, std::move(evidence));
    live->chunk_keys.assign(header.chunk_keys().begin(),
                            header.chunk_keys().end());
    loaded.claims[header.id()] = std::move(live);
  }
  RETURN_IF_ERROR(RangeAll(
      *client_, keys_.RequestsPrefix(), PrefixEnd(keys_.RequestsPrefix()), at,
      [&](const mvccpb::KeyValue& kv) -> absl::Status {
        ASSIGN_OR_RETURN(pb::RequestRecord record,
                         Parse<pb::RequestRecord>(kv.value(), kv.key()));
        loaded.requests[RequestKey(absl::string_view(kv.key()).substr(
            keys_.RequestsPrefix().size()))] = {record.revision(),
                                                record.fingerprint()};
        return absl::OkStatus();
      }));
  return loaded;
}

void EtcdClaimStore::ReportLoaded(const Loaded& loaded) {
  if (options_.metrics == nullptr) return;
  core::StatusCounts counts{};
  for (const auto& [id, live] : loaded.claims) {
    const int status = static_cast<int>(live->claim.status);
    if (status >= 0 && status < static_cast<int>(counts.size()))
      ++counts[status];
  }
  options_.metrics->OnStoreOpened(loaded.revision, counts);
}

void EtcdClaimStore::InstallLoaded(Loaded loaded) {
  NoteCounter(loaded.revision);
  absl::MutexLock lock(&state_mutex_);
  claims_ = std::move(loaded.claims);
  requests_ = std::move(loaded.requests);
  applied_ = loaded.revision;
  state_revision_ = loaded.revision;
  compact_ = std::max(compact_, loaded.compact);
  applied_waiter_.Publish(applied_);
}

bool EtcdClaimStore::Stopping() { return stop_.stopped(); }

bool EtcdClaimStore::SleepUnlessStopping(absl::Duration duration) {
  return stop_.WaitFor(duration);
}

void EtcdClaimStore::NoteCounter(int64_t revision) {
  int64_t known = known_revision_.load(std::memory_order_relaxed);
  while (known < revision && !known_revision_.compare_exchange_weak(
                                 known, revision, std::memory_order_relaxed)) {
  }
}

void EtcdClaimStore::Submit(core::Mutation mutation,
                            core::MutationCallback done) {
  {
    absl::MutexLock lock(&queue_mutex_);
    if (!queue_closed_) {
      queue_.push_back(Task{std::move(mutation), std::move(done)});
      return;
    }
  }
  std::move(done)(ClosedError());
}

absl::Status EtcdClaimStore::ClosedError() const {
  return absl::UnavailableError("store is closed");
}

int64_t EtcdClaimStore::AppliedRevision() {
  absl::MutexLock lock(&state_mutex_);
  return applied_;
}

int64_t EtcdClaimStore::CurrentRevision() {
  int64_t applied = AppliedRevision();
  return std::max(applied, known_revision_.load(std::memory_order_relaxed));
}

int64_t EtcdClaimStore::CompactRevision() {
  absl::MutexLock lock(&state_mutex_);
  return compact_;
}

void EtcdClaimStore::Close() {
  absl::MutexLock close_lock(&close_mutex_);
  {
    absl::MutexLock lock(&queue_mutex_);
    if (queue_closed_ && !writer_thread_.joinable()) return;
    queue_closed_ = true;
  }
  // The writer commits what was queued and the completer answers it once the
  // watch has delivered it, so the watch stops after both.
  if (writer_thread_.joinable()) writer_thread_.join();
  {
    absl::MutexLock lock(&completion_mutex_);
    completions_closed_ = true;
  }
  if (completer_thread_.joinable()) completer_thread_.join();
  stop_.Stop();
  {
    absl::MutexLock lock(&watch_context_mutex_);
    if (watch_context_ != nullptr) watch_context_->TryCancel();
  }
  if (watch_thread_.joinable()) watch_thread_.join();
  if (maintenance_thread_.joinable()) maintenance_thread_.join();
  absl::MutexLock lock(&state_mutex_);
  closed_ = true;
  applied_waiter_.Close();
}

absl::Status EtcdClaimStore::Health() {
  absl::MutexLock lock(&health_mutex_);
  if (!rolled_back_.ok()) return rolled_back_;
  return health_.ok() ? watch_failure_ : health_;
}

int64_t EtcdClaimStore::CommittedFloor() {
  return std::max(known_revision_.load(std::memory_order_relaxed),
                  AppliedRevision());
}

absl::Status EtcdClaimStore::NoteCounterRead(int64_t counter, int64_t floor) {
  absl::MutexLock lock(&health_mutex_);
  if (!rolled_back_.ok()) return rolled_back_;
  if (counter < floor) {
    rolled_back_ = absl::UnavailableError(absl::StrCat(
        "etcd's revision counter (", keys_.Revision(), ") is at ", counter,
        ", behind revision ", floor,
        " this replica knows was committed: the store in etcd went back "
        "(restored from a backup while claimd ran?); this replica serves it "
        "no more and applies nothing: restart it (after giving a restored "
        "store a new store_id: docs/BACKUP.md)"));
    util::LogError("health: ", rolled_back_.message());
    return rolled_back_;
  }
  NoteCounter(counter);
  return absl::OkStatus();
}

namespace {

// The revision counter, by a linearizable read within `budget`: it needs the
// leader and a quorum, as a commit does. Errors: etcd's (it was not reached);
// INTERNAL when it answered without a counter that parses.
absl::StatusOr<int64_t> ReadCounter(EtcdClient& client, const Keys& keys,
                                    absl::Duration budget) {
  etcdserverpb::RangeRequest request;
  request.set_key(keys.Revision());
  ASSIGN_OR_RETURN(etcdserverpb::RangeResponse response,
                   client.RangeSmall(request, budget));
  if (response.kvs().empty())
    return absl::InternalError("etcd: the revision counter is missing");
  return ParseRevision(response.kvs(0).value(), keys.Revision());
}

// Replaces one of the health verdicts, logging when it turns (`what` says
// which, for the turn back to OK).
void SetVerdict(absl::Status& verdict, absl::Status status,
                absl::string_view what) {
  if (verdict.ok() != status.ok()) {
    if (status.ok()) {
      util::LogInfo("health: ", what, " works again");
    } else {
      util::LogWarning("health: ", status.message());
    }
  }
  verdict = std::move(status);
}

}  // namespace

void EtcdClaimStore::SetWatchFailure(absl::Status status) {
  absl::MutexLock lock(&health_mutex_);
  SetVerdict(watch_failure_, std::move(status), "etcd watch");
}

void EtcdClaimStore::SetHealth(absl::Status status) {
  absl::MutexLock lock(&health_mutex_);
  SetVerdict(health_, std::move(status), "etcd quorum");
}

absl::Status EtcdClaimStore::ProbeHealth() {
  const int64_t floor = CommittedFloor();
  absl::StatusOr<int64_t> counter =
      ReadCounter(*client_, keys_, options_.health_timeout);
  // INTERNAL: etcd answered, with no counter that parses; the quorum is there.
  const bool reached = counter.ok() || absl::IsInternal(counter.status());
  if (counter.ok()) NoteCounterRead(*counter, floor).IgnoreError();
  if (reached) NoteQuorumReached();
  SetHealth(reached ? absl::OkStatus()
                    : absl::UnavailableError(absl::StrCat(
                          "no etcd quorum: ", counter.status().message())));
  return Health();
}

void EtcdClaimStore::NoteQuorumReached() {
  quorum_reached_at_ns_.store(
      absl::ToInt64Nanoseconds(util::MonotonicClock::Real().Now()),
      std::memory_order_relaxed);
}

absl::Status EtcdClaimStore::QuorumGate(bool write) {
  absl::Status health = Health();
  if (health.ok()) return absl::OkStatus();
  {
    absl::MutexLock lock(&health_mutex_);
    if (!rolled_back_.ok()) return rolled_back_;
  }
  const absl::Duration gone =
      util::MonotonicClock::Real().Now() -
      absl::Nanoseconds(quorum_reached_at_ns_.load(std::memory_order_relaxed));
  if (gone < kQuorumLossToRefuse) return absl::OkStatus();
  const int64_t floor = CommittedFloor();
  absl::StatusOr<int64_t> counter = quorum_checks_.Read(
      [this] { return ReadCounter(*client_, keys_, kQuorumCheckBudget); });
  if (counter.ok()) {
    RETURN_IF_ERROR(NoteCounterRead(*counter, floor));
    NoteQuorumReached();
    SetHealth(absl::OkStatus());
    return absl::OkStatus();
  }
  return absl::UnavailableError(absl::StrCat(
      "this replica has reached no etcd quorum for ",
      absl::FormatDuration(absl::Trunc(gone, absl::Seconds(1))), " (",
      health.message(), "); ",
      write ? "this attempt was not applied (an earlier one with the same "
              "request_id may have been): retry with it, or use another "
              "replica"
            : "retry, or use another replica"));
}

void EtcdClaimStore::MaintenanceLoop() {
  // The etcd revision seen at the previous compaction tick: the next tick
  // compacts etcd's MVCC history up to it, so a watch or read that started
  // within one interval never finds its revision compacted.
  int64_t previous_tick_revision = 0;
  // The schedule is on the monotonic clock: a clock step neither skips nor
  // repeats compactions.
  const util::MonotonicClock& clock = util::MonotonicClock::Real();
  absl::Duration next_compaction =
      clock.Now() + options_.etcd_compaction_interval;
  // A revision etcd had committed at the previous probe that the watch had not
  // applied then (0: none).
  int64_t awaited = 0;
  while (!SleepUnlessStopping(options_.health_interval)) {
    ProbeHealth().IgnoreError();
    // Reads restart a watch stuck on a hung member (WaitApplied). On a replica
    // nobody reads from only its watchers would wait, until gRPC's keepalive
    // gave the member up (7 s): so what etcd had committed one probe ago must
    // have been applied by now, or the watch is restarted.
    const int64_t applied = AppliedRevision();
    if (awaited > applied) RestartStalledWatch();
    NoteWatchWorking();
    const int64_t known = known_revision_.load(std::memory_order_relaxed);
    awaited = known > applied ? known : 0;
    if (clock.Now() < next_compaction) continue;
    next_compaction = clock.Now() + options_.etcd_compaction_interval;
    etcdserverpb::RangeRequest head;
    head.set_key(keys_.Revision());
    head.set_count_only(true);
    absl::StatusOr<etcdserverpb::RangeResponse> response =
        client_->RangeSmall(head);
    if (!response.ok()) continue;
    if (previous_tick_revision > 0) {
      absl::StatusOr<bool> compacted =
          CompactEtcdHistory(previous_tick_revision, previous_tick_revision);
      if (!compacted.ok()) {
        util::LogWarning("etcd compaction to revision ", previous_tick_revision,
                         " failed: ", compacted.status().message());
      }
    }
    previous_tick_revision = response->header().revision();
  }
}

}  // namespace claimd::etcd_store
