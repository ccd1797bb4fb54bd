#include "tests/api/watch_stream.h"

#include <algorithm>
#include <utility>

namespace claimd::testing {

using claims::v1::ClaimEvent;
using claims::v1::WatchClaimsResponse;

claims::v1::WatchClaimsRequest WatchFrom(int64_t start_revision,
                                         const std::string& filter) {
  claims::v1::WatchClaimsRequest request;
  request.set_start_revision(start_revision);
  request.set_filter(filter);
  return request;
}

claims::v1::WatchClaimsRequest WatchWithSnapshot(const std::string& filter) {
  claims::v1::WatchClaimsRequest request;
  request.set_initial_snapshot(true);
  request.set_filter(filter);
  return request;
}

WatchStream::WatchStream(claims::v1::ClaimService::StubInterface& stub,
                         const claims::v1::WatchClaimsRequest& request,
                         absl::Duration deadline) {
  context_.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  reader_ = stub.WatchClaims(&context_, request);
  thread_ = std::thread([this] { ReadLoop(); });
}

WatchStream::~WatchStream() {
  context_.TryCancel();
  thread_.join();
}

void WatchStream::ReadLoop() {
  WatchClaimsResponse response;
  while (reader_->Read(&response)) {
    absl::MutexLock lock(&mutex_);
    queue_.push_back(std::move(response));
    response.Clear();
  }
  grpc::Status status = reader_->Finish();
  absl::MutexLock lock(&mutex_);
  status_ = std::move(status);
}

std::optional<WatchClaimsResponse> WatchStream::Next(absl::Duration timeout) {
  absl::MutexLock lock(&mutex_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return !queue_.empty() || status_.has_value();
  };
  mutex_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  if (queue_.empty()) return std::nullopt;
  WatchClaimsResponse response = std::move(queue_.front());
  queue_.pop_front();
  last_revision_ = response.revision();
  ++responses_;
  left_filter_revisions_.insert(left_filter_revisions_.end(),
                                response.left_filter_revisions().begin(),
                                response.left_filter_revisions().end());
  return response;
}

bool WatchStream::ReadThrough(int64_t revision, std::vector<ClaimEvent>* events,
                              absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    std::optional<WatchClaimsResponse> response =
        Next(std::max(deadline - absl::Now(), absl::ZeroDuration()));
    if (!response.has_value()) return false;
    for (ClaimEvent& event : *response->mutable_events())
      events->push_back(std::move(event));
    if (response->revision() >= revision) return true;
  }
}

std::optional<grpc::Status> WatchStream::WaitForEnd(absl::Duration timeout) {
  absl::MutexLock lock(&mutex_);
  auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return status_.has_value();
  };
  mutex_.AwaitWithTimeout(absl::Condition(&done), timeout);
  return status_;
}

bool WatchStream::ended() {
  absl::MutexLock lock(&mutex_);
  return status_.has_value();
}

}  // namespace claimd::testing
