#include "service/api/watch_reactor.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "service/api/event_bytes.h"
#include "service/api/message_budget.h"
#include "service/api/proto_convert.h"
#include "service/api/status_mapping.h"
#include "service/api/store_identity.h"
#include "service/auth/methods.h"
#include "service/util/log.h"

namespace claimd::api {
namespace {

using claims::v1::WatchClaimsResponse;
using Outcome = core::WatchHub::Outcome;

class WatchReactor;

class WatchSession : public core::WatchWaiter,
                     public StreamRegistry::Stream,
                     public std::enable_shared_from_this<WatchSession> {
 public:
  WatchSession(const ServiceDependencies& deps, core::Filter filter,
               WatchReactor* reactor)
      : deps_(deps),
        filter_(std::move(filter)),
        store_id_(deps.store->StoreId()),
        reactor_(reactor) {}

  // The constructor's thread owns the stream until Begin hands it on.
  void Begin(const WatchRequest& request);

  void Wake() override;
  void OnWriteDone(bool ok);
  void OnCancel();
  void Revoke(absl::Status status) override;
  void Detach();

 private:
  // Owner-only: each runs while this thread owns the stream and hands ownership
  // on.
  void Pump();
  void CatchUp();
  void TakeSnapshot();
  void WriteSnapshotChunk();
  // Gives `bytes` of this stream's snapshot charge back to the budget.
  void ReleaseSnapshotBytes(size_t bytes);
  // `own`: the events come from a catch-up read, so their bytes are (mostly)
  // this stream's alone, not the hub's shared ones: the message is charged to
  // deps_.snapshot_budget until written, and the stream ends with
  // RESOURCE_EXHAUSTED when the budget cannot take it.
  void WriteEvents(const std::vector<core::ClaimEventPtr>& events,
                   int64_t covered_revision, bool own = false);
  // Gives the in-flight message's charge back to the budget.
  void ReleaseMessageBytes();
  // Sends `message`, whose `revision` field is `revision`.
  // `events`: how many change events `message` carries (for the metrics).
  void Write(grpc::ByteBuffer message, int64_t revision, int events);
  EventBytes BytesOf(const core::ClaimEvent& event);
  void End(const grpc::Status& status);

  // Under mutex_: true when the owner should go on (a wake or a cancel
  // arrived), false when ownership was released.
  bool KeepOwnership();
  // True once the client cancelled or the caller's credentials were revoked;
  // the owner then ends the stream with StopStatus().
  bool Cancelled();
  grpc::Status StopStatus();

  // Refuses a resume that names another store history (a restore, or another
  // store). Returns false after ending the stream.
  bool CheckStoreId(const WatchRequest& request);
  // Owner-only, on the catch-up pool: a cursor_ past the revision the hub and
  // the store last reported is checked against the database (which sees every
  // commit a client could have read) before the stream waits for it.
  void ConfirmStart();

  const ServiceDependencies deps_;
  const core::Filter filter_;
  const std::string store_id_;  // sent with the first message

  absl::Mutex mutex_;
  WatchReactor* reactor_
      ABSL_GUARDED_BY(mutex_);  // nullptr once the call is done
  bool owned_ ABSL_GUARDED_BY(mutex_) = true;
  bool wake_pending_ ABSL_GUARDED_BY(mutex_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mutex_) = false;
  grpc::Status stop_status_ ABSL_GUARDED_BY(mutex_) = grpc::Status::CANCELLED;
  bool finished_ ABSL_GUARDED_BY(mutex_) = false;

  // Owner-only state.
  int64_t cursor_ = 1;  // the next revision this stream delivers
  // The `revision` of the last message written. A catch-up read from the store
  // can run ahead of the hub's window, so a later progress message must never
  // report less than this.
  int64_t revision_sent_ = 0;
  bool sent_any_ = false;
  bool store_id_sent_ = false;
  absl::Duration last_sent_;  // deps_.clock's time of the last write's end
  // Reading from the store since the hub last served this stream (counted once
  // per fall-back in the metrics).
  bool catching_up_ = false;
  bool snapshot_pending_ = false;
  std::vector<core::Claim> snapshot_;
  size_t snapshot_next_ = 0;
  int64_t snapshot_revision_ = 0;
  size_t snapshot_charged_ = 0;  // bytes still held against the budgets
  grpc::ByteBuffer message_;     // the one in flight
  size_t message_charged_ = 0;   // its bytes held against the budget
  int events_in_flight_ = 0;     // change events in message_
};

class WatchReactor : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  WatchReactor(const ServiceDependencies& deps, const grpc::ByteBuffer& raw,
               std::shared_ptr<void> hold, const Caller& caller)
      : counter_(deps.counter), metrics_(deps.metrics), hold_(std::move(hold)) {
    counter_->Add();
    metrics_->OnWatcherStarted();
    absl::StatusOr<WatchRequest> request =
        ParseWatchRequest(raw, deps.request_limits);
    if (!request.ok()) {
      Finish(ToGrpcStatus(request.status()));
      return;
    }
    session_ =
        std::make_shared<WatchSession>(deps, std::move(request->filter), this);
    // Registered before Begin, so a reload that races the start still sees
    // the stream.
    if (deps.streams != nullptr) {
      registration_ = deps.streams->Add(
          caller, std::string(auth::methods::kWatchClaims), session_);
    }
    session_->Begin(*request);
  }

  void OnWriteDone(bool ok) override { session_->OnWriteDone(ok); }
  void OnCancel() override {
    if (session_ != nullptr) session_->OnCancel();
  }
  void OnDone() override {
    registration_.reset();
    if (session_ != nullptr) session_->Detach();
    metrics_->OnWatcherEnded();
    counter_->Remove();
    delete this;
  }

 private:
  CallCounter* const counter_;
  core::Metrics* const metrics_;
  const std::shared_ptr<void> hold_;
  std::shared_ptr<WatchSession> session_;
  std::unique_ptr<StreamRegistry::Handle> registration_;
};

bool WatchSession::CheckStoreId(const WatchRequest& request) {
  // A snapshot depends on no earlier revision, so its store id does not
  // matter: it is how a client recovers from the errors here.
  if (request.initial_snapshot) return true;
  absl::Status same = CheckSameStore(
      store_id_, request.store_id,
      "watch with initial_snapshot to re-read the current state");
  if (same.ok()) return true;
  End(ToGrpcStatus(same));
  return false;
}

void WatchSession::ConfirmStart() {
  // Another history's revisions must not be awaited silently: a client that
  // saw revision 900 of the old store would wait, after a restore to 500, for
  // a revision 900 that means something else.
  absl::StatusOr<core::EventPage> head = deps_.store->ListEvents(
      core::ListEventsQuery{.from_revision = cursor_, .limit = 1});
  if (!head.ok()) {
    End(ToGrpcStatus(head.status()));
    return;
  }
  if (cursor_ > head->revision + 1) {
    End(ToGrpcStatus(absl::FailedPreconditionError(absl::StrCat(
        "start_revision ", cursor_, " is beyond this store's current revision ",
        head->revision,
        ": those revisions were never written here (the store was restored "
        "from an older backup, or it is a different store); watch with "
        "initial_snapshot to re-read the current state"))));
    return;
  }
  Pump();
}

void WatchSession::Begin(const WatchRequest& request) {
  if (!CheckStoreId(request)) return;
  if (request.initial_snapshot) {
    deps_.catch_up_pool->Schedule(
        [self = shared_from_this()] { self->TakeSnapshot(); });
    return;
  }
  int64_t start = request.start_revision;
  if (start == 0) {
    cursor_ = deps_.hub->LastRevision() + 1;
  } else {
    int64_t compacted = deps_.store->CompactRevision();
    if (start <= compacted) {
      End(grpc::Status(
          grpc::StatusCode::OUT_OF_RANGE,
          absl::StrCat("start_revision ", start,
                       " is older than the history claimd keeps (it starts at ",
                       compacted + 1,
                       "); watch with initial_snapshot to start from the "
                       "current state")));
      return;
    }
    cursor_ = start;
    // The hub's and the store's revisions are cheap but may trail a commit
    // that a client already read (a list reads the database directly).
    if (start >
        std::max(deps_.hub->LastRevision(), deps_.store->CurrentRevision()) +
            1) {
      deps_.catch_up_pool->Schedule(
          [self = shared_from_this()] { self->ConfirmStart(); });
      return;
    }
  }
  Pump();
}

void WatchSession::Wake() {
  {
    absl::MutexLock lock(&mutex_);
    if (finished_ || reactor_ == nullptr) return;
    if (owned_) {
      wake_pending_ = true;
      return;
    }
    owned_ = true;
  }
  // Wake comes from the commit thread: do the work elsewhere so commits never
  // wait on watchers.
  deps_.fanout_pool->Schedule([self = shared_from_this()] { self->Pump(); });
}

void WatchSession::OnWriteDone(bool ok) {
  if (!ok) {  // the client went away; nothing more can be written
    End(grpc::Status(grpc::StatusCode::CANCELLED, "the watch stream broke"));
    return;
  }
  sent_any_ = true;
  last_sent_ = deps_.clock->Now();
  // gRPC is done with the bytes: free them now, not at the next write (a
  // stream may wait long for its next event).
  message_.Clear();
  ReleaseMessageBytes();
  if (events_in_flight_ > 0)
    deps_.metrics->OnEventsDelivered(events_in_flight_);
  Pump();
}

void WatchSession::OnCancel() {
  {
    absl::MutexLock lock(&mutex_);
    cancelled_ = true;
    stop_status_ = grpc::Status::CANCELLED;
    if (owned_) return;  // the owner sees cancelled_ at its next step
    owned_ = true;
  }
  End(StopStatus());
}

void WatchSession::Revoke(absl::Status status) {
  {
    absl::MutexLock lock(&mutex_);
    if (finished_ || reactor_ == nullptr || cancelled_) return;
    cancelled_ = true;
    stop_status_ = ToGrpcStatus(status);
    // Busy (a write in flight, a store read): the owner ends the stream at its
    // next step and sends nothing more meanwhile.
    if (owned_) return;
    owned_ = true;
  }
  End(StopStatus());
}

grpc::Status WatchSession::StopStatus() {
  absl::MutexLock lock(&mutex_);
  return stop_status_;
}

void WatchSession::Detach() {
  {
    absl::MutexLock lock(&mutex_);
    reactor_ = nullptr;
  }
  deps_.hub->Unregister(this);
}

bool WatchSession::KeepOwnership() {
  absl::MutexLock lock(&mutex_);
  if (cancelled_ || wake_pending_) {
    wake_pending_ = false;
    return true;
  }
  owned_ = false;
  return false;
}

bool WatchSession::Cancelled() {
  absl::MutexLock lock(&mutex_);
  return cancelled_;
}

void WatchSession::Pump() {
  while (true) {
    if (Cancelled()) {
      End(StopStatus());
      return;
    }
    if (snapshot_pending_) {
      WriteSnapshotChunk();
      return;
    }
    core::WatchHub::ReadResult read =
        deps_.hub->Read(cursor_, filter_, deps_.watch.max_events_per_message,
                        shared_from_this());
    switch (read.outcome) {
      case Outcome::kShutdown:
        End(grpc::Status(
            grpc::StatusCode::UNAVAILABLE,
            absl::StrCat("claimd is shutting down; resume with start_revision=",
                         cursor_)));
        return;
      case Outcome::kUnavailable: {
        const absl::Status why = deps_.hub->Unavailability();
        if (why.ok()) continue;  // reachable again meanwhile: read again
        End(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                         absl::StrCat(why.message(),
                                      "; resume with start_revision=", cursor_,
                                      ", on another replica")));
        return;
      }
      case Outcome::kNeedsCatchUp:
        if (!catching_up_) deps_.metrics->OnWatcherCatchUp();
        catching_up_ = true;
        deps_.catch_up_pool->Schedule(
            [self = shared_from_this()] { self->CatchUp(); });
        return;
      case Outcome::kEvents:
        catching_up_ = false;
        if (read.events.empty()) {
          cursor_ = std::max(cursor_, read.covered_revision + 1);
          continue;
        }
        WriteEvents(read.events, read.covered_revision);
        return;
      case Outcome::kWaiting: {
        catching_up_ = false;
        cursor_ = std::max(cursor_, read.covered_revision + 1);
        bool progress_due = !sent_any_ || deps_.clock->Now() - last_sent_ >=
                                              deps_.watch.progress_interval;
        if (progress_due) {
          const int64_t revision =
              std::max(revision_sent_, read.covered_revision);
          Write(WatchResponseBytes({}, revision, false), revision, 0);
          return;
        }
        if (!KeepOwnership()) return;
        continue;
      }
    }
  }
}

void WatchSession::WriteEvents(const std::vector<core::ClaimEventPtr>& events,
                               int64_t covered_revision, bool own) {
  std::vector<EventBytes> parts;
  parts.reserve(events.size());
  // Events delivered because their claim matched before the change but not
  // after it (a deletion removes the claim anyway).
  std::vector<int64_t> left_filter;
  size_t bytes = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    EventBytes event_bytes = BytesOf(*events[i]);
    if (i > 0 &&
        bytes + event_bytes->size() > deps_.watch.max_bytes_per_message) {
      // The rest goes in the next message; this one covers only what it
      // carries.
      covered_revision = events[i - 1]->revision;
      break;
    }
    bytes += event_bytes->size();
    parts.push_back(std::move(event_bytes));
    const core::ClaimEvent& event = *events[i];
    if (!filter_.MatchesAll() && event.type != core::EventType::kDeleted &&
        !filter_.Matches(event.claim))
      left_filter.push_back(event.revision);
  }
  core::MemoryBudget* const budget = deps_.snapshot_budget;
  if (own && budget != nullptr) {
    // A stream that never reads holds its message for as long as it stays
    // open: without a charge, each such watcher of old history would hold
    // a message of its own outside every bound.
    if (!budget->TryAcquire(bytes)) {
      End(grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("the catch-up messages and initial snapshots being sent "
                       "hold all ",
                       budget->limit() >> 20,
                       " MiB claimd allows them (--snapshot_memory_mib); "
                       "resume with start_revision=",
                       cursor_, " later")));
      return;
    }
    message_charged_ = bytes;
  }
  cursor_ = std::max(cursor_, covered_revision + 1);
  Write(WatchResponseBytes(parts, covered_revision, false, left_filter),
        covered_revision, static_cast<int>(parts.size()));
}

EventBytes WatchSession::BytesOf(const core::ClaimEvent& event) {
  return deps_.event_bytes->Get(event);
}

void WatchSession::CatchUp() {
  if (Cancelled()) {
    End(StopStatus());
    return;
  }
  // A page of about what one message carries: a page of large events would
  // otherwise be read again for every message it fills.
  absl::StatusOr<core::EventPage> page = deps_.store->ListEvents(
      core::ListEventsQuery{.from_revision = cursor_,
                            .limit = deps_.watch.catch_up_page,
                            .max_bytes = deps_.watch.max_bytes_per_message});
  if (!page.ok()) {
    if (page.status().code() == absl::StatusCode::kOutOfRange) {
      End(grpc::Status(
          grpc::StatusCode::OUT_OF_RANGE,
          absl::StrCat(
              page.status().message(),
              "; watch with initial_snapshot to start from the current "
              "state")));
    } else {
      End(ToGrpcStatus(page.status()));
    }
    return;
  }
  if (page->events.empty()) {
    // The hub said these revisions exist; a store without them is corrupt or
    // trimmed.
    End(ToGrpcStatus(absl::InternalError(
        absl::StrCat("watch catch-up found no events at revision ", cursor_))));
    return;
  }
  std::vector<core::ClaimEventPtr> matching;
  for (core::ClaimEventPtr& event : page->events) {
    if (filter_.MatchesAll() || filter_.MatchesEvent(*event))
      matching.push_back(event);
    if (matching.size() >= deps_.watch.max_events_per_message) break;
  }
  int64_t covered = matching.size() >= deps_.watch.max_events_per_message
                        ? matching.back()->revision
                        : page->events.back()->revision;
  if (matching.empty()) {
    cursor_ = covered + 1;
    Pump();
    return;
  }
  WriteEvents(matching, covered, /*own=*/true);
}

void WatchSession::TakeSnapshot() {
  const size_t per_stream = deps_.watch.max_snapshot_bytes;
  core::MemoryBudget* const budget = deps_.snapshot_budget;
  auto charge = [&](size_t bytes) -> absl::Status {
    if (per_stream != 0 && snapshot_charged_ + bytes > per_stream) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "the claims matching this filter take more than the ",
          per_stream >> 20,
          " MiB one watch may hold for its initial snapshot "
          "(--max_snapshot_mib); narrow the filter, or page through "
          "ListClaims and watch from the revision it returns"));
    }
    if (budget != nullptr && !budget->TryAcquire(bytes)) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "the initial snapshots being sent hold all ", budget->limit() >> 20,
          " MiB claimd allows them (--snapshot_memory_mib); retry later"));
    }
    snapshot_charged_ += bytes;
    return absl::OkStatus();
  };
  absl::StatusOr<core::Snapshot> snapshot;
  // ABORTED: history the read needed was trimmed meanwhile; a fresh read
  // starts past it.
  for (int attempt = 0; attempt < 3; ++attempt) {
    snapshot = deps_.store->ReadSnapshotWithin(filter_, charge);
    if (snapshot.ok() || snapshot.status().code() != absl::StatusCode::kAborted)
      break;
    ReleaseSnapshotBytes(snapshot_charged_);
  }
  if (!snapshot.ok()) {
    ReleaseSnapshotBytes(snapshot_charged_);
    End(ToGrpcStatus(snapshot.status()));
    return;
  }
  snapshot_ = std::move(snapshot->claims);
  snapshot_revision_ = snapshot->revision;
  snapshot_next_ = 0;
  snapshot_pending_ = true;
  cursor_ = snapshot_revision_ + 1;
  Pump();
}

void WatchSession::ReleaseSnapshotBytes(size_t bytes) {
  bytes = std::min(bytes, snapshot_charged_);
  snapshot_charged_ -= bytes;
  if (deps_.snapshot_budget != nullptr) deps_.snapshot_budget->Release(bytes);
}

void WatchSession::ReleaseMessageBytes() {
  if (deps_.snapshot_budget != nullptr)
    deps_.snapshot_budget->Release(message_charged_);
  message_charged_ = 0;
}

void WatchSession::WriteSnapshotChunk() {
  WatchClaimsResponse response;
  const size_t first = snapshot_next_;
  snapshot_next_ += AppendWithinBudget(
      absl::MakeConstSpan(snapshot_).subspan(snapshot_next_),
      response.mutable_events(), deps_.watch.snapshot_claims_per_message,
      deps_.watch.max_bytes_per_message,
      [this](const core::Claim& claim, claims::v1::ClaimEvent* event) {
        event->set_revision(snapshot_revision_);
        event->set_type(claims::v1::EVENT_TYPE_SNAPSHOT);
        ToProto(claim, event->mutable_claim());
        *event->mutable_event_time() = event->claim().update_time();
      });
  // What is serialised no longer needs the claims: free them and give their
  // share back, so a stream that reads holds less and less.
  size_t sent_bytes = 0;
  for (size_t i = first; i < snapshot_next_; ++i) {
    sent_bytes += core::ApproximateBytes(snapshot_[i]);
    snapshot_[i] = core::Claim();
  }
  ReleaseSnapshotBytes(sent_bytes);
  if (snapshot_next_ == snapshot_.size()) {
    response.set_snapshot_complete(true);
    snapshot_pending_ = false;
    snapshot_ = {};
    ReleaseSnapshotBytes(snapshot_charged_);
  }
  response.set_revision(snapshot_revision_);
  // Snapshot claims are this stream's own: serialised here, not shared.
  grpc::Slice serialized(response.SerializeAsString());
  Write(grpc::ByteBuffer(&serialized, 1), snapshot_revision_,
        response.events_size());
}

void WatchSession::Write(grpc::ByteBuffer message, int64_t revision,
                         int events) {
  WatchReactor* reactor;
  {
    absl::MutexLock lock(&mutex_);
    reactor = reactor_;
  }
  // The owner has not called Finish, so the call cannot be done and the reactor
  // is alive; a null here would be a broken ownership protocol, not a race to
  // tolerate.
  if (reactor == nullptr) {
    util::LogError(
        "watch stream written after it was done; dropping the write");
    return;
  }
  revision_sent_ = std::max(revision_sent_, revision);
  if (!store_id_sent_) {
    message = WithStoreId(message, store_id_);
    store_id_sent_ = true;
  }
  message_.Swap(&message);  // shares the slices, copies nothing
  events_in_flight_ = events;
  reactor->StartWrite(&message_);
}

void WatchSession::End(const grpc::Status& status) {
  WatchReactor* reactor;
  {
    absl::MutexLock lock(&mutex_);
    if (finished_) return;
    finished_ = true;
    reactor = reactor_;
  }
  snapshot_ = {};
  ReleaseSnapshotBytes(snapshot_charged_);
  // Only the owner ends the stream, so no write is in flight: the last
  // message's bytes can go now.
  message_.Clear();
  ReleaseMessageBytes();
  reactor->Finish(status);
}

}  // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>* StartWatch(
    const ServiceDependencies& deps, const grpc::ByteBuffer& request,
    std::shared_ptr<void> hold, const Caller& caller) {
  return new WatchReactor(deps, request, std::move(hold), caller);
}

}  // namespace claimd::api
