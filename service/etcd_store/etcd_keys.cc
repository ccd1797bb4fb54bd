// Key layout and record conversions of the etcd store (see etcd_keys.h).
#include "service/etcd_store/etcd_keys.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"

namespace claimd::etcd_store {

std::string PaddedRevision(int64_t revision) {
  return absl::StrFormat("%020d", revision);
}

int64_t ChunkRevision(absl::string_view key, absl::string_view chunk_prefix,
                      int64_t create_revision) {
  int64_t revision = 0;
  if (!absl::ConsumePrefix(&key, chunk_prefix) || key.size() < 20 ||
      !absl::SimpleAtoi(key.substr(0, 20), &revision) ||
      revision < create_revision)
    return create_revision;
  return revision;
}

std::string PrefixEnd(absl::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    unsigned char last = static_cast<unsigned char>(end.back());
    if (last < 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // etcd: every key from the start
}

std::string Keys::Event(int64_t revision) const {
  return absl::StrCat(prefix_, "e/", PaddedRevision(revision));
}
std::string Keys::Index(absl::string_view id, int64_t revision) const {
  return absl::StrCat(prefix_, "i/", id, "/", PaddedRevision(revision));
}
std::string Keys::IndexPrefix(absl::string_view id) const {
  return absl::StrCat(prefix_, "i/", id, "/");
}
std::string Keys::Claim(absl::string_view id) const {
  return absl::StrCat(prefix_, "c/", id);
}
std::string Keys::Tombstone(absl::string_view id,
                            int64_t create_revision) const {
  return absl::StrCat(prefix_, "d/", id, "/", PaddedRevision(create_revision));
}
std::string Keys::ChunkPrefix(absl::string_view id) const {
  return absl::StrCat(prefix_, "v/", id, "/");
}
std::string Keys::Request(absl::string_view request_id) const {
  return absl::StrCat(prefix_, "r/", request_id);
}

Keys::Kind Keys::Classify(absl::string_view key,
                          absl::string_view* rest) const {
  if (!absl::ConsumePrefix(&key, prefix_)) return Kind::kOther;
  *rest = key;
  if (key == "meta/revision") return Kind::kRevision;
  if (key == "meta/compact") return Kind::kCompact;
  struct Tag {
    absl::string_view tag;
    Kind kind;
  };
  for (const Tag& tag : {Tag{"e/", Kind::kEvent}, Tag{"c/", Kind::kClaim},
                         Tag{"v/", Kind::kChunk}, Tag{"r/", Kind::kRequest}}) {
    if (absl::ConsumePrefix(&key, tag.tag)) {
      *rest = key;
      return tag.kind;
    }
  }
  return Kind::kOther;
}

void EncodeTime(absl::Time time, pb::Time* out) {
  if (time == absl::InfinitePast()) {
    out->set_unix_seconds(std::numeric_limits<int64_t>::min());
    return;
  }
  if (time == absl::InfiniteFuture()) {
    out->set_unix_seconds(std::numeric_limits<int64_t>::max());
    return;
  }
  const int64_t seconds = absl::ToUnixSeconds(time);  // floor
  out->set_unix_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
}

absl::Time DecodeTime(const pb::Time& record) {
  if (record.unix_seconds() == std::numeric_limits<int64_t>::min())
    return absl::InfinitePast();
  if (record.unix_seconds() == std::numeric_limits<int64_t>::max())
    return absl::InfiniteFuture();
  return absl::FromUnixSeconds(record.unix_seconds()) +
         absl::Nanoseconds(record.nanos());
}

void EncodeEvidence(const core::Evidence& evidence, pb::Evidence* out) {
  out->set_source(evidence.source);
  out->set_url(evidence.url);
  out->set_quote(evidence.quote);
  out->set_note(evidence.note);
  out->set_actor(evidence.actor);
  if (evidence.time != absl::InfinitePast())
    EncodeTime(evidence.time, out->mutable_time());
  out->set_status(static_cast<int32_t>(evidence.status));
  out->set_revision(evidence.revision);
}

core::Evidence DecodeEvidence(const pb::Evidence& record,
                              int64_t create_revision) {
  core::Evidence evidence;
  evidence.source = record.source();
  evidence.url = record.url();
  evidence.quote = record.quote();
  evidence.note = record.note();
  evidence.actor = record.actor();
  evidence.time =
      record.has_time() ? DecodeTime(record.time()) : absl::InfinitePast();
  evidence.status = static_cast<core::VerificationStatus>(record.status());
  evidence.revision =
      record.revision() != 0 ? record.revision() : create_revision;
  return evidence;
}

pb::ClaimHeader HeaderOf(const core::Claim& claim,
                         std::vector<std::string> chunk_keys) {
  pb::ClaimHeader header;
  header.set_id(claim.id);
  header.set_statement(claim.statement);
  header.set_status(static_cast<int32_t>(claim.status));
  header.mutable_labels()->insert(claim.labels.begin(), claim.labels.end());
  header.set_revision(claim.revision);
  header.set_create_revision(claim.create_revision);
  EncodeTime(claim.create_time, header.mutable_create_time());
  EncodeTime(claim.update_time, header.mutable_update_time());
  for (std::string& key : chunk_keys) header.add_chunk_keys(std::move(key));
  return header;
}

core::Claim ClaimOf(const pb::ClaimHeader& header,
                    core::EvidenceList evidence) {
  core::Claim claim;
  claim.id = header.id();
  claim.statement = header.statement();
  claim.status = static_cast<core::VerificationStatus>(header.status());
  claim.labels.insert(header.labels().begin(), header.labels().end());
  claim.evidence = std::move(evidence);
  claim.revision = header.revision();
  claim.create_revision = header.create_revision();
  claim.create_time = DecodeTime(header.create_time());
  claim.update_time = DecodeTime(header.update_time());
  return claim;
}

void DecodeEventFields(int64_t revision, const pb::EventRecord& record,
                       core::ClaimEvent* event) {
  event->revision = revision;
  event->type = static_cast<core::EventType>(record.type());
  event->previous_status =
      static_cast<core::VerificationStatus>(record.previous_status());
  event->event_time = DecodeTime(record.event_time());
  event->actor = record.actor();
}

core::ClaimEvent EventAt(int64_t revision, const pb::EventRecord& record,
                         const core::Claim& incarnation) {
  core::ClaimEvent event;
  DecodeEventFields(revision, record, &event);
  if (event.type == core::EventType::kDeleted) {
    // A delete records the claim's last state, which is the incarnation's
    // final state.
    event.claim = incarnation;
    return event;
  }
  event.claim.id = incarnation.id;
  event.claim.statement = incarnation.statement;
  event.claim.labels = incarnation.labels;
  event.claim.create_revision = incarnation.create_revision;
  event.claim.create_time = incarnation.create_time;
  event.claim.status = static_cast<core::VerificationStatus>(record.status());
  event.claim.revision = revision;
  event.claim.update_time = event.event_time;
  // Evidence only grows, in revision order: the items recorded by `revision`.
  const auto recorded = std::partition_point(
      incarnation.evidence.begin(), incarnation.evidence.end(),
      [revision](const core::Evidence& e) { return e.revision <= revision; });
  event.claim.evidence = incarnation.evidence.Prefix(
      static_cast<size_t>(recorded - incarnation.evidence.begin()));
  return event;
}

template <typename Message>
absl::StatusOr<Message> Parse(absl::string_view bytes, absl::string_view key) {
  Message message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InternalError(absl::StrCat(
        "etcd key ", key, " does not hold a claimd record (", bytes.size(),
        " bytes): the prefix is shared with something else, or corrupt"));
  }
  return message;
}
template absl::StatusOr<pb::EventRecord> Parse(absl::string_view,
                                               absl::string_view);
template absl::StatusOr<pb::ClaimHeader> Parse(absl::string_view,
                                               absl::string_view);
template absl::StatusOr<pb::EvidenceChunk> Parse(absl::string_view,
                                                 absl::string_view);
template absl::StatusOr<pb::RequestRecord> Parse(absl::string_view,
                                                 absl::string_view);

absl::StatusOr<int64_t> ParseRevision(absl::string_view bytes,
                                      absl::string_view key) {
  int64_t value = 0;
  if (!absl::SimpleAtoi(bytes, &value) || value < 0) {
    return absl::InternalError(
        absl::StrCat("etcd key ", key, " does not hold a revision: \"",
                     absl::CHexEscape(bytes.substr(0, 40)), "\""));
  }
  return value;
}

}  // namespace claimd::etcd_store
