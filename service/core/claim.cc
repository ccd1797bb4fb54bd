#include "service/core/claim.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace claimd::core {

absl::string_view StatusName(VerificationStatus status) {
  switch (status) {
    case VerificationStatus::kReported:
      return "REPORTED";
    case VerificationStatus::kConfirmed:
      return "CONFIRMED";
    case VerificationStatus::kDenied:
      return "DENIED";
    case VerificationStatus::kUnspecified:
      break;
  }
  return "UNSPECIFIED";
}

VerificationStatus ParseStatusName(absl::string_view name) {
  std::string upper = absl::AsciiStrToUpper(name);
  absl::string_view bare = upper;
  absl::ConsumePrefix(&bare, "VERIFICATION_STATUS_");
  for (VerificationStatus status :
       {VerificationStatus::kReported, VerificationStatus::kConfirmed,
        VerificationStatus::kDenied}) {
    if (bare == StatusName(status)) return status;
  }
  return VerificationStatus::kUnspecified;
}

absl::string_view EventTypeName(EventType type) {
  switch (type) {
    case EventType::kCreated:
      return "CREATED";
    case EventType::kStatusChanged:
      return "STATUS_CHANGED";
    case EventType::kEvidenceAdded:
      return "EVIDENCE_ADDED";
    case EventType::kDeleted:
      return "DELETED";
    case EventType::kSnapshot:
      return "SNAPSHOT";
    case EventType::kUnspecified:
      break;
  }
  return "UNSPECIFIED";
}

namespace {

// Heap bytes of a string: its buffer's capacity plus the allocator's header;
// short strings live inline (in sizeof of what holds them).
size_t HeapStringBytes(const std::string& s) {
  return s.capacity() > 15 ? s.capacity() + 16 : size_t{0};
}

}  // namespace

EvidenceList::EvidenceList(std::initializer_list<Evidence> items) {
  slots_.reserve(items.size());
  for (const Evidence& item : items) push_back(item);
}

EvidenceList EvidenceList::Prefix(size_t n) const {
  EvidenceList prefix;
  n = std::min(n, slots_.size());
  prefix.slots_.assign(slots_.begin(), slots_.begin() + n);
  return prefix;
}

void EvidenceList::push_back(Evidence item) {
  slots_.push_back(std::make_shared<Evidence>(std::move(item)));
}

void EvidenceList::resize(size_t n) {
  if (n <= slots_.size()) {
    slots_.resize(n);
    return;
  }
  slots_.reserve(n);
  while (slots_.size() < n) slots_.push_back(std::make_shared<Evidence>());
}

void EvidenceList::assign(size_t n, const Evidence& item) {
  auto shared = std::make_shared<Evidence>(item);
  slots_.assign(n, shared);
}

Evidence& EvidenceList::Mutable(size_t i) {
  std::shared_ptr<Evidence>& slot = slots_[i];
  // use_count() == 1 cannot change under us: only this list holds the item,
  // and a list being changed is not being copied at the same time. The count
  // is read relaxed, so the fence orders our writes after the reads of a list
  // that let go of the item on another thread (its release decrement).
  if (slot.use_count() != 1) {
    slot = std::make_shared<Evidence>(*slot);
  } else {
    std::atomic_thread_fence(std::memory_order_acquire);
  }
  return *slot;
}

size_t EvidenceList::ApproximateBytes() const {
  // Per item: its slot here, the object and the control block make_shared
  // puts beside it (about 32 bytes with the allocator's header), and each
  // string's heap buffer.
  const auto text = HeapStringBytes;
  size_t bytes = slots_.capacity() * sizeof(std::shared_ptr<Evidence>);
  for (const std::shared_ptr<Evidence>& slot : slots_) {
    const Evidence& item = *slot;
    bytes += sizeof(Evidence) + 32 + text(item.source) + text(item.url) +
             text(item.quote) + text(item.note) + text(item.actor);
  }
  return bytes;
}

bool EvidenceList::operator==(const EvidenceList& other) const {
  if (slots_.size() != other.slots_.size()) return false;
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i] != other.slots_[i] && *slots_[i] != *other.slots_[i])
      return false;
  }
  return true;
}

std::string ClaimName(absl::string_view claim_id) {
  return absl::StrCat(kClaimNamePrefix, claim_id);
}

size_t ApproximateBytes(const Claim& claim) {
  // A std::map node adds about four pointers to its key and value.
  const auto text = HeapStringBytes;
  size_t bytes = sizeof(Claim) + text(claim.id) + text(claim.statement);
  for (const auto& [key, value] : claim.labels) {
    bytes +=
        4 * sizeof(void*) + sizeof(std::string) * 2 + text(key) + text(value);
  }
  // Each item counted whole, although copies of a claim share them: a bound
  // that errs high.
  return bytes + claim.evidence.ApproximateBytes();
}

}  // namespace claimd::core
