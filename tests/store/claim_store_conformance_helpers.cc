// Helpers of the ClaimStore conformance suite: the recording observer, mutation
// builders and the stepping clock (see claim_store_conformance.h).
#include <atomic>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "service/core/mutation.h"
#include "tests/store/claim_store_conformance.h"

namespace claimd::testing {

using core::VerificationStatus;

void PrintTo(const StoreFactory& factory, std::ostream* os) {
  *os << factory.name;
}

std::string StoreFactoryName(
    const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

void RecordingObserver::OnOpen(int64_t current_revision) {
  absl::MutexLock lock(&mutex_);
  opens_.push_back(current_revision);
}

void RecordingObserver::OnCommit(absl::Span<const core::ClaimEventPtr> events) {
  absl::MutexLock lock(&mutex_);
  for (const core::ClaimEventPtr& event : events) {
    events_.push_back(event);
    log_.push_back(absl::StrCat("commit:", event->revision));
  }
}

void RecordingObserver::RecordDone(int64_t revision) {
  absl::MutexLock lock(&mutex_);
  log_.push_back(absl::StrCat("done:", revision));
}

std::vector<int64_t> RecordingObserver::opens() const {
  absl::MutexLock lock(&mutex_);
  return opens_;
}

std::vector<core::ClaimEventPtr> RecordingObserver::events() const {
  absl::MutexLock lock(&mutex_);
  return events_;
}

std::vector<std::string> RecordingObserver::log() const {
  absl::MutexLock lock(&mutex_);
  return log_;
}

core::Mutation CreateMutation(const std::string& id,
                              std::map<std::string, std::string> labels,
                              const std::string& request_id) {
  core::CreateClaim create;
  create.claim.id = id;
  create.claim.statement = absl::StrCat("statement of ", id);
  create.claim.labels = std::move(labels);
  return core::Mutation{std::move(create), request_id};
}

core::Mutation UpdateMutation(const std::string& id, VerificationStatus status,
                              int64_t expected_revision,
                              const std::string& request_id) {
  core::UpdateClaimStatus update;
  update.claim_id = id;
  update.status = status;
  update.evidence.source = "wire";
  update.evidence.url = absl::StrCat("https://example.com/", id);
  update.evidence.quote = "as stated";
  update.expected_revision = expected_revision;
  return core::Mutation{std::move(update), request_id};
}

core::Mutation DeleteMutation(const std::string& id, int64_t expected_revision,
                              const std::string& request_id) {
  core::DeleteClaim del;
  del.claim_id = id;
  del.expected_revision = expected_revision;
  return core::Mutation{std::move(del), request_id};
}

std::function<absl::Time()> SteppingClock() {
  auto ticks = std::make_shared<std::atomic<int64_t>>(0);
  return [ticks] {
    return absl::FromCivil(absl::CivilSecond(2024, 1, 1, 0, 0, 0),
                           absl::UTCTimeZone()) +
           absl::Seconds(ticks->fetch_add(1)) + absl::Nanoseconds(123);
  };
}

}  // namespace claimd::testing
