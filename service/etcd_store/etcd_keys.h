// The etcd key layout of the etcd store backend, under a deployment's prefix P
// (--etcd_prefix), and the conversions between core values and the records of
// etcd_record.proto.
//
//   P meta/revision         claimd's revision counter (decimal); every commit
//                           compares and writes it, so revisions are dense
//   P meta/compact          claimd's compact revision (history trimmed up to)
//   P meta/store_id         the store's identity, created once
//   P meta/compacted        claimd history deleted up to (the pass finished)
//   P meta/compacting       a replica running the deletion pass (leased)
//   P meta/etcd_compacted   etcd revision of the last MVCC compaction, written
//                           by the replica that ran it
//   P e/<rev:020>           EventRecord: what revision rev changed (no body)
//   P i/<id>/<rev:020>      the same EventRecord again, under its claim: a
//                           claim's history (ListEvents of one claim) is one
//                           range read
//   P c/<id>                ClaimHeader of a live claim (no evidence)
//   P d/<id>/<cr:020>       ClaimHeader of a deleted incarnation, kept while
//                           its events are
//   P v/<id>/<suffix>       EvidenceChunk: evidence items, each stored once
//   P r/<request_id>        RequestRecord (idempotency), trimmed with history
//
// History grows linearly: an event is a fixed-size record; a claim's statement
// and labels live in its header (one copy) and each evidence item in one chunk.
// The claim as of an event's revision R is its incarnation's header with the
// event's status, revision R and the evidence recorded at or before R (the
// statement, labels and create fields never change; evidence only grows).
//
// Thread-safety: pure functions.
#ifndef CLAIMD_SERVICE_ETCD_STORE_ETCD_KEYS_H_
#define CLAIMD_SERVICE_ETCD_STORE_ETCD_KEYS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "etcd_record.pb.h"
#include "service/core/claim.h"

namespace claimd::etcd_store {

namespace pb = ::claimd::etcd_store::v1;

class Keys {
 public:
  explicit Keys(std::string prefix) : prefix_(std::move(prefix)) {}

  const std::string& prefix() const { return prefix_; }
  std::string Revision() const { return prefix_ + "meta/revision"; }
  std::string Compact() const { return prefix_ + "meta/compact"; }
  std::string StoreId() const { return prefix_ + "meta/store_id"; }
  std::string Compacted() const { return prefix_ + "meta/compacted"; }
  std::string Compacting() const { return prefix_ + "meta/compacting"; }
  std::string EtcdCompacted() const { return prefix_ + "meta/etcd_compacted"; }
  std::string Event(int64_t revision) const;
  std::string EventsPrefix() const { return prefix_ + "e/"; }
  std::string Index(absl::string_view id, int64_t revision) const;
  std::string IndexPrefix(absl::string_view id) const;
  std::string Claim(absl::string_view id) const;
  std::string ClaimsPrefix() const { return prefix_ + "c/"; }
  std::string Tombstone(absl::string_view id, int64_t create_revision) const;
  std::string ChunkPrefix(absl::string_view id) const;
  std::string Request(absl::string_view request_id) const;
  std::string RequestsPrefix() const { return prefix_ + "r/"; }

  // What a key under the prefix is; `rest` gets the part after "e/", "c/"...
  enum class Kind {
    kOther,
    kRevision,
    kCompact,
    kEvent,
    kClaim,
    kChunk,
    kRequest
  };
  Kind Classify(absl::string_view key, absl::string_view* rest) const;

 private:
  std::string prefix_;
};

// The key just past every key that starts with `prefix` (etcd's range_end for
// a prefix range).
std::string PrefixEnd(absl::string_view prefix);
// The revision at which the evidence in chunk `key` (under `chunk_prefix`,
// v/<id>/) was recorded, from the names the writer gives chunks:
// <rev:020> for the item an update added, <rev:020>-c and s<random>-<n>
// (staged) for a create's, which get `create_revision`. A name of another
// shape also gets `create_revision`, so that a reader that skips chunks
// recorded after some revision never skips it.
int64_t ChunkRevision(absl::string_view key, absl::string_view chunk_prefix,
                      int64_t create_revision);
// 20 decimal digits, so keys sort by revision.
std::string PaddedRevision(int64_t revision);

void EncodeTime(absl::Time time, pb::Time* out);
absl::Time DecodeTime(const pb::Time& record);
void EncodeEvidence(const core::Evidence& evidence, pb::Evidence* out);
// An item a create recorded carries revision 0 (the create's revision was not
// known when its chunk was written): it gets `create_revision`.
core::Evidence DecodeEvidence(const pb::Evidence& record,
                              int64_t create_revision);

// The header of `claim` (its evidence goes to chunks; `chunk_keys` as given).
pb::ClaimHeader HeaderOf(const core::Claim& claim,
                         std::vector<std::string> chunk_keys);
// The claim a header and its evidence describe (evidence as given).
core::Claim ClaimOf(const pb::ClaimHeader& header, core::EvidenceList evidence);
// The event's own fields (revision, type, previous status, time, actor), the
// claim aside: shared by history reads and the watch that applies commits.
void DecodeEventFields(int64_t revision, const pb::EventRecord& record,
                       core::ClaimEvent* event);
// The claim as of `record`'s revision, from the final (or current) state of its
// incarnation: see the comment at the top.
core::ClaimEvent EventAt(int64_t revision, const pb::EventRecord& record,
                         const core::Claim& incarnation);

// Parsing helpers. Errors: INTERNAL naming the key when the bytes are not the
// record.
template <typename Message>
absl::StatusOr<Message> Parse(absl::string_view bytes, absl::string_view key);
absl::StatusOr<int64_t> ParseRevision(absl::string_view bytes,
                                      absl::string_view key);

}  // namespace claimd::etcd_store

#endif  // CLAIMD_SERVICE_ETCD_STORE_ETCD_KEYS_H_
