#include "tests/e2e/watch_recorder.h"

#include <utility>

namespace claimd::e2e {

WatchRecorder::WatchRecorder(std::shared_ptr<grpc::Channel> channel,
                             claims::v1::WatchClaimsRequest request)
    : stub_(claims::v1::ClaimService::NewStub(std::move(channel))),
      thread_([this, request = std::move(request)] { Run(request); }) {}

WatchRecorder::~WatchRecorder() {
  Cancel();
  thread_.join();
}

// By value: the recorder thread owns its copy of the request.
// NOLINTNEXTLINE(performance-unnecessary-value-param)
void WatchRecorder::Run(claims::v1::WatchClaimsRequest request) {
  std::unique_ptr<grpc::ClientReader<claims::v1::WatchClaimsResponse>> reader =
      stub_->WatchClaims(&context_, request);
  claims::v1::WatchClaimsResponse response;
  while (reader->Read(&response)) {
    absl::MutexLock lock(&mutex_);
    for (const claims::v1::ClaimEvent& event : response.events()) {
      events_.push_back(event);
    }
    last_response_revision_ = response.revision();
    ++responses_;
  }
  grpc::Status status = reader->Finish();
  absl::MutexLock lock(&mutex_);
  end_ = std::move(status);
}

bool WatchRecorder::WaitForFirstResponse(absl::Duration timeout) {
  absl::MutexLock lock(&mutex_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return responses_ > 0 || end_.has_value();
  };
  mutex_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  return responses_ > 0;
}

bool WatchRecorder::WaitForEventRevision(int64_t revision,
                                         absl::Duration timeout) {
  absl::MutexLock lock(&mutex_);
  auto seen = [this, revision]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return (!events_.empty() && events_.back().revision() >= revision) ||
           end_.has_value();
  };
  mutex_.AwaitWithTimeout(absl::Condition(&seen), timeout);
  return !events_.empty() && events_.back().revision() >= revision;
}

std::optional<grpc::Status> WatchRecorder::WaitForEnd(absl::Duration timeout) {
  absl::MutexLock lock(&mutex_);
  auto ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return end_.has_value();
  };
  mutex_.AwaitWithTimeout(absl::Condition(&ended), timeout);
  return end_;
}

void WatchRecorder::Cancel() { context_.TryCancel(); }

std::vector<claims::v1::ClaimEvent> WatchRecorder::events() {
  absl::MutexLock lock(&mutex_);
  return events_;
}

std::vector<int64_t> WatchRecorder::event_revisions() {
  absl::MutexLock lock(&mutex_);
  std::vector<int64_t> revisions;
  revisions.reserve(events_.size());
  for (const claims::v1::ClaimEvent& event : events_)
    revisions.push_back(event.revision());
  return revisions;
}

int64_t WatchRecorder::last_response_revision() {
  absl::MutexLock lock(&mutex_);
  return last_response_revision_;
}

int WatchRecorder::responses() {
  absl::MutexLock lock(&mutex_);
  return responses_;
}

}  // namespace claimd::e2e
