#include "tests/reliability/store_history.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "service/core/mutation.h"

namespace claimd::reliability {

EventRecord ToRecord(const core::ClaimEvent& event) {
  const core::Claim& claim = event.claim;
  return EventRecord{
      event.revision, claim.id,
      claim.evidence.empty() ? claim.statement : claim.evidence.back().source};
}

Outcome Classify(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return Outcome::kOk;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kInternal:
      return Outcome::kUnknown;
    default:
      return Outcome::kFailed;
  }
}

core::Mutation TaggedCreate(const std::string& claim_id, const std::string& tag,
                            bool id_generated) {
  core::CreateClaim op;
  op.claim.id = claim_id;
  op.claim.statement = tag;
  op.id_generated = id_generated;
  core::Mutation create;
  create.op = std::move(op);
  create.request_id = tag;
  return create;
}

absl::StatusOr<RecoveredLog> ReadStoreLog(core::ClaimStore& store) {
  RecoveredLog log;
  log.compact_revision = store.CompactRevision();
  log.revision = store.CurrentRevision();
  core::ListEventsQuery query;
  query.from_revision = log.compact_revision + 1;
  query.limit = 1000;
  for (int page = 0; page < 100000; ++page) {
    absl::StatusOr<core::EventPage> events = store.ListEvents(query);
    if (!events.ok()) return events.status();
    for (const core::ClaimEventPtr& event : events->events)
      log.events.push_back(ToRecord(*event));
    if (!events->more) return log;
    query.from_revision = events->next_revision;
  }
  return absl::InternalError("the log did not end");
}

StoreWorkload::StoreWorkload(core::ClaimStore& store, HistoryLog& history,
                             std::string name, int shared_claims)
    : store_(store),
      history_(history),
      name_(std::move(name)),
      shared_claims_(shared_claims) {}

void StoreWorkload::Step(int step) {
  const std::string tag = absl::StrCat(name_, "-", step);
  if (step % 3 != 2 || shared_claims_ == 0) {
    Record(tag, tag, 0, store_.Apply(TaggedCreate(tag, tag, false)));
    return;
  }
  const std::string claim_id = absl::StrCat("cas-", step % shared_claims_);
  absl::StatusOr<core::Claim> current = store_.Get(claim_id);
  if (absl::IsNotFound(current.status())) {
    Record(tag, claim_id, 0, store_.Apply(TaggedCreate(claim_id, tag, false)));
    return;
  }
  if (!current.ok()) return;
  core::Mutation update;
  core::UpdateClaimStatus op;
  op.claim_id = claim_id;
  op.status = current->status == core::VerificationStatus::kConfirmed
                  ? core::VerificationStatus::kDenied
                  : core::VerificationStatus::kConfirmed;
  op.evidence.source = tag;
  op.expected_revision = current->revision;
  update.op = std::move(op);
  update.request_id = tag;
  Record(tag, claim_id, current->revision, store_.Apply(std::move(update)));
}

void StoreWorkload::CreateWithGeneratedId(int step) {
  const std::string tag = absl::StrCat(name_, "-", step);
  // Each attempt gets a fresh id, like a server generating one per call.
  const std::string claim_id = absl::StrCat(name_, "-gen-", generated_++);
  Record(tag, claim_id, 0, store_.Apply(TaggedCreate(claim_id, tag, true)));
}

void StoreWorkload::Record(const std::string& tag, const std::string& claim_id,
                           int64_t expected_revision,
                           const absl::StatusOr<core::MutationResult>& result) {
  WriteOp op;
  op.tag = tag;
  op.claim_id = claim_id;
  op.request_id = tag;
  op.expected_revision = expected_revision;
  op.outcome = Classify(result.status().code());
  if (result.ok()) op.revision = result->event->revision;
  op.error = std::string(result.status().message());
  history_.Add(std::move(op));
}

}  // namespace claimd::reliability
