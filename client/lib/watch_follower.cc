#include "claimd/client/watch_follower.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "claimd/client/claim_client.h"

namespace claimd::client {
namespace {

// How a stream can end that a reconnect may cure: the server went away or is
// shutting down (UNAVAILABLE; a call that arrives during shutdown is CANCELLED
// by the server, and a CANCELLED we caused ourselves is handled as a stop
// before this is asked), it shed load (RESOURCE_EXHAUSTED), or the transport
// broke mid-stream (UNKNOWN, ABORTED).
bool IsRetryableWatchEnd(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kAborted:
      return true;
    default:
      return false;
  }
}

namespace v1 = ::claims::v1;

// Cancels and drains a stream, so it is destroyed with no operation pending.
void Abandon(WatchStream& stream) {
  stream.Cancel();
  v1::WatchClaimsResponse ignored;
  while (stream.Read(&ignored)) {
  }
  stream.Finish().IgnoreError();
}

}  // namespace

WatchFollower::WatchFollower(StreamOpener opener, WatchFollowerOptions options)
    : opener_(std::move(opener)), options_(std::move(options)) {}

void WatchFollower::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
  if (current_ != nullptr) current_->Cancel();
}

v1::WatchClaimsRequest WatchFollower::NextRequest() const {
  if (snapshot_pending_) {
    v1::WatchClaimsRequest request;
    request.set_filter(first_request_.filter());
    request.set_initial_snapshot(true);
    return request;
  }
  v1::WatchClaimsRequest request;
  request.set_filter(first_request_.filter());
  if (resume_revision_ > 0) {
    request.set_start_revision(resume_revision_);
    request.set_store_id(store_id_);
  } else {
    request.set_start_revision(first_request_.start_revision());
    request.set_store_id(first_request_.store_id());
  }
  return request;
}

void WatchFollower::StartOver() {
  snapshot_pending_ = true;
  resume_revision_ = 0;
  last_event_revision_ = 0;
  store_id_.clear();
  snapshot_delivered_.clear();
}

void WatchFollower::Deliver(const v1::WatchClaimsResponse& response,
                            const Callbacks& callbacks) {
  if (!response.store_id().empty()) store_id_ = response.store_id();
  // Both lists ascend by revision: one walk finds the events that left the
  // filter.
  const auto& left_filter = response.left_filter_revisions();
  int next_left = 0;
  for (const v1::ClaimEvent& event : response.events()) {
    bool left = false;
    if (event.type() == v1::EVENT_TYPE_SNAPSHOT) {
      // Snapshot events all carry the snapshot's revision; a redone snapshot is
      // deduplicated by claim and claim revision instead.
      auto [it, inserted] = snapshot_delivered_.try_emplace(
          event.claim().name(), event.claim().revision());
      if (!inserted) {
        if (it->second == event.claim().revision()) continue;
        it->second = event.claim().revision();
      }
    } else {
      while (next_left < left_filter.size() &&
             left_filter[next_left] < event.revision())
        ++next_left;
      left = next_left < left_filter.size() &&
             left_filter[next_left] == event.revision();
      if (event.revision() <= last_event_revision_) continue;
      last_event_revision_ = event.revision();
    }
    if (left && callbacks.on_left_filter) {
      callbacks.on_left_filter(event);
    } else if (callbacks.on_event) {
      callbacks.on_event(event);
    }
  }
  if (snapshot_pending_ && response.snapshot_complete()) {
    snapshot_pending_ = false;
    snapshot_delivered_.clear();
    if (callbacks.on_snapshot_complete) {
      callbacks.on_snapshot_complete(response.revision());
    }
  }
  // A response mid-snapshot does not mean the rest of the snapshot is
  // delivered.
  if (!snapshot_pending_) {
    resume_revision_ = std::max(
        {resume_revision_, response.revision() + 1, last_event_revision_ + 1});
    if (callbacks.on_progress) callbacks.on_progress(resume_revision_ - 1);
  }
}

absl::Status WatchFollower::Run(const v1::WatchClaimsRequest& request,
                                const Callbacks& callbacks) {
  first_request_ = request;
  snapshot_pending_ = request.initial_snapshot();
  resume_revision_ = 0;
  last_event_revision_ = 0;
  store_id_.clear();
  snapshot_delivered_.clear();
  if (request.start_revision() > 0 && !request.initial_snapshot()) {
    last_event_revision_ = request.start_revision() - 1;
  }

  bool ever_received = false;
  int empty_streak = 0;  // consecutive connections that delivered nothing
  while (true) {
    const v1::WatchClaimsRequest next = NextRequest();
    std::unique_ptr<WatchStream> stream = opener_(next);
    bool stopped;
    {
      absl::MutexLock lock(&mu_);
      stopped = stopped_;
      if (!stopped) current_ = stream.get();
    }
    if (stopped) {
      Abandon(*stream);
      return absl::OkStatus();
    }
    bool received = false;
    v1::WatchClaimsResponse response;
    while (stream->Read(&response)) {
      received = true;
      Deliver(response, callbacks);
    }
    absl::Status status = stream->Finish();
    {
      absl::MutexLock lock(&mu_);
      current_ = nullptr;
      if (stopped_) return absl::OkStatus();
    }
    stream.reset();

    // A watch that resumed from revisions of our own (not the caller's first
    // request) learns here that they no longer hold on this store.
    const bool resumed = !next.initial_snapshot() && resume_revision_ > 0;
    const bool reset =
        resumed && ((status.code() == absl::StatusCode::kFailedPrecondition &&
                     options_.resnapshot_on_reset) ||
                    (status.code() == absl::StatusCode::kOutOfRange &&
                     options_.resnapshot_on_out_of_range));
    if (reset) {
      StartOver();
      if (callbacks.on_reset) callbacks.on_reset(status);
      // The server answered: start over at once.
      continue;
    }
    if (status.code() == absl::StatusCode::kOutOfRange) {
      return absl::OutOfRangeError(absl::StrCat(
          "revision ", next.start_revision(),
          " is older than the history the server keeps: ", status.message()));
    }
    if (!status.ok() && !IsRetryableWatchEnd(status.code())) return status;
    if (received) {
      ever_received = true;
      empty_streak = 0;
    } else {
      ++empty_streak;
      if (!ever_received && options_.max_initial_attempts > 0 &&
          empty_streak >= options_.max_initial_attempts) {
        if (status.ok()) {
          return absl::UnavailableError("the watch ended before it started");
        }
        return status;
      }
    }
    absl::Duration delay =
        BackoffDelay(options_.backoff, std::max(empty_streak - 1, 0),
                     absl::Uniform(gen_, 0.0, 1.0));
    if (status.code() == absl::StatusCode::kUnavailable &&
        !ReachedNoServer(status) &&
        delay > options_.answered_unavailable_max_delay) {
      // Jittered below the cap: a replica ends all its watches at once, and
      // their clients must not come back in step.
      delay = options_.answered_unavailable_max_delay *
              (1.0 - options_.backoff.jitter * absl::Uniform(gen_, 0.0, 1.0));
    }
    if (callbacks.on_reconnect) {
      const v1::WatchClaimsRequest again = NextRequest();
      callbacks.on_reconnect(
          status.ok() ? absl::UnavailableError("the server ended the watch")
                      : status,
          again.initial_snapshot() ? 0 : again.start_revision(), delay,
          ever_received);
    }
    if (WaitBeforeRetry(delay, ReachedNoServer(status))) {
      return absl::OkStatus();
    }
  }
}

bool WatchFollower::WaitBeforeRetry(absl::Duration delay,
                                    bool reached_no_server) {
  const absl::Time until = absl::Now() + delay;
  absl::MutexLock lock(&mu_);
  if (!reached_no_server || !options_.server_ready) {
    mu_.AwaitWithTimeout(absl::Condition(&stopped_), delay);
    return stopped_;
  }
  constexpr absl::Duration kPoll = absl::Milliseconds(200);
  while (!stopped_) {
    const absl::Duration left = until - absl::Now();
    if (left <= absl::ZeroDuration()) break;
    mu_.AwaitWithTimeout(absl::Condition(&stopped_), std::min(left, kPoll));
    if (stopped_) break;
    // Outside the lock: Stop must not wait for a look at the channel.
    mu_.Unlock();
    const bool ready = options_.server_ready();
    mu_.Lock();
    if (ready) break;
  }
  return stopped_;
}

}  // namespace claimd::client
