#include "service/store/record_codec.h"

#include <cstdint>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "record.pb.h"

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

core::Evidence DecodeEvidence(const pb::EvidenceRecord& record) {
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
    claim.evidence.push_back(DecodeEvidence(evidence));
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

std::string EncodeEvent(const core::ClaimEvent& event,
                        absl::string_view encoded_claim) {
  pb::EventRecord record;
  record.set_revision(event.revision);
  record.set_type(static_cast<int32_t>(event.type));
  record.set_previous_status(static_cast<int32_t>(event.previous_status));
  EncodeTime(event.event_time, record.mutable_event_time());
  record.set_actor(event.actor);
  std::string bytes = Serialize(record);
  // Field 3 (claim), length-delimited, appended: protobuf parsers accept fields
  // in any order, so this decodes exactly like the one-pass encoding.
  constexpr int kClaimField = 3;
  bytes.push_back(static_cast<char>((kClaimField << 3) | 2));
  uint64_t length = encoded_claim.size();
  while (length >= 0x80) {
    bytes.push_back(static_cast<char>((length & 0x7F) | 0x80));
    length >>= 7;
  }
  bytes.push_back(static_cast<char>(length));
  bytes.append(encoded_claim.data(), encoded_claim.size());
  return bytes;
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

}  // namespace claimd::store
