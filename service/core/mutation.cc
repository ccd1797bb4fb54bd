#include "service/core/mutation.h"

#include <array>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "service/core/limits.h"

namespace claimd::core {
namespace {

// What a verdict does to a claim that stands at `from`: indexed [from][to].
// Every move between the three verdicts is allowed (a ministry may deny, then
// confirm after all); recording the same verdict again only adds evidence.
constexpr int kStatusCount = 4;
constexpr std::array<std::array<EventType, kStatusCount>, kStatusCount>
    kTransitions = {{
        // to:  UNSPECIFIED             REPORTED                  CONFIRMED
        // DENIED
        {{EventType::kUnspecified, EventType::kStatusChanged,
          EventType::kStatusChanged,
          EventType::kStatusChanged}},  // from UNSPECIFIED (never stored)
        {{EventType::kUnspecified, EventType::kEvidenceAdded,
          EventType::kStatusChanged,
          EventType::kStatusChanged}},  // from REPORTED
        {{EventType::kUnspecified, EventType::kStatusChanged,
          EventType::kEvidenceAdded,
          EventType::kStatusChanged}},  // from CONFIRMED
        {{EventType::kUnspecified, EventType::kStatusChanged,
          EventType::kStatusChanged,
          EventType::kEvidenceAdded}},  // from DENIED
    }};

EventType TransitionType(VerificationStatus from, VerificationStatus to) {
  int f = static_cast<int>(from);
  int t = static_cast<int>(to);
  if (f < 0 || f >= kStatusCount || t < 0 || t >= kStatusCount)
    return EventType::kUnspecified;
  return kTransitions[f][t];
}

absl::Status CheckExpected(const Claim& current, int64_t expected_revision) {
  if (expected_revision != 0 && expected_revision != current.revision) {
    return absl::AbortedError(absl::StrCat(
        "claims/", current.id, " is at revision ", current.revision, ", not ",
        expected_revision, "; read it again and retry"));
  }
  return absl::OkStatus();
}

absl::Status NotFound(const std::string& claim_id) {
  return absl::NotFoundError(
      absl::StrCat("claims/", claim_id, " does not exist"));
}

Evidence Recorded(Evidence evidence, VerificationStatus status,
                  int64_t revision, absl::Time now) {
  evidence.status = status;
  evidence.revision = revision;
  if (evidence.time == absl::InfinitePast()) evidence.time = now;
  return evidence;
}

absl::StatusOr<ClaimEvent> Apply(const CreateClaim& create,
                                 const Claim* current, int64_t revision,
                                 absl::Time now) {
  if (current != nullptr) {
    // The fact only: each client words the advice in its own terms
    // (claimctl: "choose another --id"; an import: "skipped"), so it is
    // given once.
    return absl::AlreadyExistsError(
        absl::StrCat("claims/", create.claim.id, " already exists"));
  }
  ClaimEvent event{
      .revision = revision, .type = EventType::kCreated, .event_time = now};
  Claim& claim = event.claim;
  claim = create.claim;
  if (claim.status == VerificationStatus::kUnspecified) {
    claim.status = VerificationStatus::kReported;
  }
  for (size_t i = 0; i < claim.evidence.size(); ++i) {
    Evidence& evidence = claim.evidence.Mutable(i);
    evidence = Recorded(std::move(evidence), claim.status, revision, now);
  }
  claim.revision = revision;
  claim.create_revision = revision;
  claim.create_time = now;
  claim.update_time = now;
  return event;
}

absl::StatusOr<ClaimEvent> Apply(const UpdateClaimStatus& update,
                                 const Claim* current, int64_t revision,
                                 absl::Time now) {
  if (current == nullptr) return NotFound(update.claim_id);
  absl::Status expected = CheckExpected(*current, update.expected_revision);
  if (!expected.ok()) return expected;
  EventType type = TransitionType(current->status, update.status);
  if (type == EventType::kUnspecified) {
    return absl::InvalidArgumentError(absl::StrCat(
        "status: ", StatusName(update.status), " is not a verdict"));
  }
  if (current->evidence.size() >= kMaxEvidencePerClaim) {
    return absl::FailedPreconditionError(absl::StrCat(
        "claims/", current->id, " already holds ", kMaxEvidencePerClaim,
        " pieces of evidence, the most a claim can hold"));
  }
  ClaimEvent event{.revision = revision,
                   .type = type,
                   .claim = *current,
                   .previous_status = current->status,
                   .event_time = now};
  event.claim.status = update.status;
  event.claim.evidence.push_back(
      Recorded(update.evidence, update.status, revision, now));
  event.claim.revision = revision;
  event.claim.update_time = now;
  return event;
}

absl::StatusOr<ClaimEvent> Apply(const DeleteClaim& del, const Claim* current,
                                 int64_t revision, absl::Time now) {
  if (current == nullptr) return NotFound(del.claim_id);
  absl::Status expected = CheckExpected(*current, del.expected_revision);
  if (!expected.ok()) return expected;
  return ClaimEvent{.revision = revision,
                    .type = EventType::kDeleted,
                    .claim = *current,
                    .previous_status = current->status,
                    .event_time = now,
                    .actor = del.actor};
}

// FNV-1a, 64 bit: stable across processes and releases (absl::Hash is not).
class Fingerprinter {
 public:
  void Add(absl::string_view text) {
    Add(static_cast<uint64_t>(text.size()));
    for (char c : text) Byte(static_cast<uint8_t>(c));
  }
  void Add(uint64_t value) {
    for (int i = 0; i < 8; ++i) Byte(static_cast<uint8_t>(value >> (8 * i)));
  }
  void Add(int64_t value) { Add(static_cast<uint64_t>(value)); }
  void Add(VerificationStatus status) { Add(static_cast<uint64_t>(status)); }
  void Add(absl::Time time) {
    // "Not given" and the epoch must differ, and nothing may saturate (a proto
    // Timestamp reaches year 9999, past where Unix nanoseconds fit in 64 bits).
    if (time == absl::InfinitePast()) {
      Add(uint64_t{0});
      return;
    }
    Add(uint64_t{1});
    const int64_t seconds = absl::ToUnixSeconds(time);
    Add(seconds);
    Add(absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds)));
  }
  void Add(const Evidence& evidence) {
    Add(evidence.source), Add(evidence.url), Add(evidence.quote),
        Add(evidence.note);
    Add(evidence.actor), Add(evidence.time);
  }
  uint64_t value() const { return hash_; }

 private:
  void Byte(uint8_t byte) {
    hash_ ^= byte;
    hash_ *= 0x100000001b3ULL;
  }
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace

const std::string& Mutation::claim_id() const {
  return std::visit(
      [](const auto& op) -> const std::string& {
        if constexpr (std::is_same_v<std::decay_t<decltype(op)>, CreateClaim>) {
          return op.claim.id;
        } else {
          return op.claim_id;
        }
      },
      op);
}

absl::StatusOr<ClaimEvent> ApplyMutation(const Mutation& mutation,
                                         const Claim* current, int64_t revision,
                                         absl::Time now) {
  return std::visit(
      [&](const auto& op) { return Apply(op, current, revision, now); },
      mutation.op);
}

uint64_t MutationFingerprint(const Mutation& mutation) {
  Fingerprinter f;
  f.Add(static_cast<uint64_t>(mutation.op.index()));
  if (const auto* create = std::get_if<CreateClaim>(&mutation.op)) {
    const Claim& claim = create->claim;
    f.Add(create->id_generated ? absl::string_view()
                               : absl::string_view(claim.id));
    f.Add(claim.statement), f.Add(claim.status);
    f.Add(static_cast<uint64_t>(claim.labels.size()));
    for (const auto& [key, value] : claim.labels) f.Add(key), f.Add(value);
    f.Add(static_cast<uint64_t>(claim.evidence.size()));
    for (const Evidence& evidence : claim.evidence) f.Add(evidence);
  } else if (const auto* update =
                 std::get_if<UpdateClaimStatus>(&mutation.op)) {
    f.Add(update->claim_id), f.Add(update->status), f.Add(update->evidence);
    f.Add(update->expected_revision);
  } else if (const auto* del = std::get_if<DeleteClaim>(&mutation.op)) {
    f.Add(del->claim_id), f.Add(del->expected_revision);
  }
  return f.value();
}

}  // namespace claimd::core
