#include "service/store/record_codec.h"

#include <cstdint>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "record.pb.h"
#include "service/store/record_wire.h"

namespace claimd::store {
namespace {

namespace pb = ::claimd::store::v1;

void EncodeTime(absl::Time time, pb::TimeRecord* out) {
  if (time == absl::InfinitePast()) {
    out->set_unix_seconds(std::numeric_limits<int64_t>::min());
    return;
  }
  if (time == absl::InfiniteFuture()) {
    out->set_unix_seconds(std::numeric_limits<int64_t>::max());
    return;
  }
  // ToUnixSeconds rounds toward the past, so the remainder is in [0, 1s).
  const int64_t seconds = absl::ToUnixSeconds(time);
  out->set_unix_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
}

absl::Time DecodeTime(const pb::TimeRecord& record) {
  if (record.unix_seconds() == std::numeric_limits<int64_t>::min()) {
    return absl::InfinitePast();
  }
  if (record.unix_seconds() == std::numeric_limits<int64_t>::max()) {
    return absl::InfiniteFuture();
  }
  return absl::FromUnixSeconds(record.unix_seconds()) +
         absl::Nanoseconds(record.nanos());
}

void EncodeEvidence(const core::Evidence& evidence, pb::EvidenceRecord* out) {
  out->set_source(evidence.source);
  out->set_url(evidence.url);
  out->set_quote(evidence.quote);
  out->set_note(evidence.note);
  out->set_actor(evidence.actor);
  // Absent time = not given; keeps the record small for the common case.
  if (evidence.time != absl::InfinitePast())
    EncodeTime(evidence.time, out->mutable_time());
  out->set_status(static_cast<int32_t>(evidence.status));
  out->set_revision(evidence.revision);
}

core::Evidence EvidenceFromRecord(const pb::EvidenceRecord& record) {
  core::Evidence evidence;
  evidence.source = record.source();
  evidence.url = record.url();
  evidence.quote = record.quote();
  evidence.note = record.note();
  evidence.actor = record.actor();
  evidence.time =
      record.has_time() ? DecodeTime(record.time()) : absl::InfinitePast();
  evidence.status = static_cast<core::VerificationStatus>(record.status());
  evidence.revision = record.revision();
  return evidence;
}

void EncodeClaimRecord(const core::Claim& claim, pb::ClaimRecord* out) {
  out->set_id(claim.id);
  out->set_statement(claim.statement);
  out->set_status(static_cast<int32_t>(claim.status));
  for (const auto& [key, value] : claim.labels)
    (*out->mutable_labels())[key] = value;
  out->mutable_evidence()->Reserve(static_cast<int>(claim.evidence.size()));
  for (const core::Evidence& evidence : claim.evidence) {
    EncodeEvidence(evidence, out->add_evidence());
  }
  out->set_revision(claim.revision);
  out->set_create_revision(claim.create_revision);
  EncodeTime(claim.create_time, out->mutable_create_time());
  EncodeTime(claim.update_time, out->mutable_update_time());
}

core::Claim DecodeClaimRecord(const pb::ClaimRecord& record) {
  core::Claim claim;
  claim.id = record.id();
  claim.statement = record.statement();
  claim.status = static_cast<core::VerificationStatus>(record.status());
  claim.labels.insert(record.labels().begin(), record.labels().end());
  claim.evidence.reserve(record.evidence_size());
  for (const pb::EvidenceRecord& evidence : record.evidence()) {
    claim.evidence.push_back(EvidenceFromRecord(evidence));
  }
  claim.revision = record.revision();
  claim.create_revision = record.create_revision();
  claim.create_time = DecodeTime(record.create_time());
  claim.update_time = DecodeTime(record.update_time());
  return claim;
}

absl::Status Corrupt(absl::string_view what, size_t size) {
  return absl::InternalError(absl::StrCat("database file is corrupt: a stored ",
                                          what, " record (", size,
                                          " bytes) does not parse"));
}

std::string Serialize(const google::protobuf::MessageLite& message) {
  std::string bytes;
  message.SerializeToString(&bytes);
  return bytes;
}

// ---- Schema 2, written straight from the core values. ----

// TimeRecord {unix_seconds = 1, nanos = 2}, split like EncodeTime.
struct TimeParts {
  int64_t seconds = 0;
  int32_t nanos = 0;
};

TimeParts SplitTime(absl::Time time) {
  if (time == absl::InfinitePast())
    return {std::numeric_limits<int64_t>::min(), 0};
  if (time == absl::InfiniteFuture())
    return {std::numeric_limits<int64_t>::max(), 0};
  const int64_t seconds = absl::ToUnixSeconds(time);
  return {seconds, static_cast<int32_t>(absl::ToInt64Nanoseconds(
                       time - absl::FromUnixSeconds(seconds)))};
}

void PutTime(int field, absl::Time time, std::string* out) {
  const TimeParts parts = SplitTime(time);
  const size_t size =
      wire::Int64Size(1, parts.seconds) + wire::Int64Size(2, parts.nanos);
  wire::PutLengthTag(field, size, out);
  wire::PutInt64(1, parts.seconds, out);
  wire::PutInt64(2, parts.nanos, out);
}

core::Claim HeadOf(const pb::ClaimRecord& record) {
  core::Claim claim;
  claim.id = record.id();
  claim.statement = record.statement();
  claim.status = static_cast<core::VerificationStatus>(record.status());
  claim.labels.insert(record.labels().begin(), record.labels().end());
  claim.revision = record.revision();
  claim.create_revision = record.create_revision();
  claim.create_time = DecodeTime(record.create_time());
  claim.update_time = DecodeTime(record.update_time());
  return claim;
}

}  // namespace

std::string EncodeClaim(const core::Claim& claim) {
  pb::ClaimRecord record;
  EncodeClaimRecord(claim, &record);
  return Serialize(record);
}

absl::StatusOr<core::Claim> DecodeClaim(absl::string_view bytes) {
  pb::ClaimRecord record;
  if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Corrupt("claim", bytes.size());
  }
  return DecodeClaimRecord(record);
}

std::string EncodeEvent(const core::ClaimEvent& event) {
  pb::EventRecord record;
  record.set_revision(event.revision);
  record.set_type(static_cast<int32_t>(event.type));
  EncodeClaimRecord(event.claim, record.mutable_claim());
  record.set_previous_status(static_cast<int32_t>(event.previous_status));
  EncodeTime(event.event_time, record.mutable_event_time());
  record.set_actor(event.actor);
  return Serialize(record);
}

absl::StatusOr<core::ClaimEvent> DecodeEvent(absl::string_view bytes) {
  pb::EventRecord record;
  if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Corrupt("event", bytes.size());
  }
  core::ClaimEvent event;
  event.revision = record.revision();
  event.type = static_cast<core::EventType>(record.type());
  event.claim = DecodeClaimRecord(record.claim());
  event.previous_status =
      static_cast<core::VerificationStatus>(record.previous_status());
  event.event_time = DecodeTime(record.event_time());
  event.actor = record.actor();
  return event;
}

void EncodeClaimHead(const core::Claim& claim, std::string* out) {
  out->clear();
  wire::PutString(1, claim.id, out);
  wire::PutString(2, claim.statement, out);
  wire::PutInt64(3, static_cast<int32_t>(claim.status), out);
  for (const auto& [key, value] : claim.labels) {
    // A map entry is a message {key = 1, value = 2}; protobuf writes both.
    wire::PutLengthTag(4, wire::StringSize(1, key) + wire::StringSize(2, value),
                       out);
    wire::PutStringAlways(1, key, out);
    wire::PutStringAlways(2, value, out);
  }
  wire::PutInt64(6, claim.revision, out);
  wire::PutInt64(7, claim.create_revision, out);
  PutTime(8, claim.create_time, out);
  PutTime(9, claim.update_time, out);
  wire::PutInt64(10, static_cast<int64_t>(claim.evidence.size()), out);
}

absl::StatusOr<ClaimHead> DecodeClaimHead(absl::string_view bytes) {
  pb::ClaimRecord record;
  if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
      record.evidence_size() != 0) {
    return Corrupt("claim head", bytes.size());
  }
  return ClaimHead{HeadOf(record), record.evidence_count()};
}

void EncodeEvidence(const core::Evidence& evidence, std::string* out) {
  out->clear();
  wire::PutString(1, evidence.source, out);
  wire::PutString(2, evidence.url, out);
  wire::PutString(3, evidence.quote, out);
  wire::PutString(4, evidence.note, out);
  wire::PutString(5, evidence.actor, out);
  // Absent time = not given, as in schema 1.
  if (evidence.time != absl::InfinitePast()) PutTime(6, evidence.time, out);
  wire::PutInt64(7, static_cast<int32_t>(evidence.status), out);
  wire::PutInt64(8, evidence.revision, out);
}

absl::StatusOr<core::Evidence> DecodeEvidence(absl::string_view bytes) {
  pb::EvidenceRecord record;
  if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Corrupt("evidence", bytes.size());
  }
  return EvidenceFromRecord(record);
}

void EncodeEventChange(const core::ClaimEvent& event, std::string* out) {
  const core::Claim& claim = event.claim;
  out->clear();
  wire::PutInt64(1, event.revision, out);
  wire::PutInt64(2, static_cast<int32_t>(event.type), out);
  wire::PutInt64(4, static_cast<int32_t>(event.previous_status), out);
  PutTime(5, event.event_time, out);
  wire::PutInt64(6, static_cast<int32_t>(claim.status), out);
  // Only a deletion leaves the claim at an earlier revision and time.
  if (claim.revision != event.revision) wire::PutInt64(7, claim.revision, out);
  if (claim.update_time != event.event_time) PutTime(8, claim.update_time, out);
  wire::PutInt64(9, static_cast<int64_t>(claim.evidence.size()), out);
  wire::PutInt64(10, claim.create_revision, out);
  wire::PutString(11, event.actor, out);
}

absl::StatusOr<EventChange> DecodeEventChange(absl::string_view bytes) {
  pb::EventRecord record;
  if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
      record.has_claim()) {
    return Corrupt("event change", bytes.size());
  }
  EventChange change;
  change.revision = record.revision();
  change.type = static_cast<core::EventType>(record.type());
  change.previous_status =
      static_cast<core::VerificationStatus>(record.previous_status());
  change.event_time = DecodeTime(record.event_time());
  change.claim_status =
      static_cast<core::VerificationStatus>(record.claim_status());
  change.claim_revision = record.claim_revision() != 0 ? record.claim_revision()
                                                       : record.revision();
  change.claim_update_time = record.has_claim_update_time()
                                 ? DecodeTime(record.claim_update_time())
                                 : change.event_time;
  change.evidence_count = record.evidence_count();
  change.create_revision = record.create_revision();
  change.actor = record.actor();
  return change;
}

absl::StatusOr<core::ClaimEventPtr> AssembleEvent(
    const EventChange& change, const core::Claim& head,
    const core::EvidenceList& evidence) {
  if (change.evidence_count < 0 ||
      static_cast<size_t>(change.evidence_count) > evidence.size() ||
      head.create_revision != change.create_revision) {
    return absl::InternalError(absl::StrCat(
        "database file is corrupt: the event at revision ", change.revision,
        " needs ", change.evidence_count, " evidence items of the claim ",
        head.id, " created at revision ", change.create_revision, "; found ",
        evidence.size(), " of the one created at ", head.create_revision));
  }
  auto event = std::make_shared<core::ClaimEvent>();
  event->revision = change.revision;
  event->type = change.type;
  event->previous_status = change.previous_status;
  event->event_time = change.event_time;
  event->actor = change.actor;
  core::Claim& claim = event->claim;
  claim.id = head.id;
  claim.statement = head.statement;
  claim.status = change.claim_status;
  claim.labels = head.labels;
  claim.evidence = evidence.Prefix(static_cast<size_t>(change.evidence_count));
  claim.revision = change.claim_revision;
  claim.create_revision = head.create_revision;
  claim.create_time = head.create_time;
  claim.update_time = change.claim_update_time;
  return core::ClaimEventPtr(std::move(event));
}

}  // namespace claimd::store
