// EtcdClaimStore's watch: ONE etcd watch on the store's prefix feeds this
// replica's claims, request_ids and CommitObserver, in revision order, its own
// commits included (see etcd_claim_store.h).
#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "service/etcd_store/etcd_claim_store.h"
#include "service/util/log.h"
#include "service/util/monotonic_clock.h"
#include "service/util/status_macros.h"

namespace claimd::etcd_store {
namespace {

// A watch stream that breaks says little about the quorum: etcd cancels the
// watches of a member that lost its leader during an election, and they open
// again on the next attempt. Only a watch that keeps failing this long makes
// the replica unhealthy; quorum itself is what the health probe, the reads
// and the commits report.
constexpr absl::Duration kWatchFailingBeforeUnhealthy = absl::Seconds(3);
// A stream that lived this long worked: a failure after it starts a new run
// of failures.
constexpr absl::Duration kWatchStreamWorked = absl::Seconds(1);

}  // namespace

void EtcdClaimStore::WatchLoop() {
  int64_t next = watch_start_;
  absl::Duration backoff = absl::Milliseconds(50);
  const util::MonotonicClock& clock = util::MonotonicClock::Real();
  // When the current run of failed streams began (InfiniteDuration: none).
  absl::Duration failing_since = absl::InfiniteDuration();
  // A Resync that failed after it installed the state it loaded: the next
  // pass resyncs again. Watching from the old position would apply revisions
  // the installed state already holds a second time.
  bool resync_pending = false;
  while (!Stopping()) {
    const int64_t before = next;
    const absl::Duration opened = clock.Now();
    absl::Status status = resync_pending ? absl::InternalError("resync pending")
                                         : WatchOnce(next);
    if (Stopping()) return;
    if (next > before || clock.Now() - opened >= kWatchStreamWorked)
      failing_since = absl::InfiniteDuration();
    bool restart_requested = false;
    {
      absl::MutexLock lock(&watch_context_mutex_);
      restart_requested = std::exchange(watch_restart_requested_, false);
    }
    if (restart_requested && !resync_pending) {
      etcd_metrics_.OnWatchRestart(/*resync=*/false);
      continue;
    }
    const bool resync = absl::IsOutOfRange(status) || absl::IsInternal(status);
    etcd_metrics_.OnWatchRestart(resync);
    if (resync) {
      // etcd compacted past our position, or the stream broke a rule: read
      // the state again and deliver what we missed from claimd's own events.
      if (!resync_pending)
        util::LogWarning("etcd watch: ", status.message(), "; resyncing");
      status = Resync(next);
      resync_pending = !status.ok();
    }
    if (next > before) backoff = absl::Milliseconds(50);
    if (!status.ok()) {
      if (failing_since == absl::InfiniteDuration())
        failing_since = clock.Now();
      if (clock.Now() - failing_since >= kWatchFailingBeforeUnhealthy) {
        SetWatchFailure(absl::UnavailableError(
            absl::StrCat("etcd watch keeps failing: ", status.message())));
      } else {
        util::LogInfo("etcd watch: ", status.message(), "; reopening");
      }
      SleepUnlessStopping(backoff);
      backoff = std::min(backoff * 2, absl::Seconds(1));
    }
  }
}

absl::Status EtcdClaimStore::WatchOnce(int64_t& next_etcd_revision) {
  grpc::ClientContext context;
  client_->PrepareContext(context, absl::InfiniteDuration());
  {
    absl::MutexLock lock(&watch_context_mutex_);
    if (Stopping()) return absl::CancelledError("closing");
    watch_context_ = &context;
    watch_progress_at_ = util::MonotonicClock::Real().Now();
  }
  auto stream = client_->Watch(&context);
  etcdserverpb::WatchRequest request;
  auto* create = request.mutable_create_request();
  create->set_key(keys_.prefix());
  create->set_range_end(PrefixEnd(keys_.prefix()));
  create->set_start_revision(next_etcd_revision);
  absl::Status result = absl::OkStatus();
  if (stream->Write(request)) {
    etcdserverpb::WatchResponse response;
    std::vector<const mvccpb::Event*> changes;
    std::vector<core::ClaimEventPtr> events;
    bool accepted = false;
    while (result.ok() && stream->Read(&response)) {
      {
        absl::MutexLock lock(&watch_context_mutex_);
        watch_progress_at_ = util::MonotonicClock::Real().Now();
      }
      if (response.compact_revision() > 0) {
        result = absl::OutOfRangeError(
            absl::StrCat("etcd compacted revision ", next_etcd_revision,
                         " (now at ", response.compact_revision(), ")"));
        break;
      }
      if (response.canceled()) {
        result = absl::UnavailableError(absl::StrCat(
            "etcd cancelled the watch: ", response.cancel_reason()));
        break;
      }
      // etcd accepted the watch (its first response, sent as the watch is
      // created): once it has stayed up for kWatchStreamWorked the
      // maintenance loop calls the watch working again (NoteWatchWorking).
      if (!accepted) {
        accepted = true;
        absl::MutexLock lock(&watch_context_mutex_);
        watch_accepted_at_ = util::MonotonicClock::Real().Now();
      }
      // One etcd revision is one Txn: apply revision by revision (etcd never
      // splits a revision across responses).
      const auto& all = response.events();
      for (int i = 0; i < all.size() && result.ok();) {
        const int64_t revision = all[i].kv().mod_revision();
        changes.clear();
        for (; i < all.size() && all[i].kv().mod_revision() == revision; ++i)
          changes.push_back(&all[i]);
        events.clear();
        result = ApplyRevision(changes, events);
        if (!result.ok()) break;
        if (!events.empty() && options_.observer != nullptr)
          options_.observer->OnCommit(events);
        // Reported before it is published: a read that waited for the
        // revision finds the metrics there too. Every replica's events, so
        // that the claim counts and revision are the store's, not this
        // replica's commits.
        if (!events.empty()) {
          etcd_metrics_.OnWatchApplied(events.back()->revision);
          if (options_.metrics != nullptr)
            options_.metrics->OnEventsApplied(events);
        }
        if (!events.empty()) {
          absl::MutexLock lock(&state_mutex_);
          applied_ = events.back()->revision;
          applied_waiter_.Publish(applied_);
        }
        next_etcd_revision = revision + 1;
      }
    }
  }
  if (result.ok()) {
    context.TryCancel();
    result = EtcdClient::FromGrpc(stream->Finish(), "etcd watch");
    if (result.ok()) result = absl::UnavailableError("etcd watch ended");
  } else {
    context.TryCancel();
    stream->Finish().ok();
  }
  absl::MutexLock lock(&watch_context_mutex_);
  watch_context_ = nullptr;
  watch_accepted_at_ = absl::InfiniteDuration();
  return result;
}

void EtcdClaimStore::NoteWatchWorking() {
  {
    absl::MutexLock lock(&watch_context_mutex_);
    if (util::MonotonicClock::Real().Now() - watch_accepted_at_ <
        kWatchStreamWorked)
      return;
  }
  SetWatchFailure(absl::OkStatus());
}

void EtcdClaimStore::RestartStalledWatch() {
  const absl::Duration now = util::MonotonicClock::Real().Now();
  absl::MutexLock lock(&watch_context_mutex_);
  // Between streams WatchLoop is reconnecting already.
  if (watch_context_ == nullptr || watch_restart_requested_) return;
  if (now - watch_progress_at_ < kWatchStallTimeout) return;
  util::LogWarning("etcd watch delivered nothing for ",
                   absl::FormatDuration(now - watch_progress_at_),
                   " while etcd holds newer revisions; reconnecting");
  watch_restart_requested_ = true;
  watch_context_->TryCancel();
}

absl::Status EtcdClaimStore::ApplyRevision(
    const std::vector<const mvccpb::Event*>& changes,
    std::vector<core::ClaimEventPtr>& events) {
  std::vector<std::pair<int64_t, pb::EventRecord>> records;
  absl::flat_hash_map<std::string, pb::ClaimHeader> headers;
  absl::flat_hash_map<std::string, const std::string*> chunks;
  std::vector<std::pair<std::string, RequestEntry>> request_puts;
  std::vector<std::string> request_deletes;
  int64_t compact = -1;
  int64_t counter = -1;
  for (const mvccpb::Event* change : changes) {
    const mvccpb::KeyValue& kv = change->kv();
    const bool put = change->type() == mvccpb::Event::PUT;
    absl::string_view rest;
    switch (keys_.Classify(kv.key(), &rest)) {
      case Keys::Kind::kRevision:
        if (put) {
          ASSIGN_OR_RETURN(counter, ParseRevision(kv.value(), kv.key()));
        }
        break;
      case Keys::Kind::kCompact:
        if (put) {
          ASSIGN_OR_RETURN(compact, ParseRevision(kv.value(), kv.key()));
        }
        break;
      case Keys::Kind::kEvent: {
        if (!put) break;  // trimmed by a compaction
        int64_t revision = 0;
        if (!absl::SimpleAtoi(rest, &revision))
          return absl::InternalError(absl::StrCat("bad event key ", kv.key()));
        ASSIGN_OR_RETURN(pb::EventRecord record,
                         Parse<pb::EventRecord>(kv.value(), kv.key()));
        records.emplace_back(revision, std::move(record));
        break;
      }
      case Keys::Kind::kClaim:
        if (put) {
          ASSIGN_OR_RETURN(headers[rest],
                           Parse<pb::ClaimHeader>(kv.value(), kv.key()));
        }
        break;
      case Keys::Kind::kChunk:
        if (put) chunks[kv.key()] = &kv.value();
        break;
      case Keys::Kind::kRequest:
        if (put) {
          ASSIGN_OR_RETURN(pb::RequestRecord record,
                           Parse<pb::RequestRecord>(kv.value(), kv.key()));
          request_puts.emplace_back(
              std::string(rest),
              RequestEntry{record.revision(), record.fingerprint()});
        } else {
          request_deletes.emplace_back(rest);
        }
        break;
      case Keys::Kind::kOther:
        break;
    }
  }
  std::sort(records.begin(), records.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  if (counter >= 0) NoteCounter(counter);

  absl::MutexLock lock(&state_mutex_);
  int64_t expected = applied_ + 1;
  for (auto& [revision, record] : records) {
    if (revision < expected) continue;  // delivered before a reconnect
    if (revision != expected) {
      return absl::InternalError(absl::StrCat(
          "etcd watch skipped from revision ", expected - 1, " to ", revision));
    }
    ++expected;
    const std::string& id = record.claim_id();
    auto current = claims_.find(id);
    auto event = std::make_shared<core::ClaimEvent>();
    DecodeEventFields(revision, record, event.get());
    if (event->type == core::EventType::kDeleted) {
      if (current == claims_.end()) {
        return absl::InternalError(
            absl::StrCat("etcd: revision ", revision, " deletes claims/", id,
                         ", which this replica does not hold"));
      }
      event->claim = current->second->claim;
      claims_.erase(current);
    } else {
      auto header = headers.find(id);
      if (header == headers.end()) {
        return absl::InternalError(absl::StrCat(
            "etcd: revision ", revision, " has no header for claims/", id));
      }
      auto live = std::make_shared<LiveClaim>();
      size_t known_chunks = 0;
      core::EvidenceList evidence;
      if (event->type != core::EventType::kCreated &&
          current != claims_.end()) {
        evidence = current->second->claim.evidence;
        known_chunks = current->second->chunk_keys.size();
      }
      const auto& keys = header->second.chunk_keys();
      for (int k = static_cast<int>(known_chunks); k < keys.size(); ++k) {
        auto chunk = chunks.find(keys[k]);
        if (chunk == chunks.end()) {
          return absl::InternalError(absl::StrCat(
              "etcd: revision ", revision, " lacks evidence chunk ", keys[k]));
        }
        ASSIGN_OR_RETURN(pb::EvidenceChunk decoded,
                         Parse<pb::EvidenceChunk>(*chunk->second, keys[k]));
        for (const pb::Evidence& item : decoded.items()) {
          evidence.push_back(
              DecodeEvidence(item, header->second.create_revision()));
        }
      }
      live->claim = ClaimOf(header->second, std::move(evidence));
      live->chunk_keys.assign(keys.begin(), keys.end());
      event->claim = live->claim;
      claims_[id] = std::move(live);
    }
    events.push_back(std::move(event));
  }
  if (!events.empty()) state_revision_ = events.back()->revision;
  for (auto& [request_id, entry] : request_puts)
    requests_[RequestKey(request_id)] = entry;
  for (const std::string& request_id : request_deletes)
    requests_.erase(RequestKey(request_id));
  if (compact > compact_) compact_ = compact;
  return absl::OkStatus();
}

absl::Status EtcdClaimStore::Resync(int64_t& next_etcd_revision) {
  ASSIGN_OR_RETURN(Loaded loaded, LoadState());
  const int64_t target = loaded.revision;
  ReportLoaded(loaded);
  int64_t from = 0;
  {
    absl::MutexLock lock(&state_mutex_);
    from = applied_ + 1;
    claims_ = std::move(loaded.claims);
    requests_ = std::move(loaded.requests);
    state_revision_ = std::max(state_revision_, target);
    compact_ = std::max(compact_, loaded.compact);
  }
  // The observer gets the revisions it missed from claimd's own history,
  // rebuilt against the newer state, before applied_ moves.
  while (from <= target) {
    core::ListEventsQuery query;
    query.from_revision = from;
    // Revisions are dense, so the page ends at `target` at the latest: an
    // event above it could name a claim created after the state just
    // installed, which the page could not rebuild (OUT_OF_RANGE, as if
    // trimmed), and would cut the delivery short.
    query.limit = static_cast<int>(std::min<int64_t>(500, target - from + 1));
    absl::StatusOr<core::EventPage> page = ReadEvents(query, false);
    if (absl::IsOutOfRange(page.status())) {
      util::LogError("etcd resync: revisions from ", from,
                     " were trimmed from claimd's history before this replica "
                     "saw them; its watchers skip them");
      break;
    }
    if (!page.ok()) return page.status();
    std::vector<core::ClaimEventPtr> events;
    for (core::ClaimEventPtr& event : page->events) {
      if (event->revision > target) break;
      events.push_back(std::move(event));
    }
    if (events.empty()) break;
    from = events.back()->revision + 1;
    if (options_.observer != nullptr) options_.observer->OnCommit(events);
    absl::MutexLock lock(&state_mutex_);
    applied_ = events.back()->revision;
    applied_waiter_.Publish(applied_);
  }
  NoteCounter(target);
  etcd_metrics_.OnWatchApplied(target);
  {
    absl::MutexLock lock(&state_mutex_);
    applied_ = std::max(applied_, target);
    applied_waiter_.Publish(applied_);
  }
  next_etcd_revision = loaded.etcd_revision + 1;
  return absl::OkStatus();
}

}  // namespace claimd::etcd_store
