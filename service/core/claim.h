// The domain model of claimd: a claim, its evidence, and the events that change
// it.
//
// Plain values with no behaviour beyond small helpers; the rules that move a
// claim from one state to the next live in mutation.h. Events are shared
// immutably (std::shared_ptr<const ClaimEvent>) between the store, the watch
// hub and every watcher, so fan-out never copies them. Thread-safety: plain
// values, no internal locking.
#ifndef CLAIMD_SERVICE_CORE_CLAIM_H_
#define CLAIMD_SERVICE_CORE_CLAIM_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace claimd::core {

// Where a claim stands. Numbers match claims.v1.VerificationStatus.
enum class VerificationStatus : int {
  kUnspecified = 0,
  kReported = 1,
  kConfirmed = 2,
  kDenied = 3,
};

// What a change did. Numbers match claims.v1.EventType.
enum class EventType : int {
  kUnspecified = 0,
  kCreated = 1,
  kStatusChanged = 2,
  kEvidenceAdded = 3,
  kDeleted = 4,
  kSnapshot = 5,
};

// "REPORTED", "CONFIRMED", "DENIED" ("UNSPECIFIED" for anything else).
absl::string_view StatusName(VerificationStatus status);
// Parses a status name, case-insensitively, with or without the
// "VERIFICATION_STATUS_" prefix. Returns kUnspecified when it is not a status.
VerificationStatus ParseStatusName(absl::string_view name);
// "CREATED", "STATUS_CHANGED", ...
absl::string_view EventTypeName(EventType type);

struct Evidence {
  std::string source;
  std::string url;
  std::string quote;
  std::string note;
  std::string actor;
  // When the source stated it; InfinitePast() when the caller did not say (the
  // store then records the commit time).
  absl::Time time = absl::InfinitePast();
  // The verdict the evidence was recorded with, and the revision that recorded
  // it.
  VerificationStatus status = VerificationStatus::kUnspecified;
  int64_t revision = 0;

  bool operator==(const Evidence&) const = default;
};

// A claim's evidence: a list whose copies share the items.
//
// Evidence is never edited once recorded, yet every change to a claim copies
// the claim (into its event, the store's state, the reply). Each item is held
// once, behind a shared pointer, so such a copy costs a pointer per item
// rather than five strings: an update to a claim holding 200 items then costs
// about what one to a claim holding 1 does. Reads are const; Mutable(i) gives
// the list a private copy of an item before it is changed (copy on write).
// Thread-safety: as a std::vector. Items are never changed while two lists
// share them, so copies may be read on other threads.
class EvidenceList {
  using Slots = std::vector<std::shared_ptr<Evidence>>;

 public:
  // Random access over const Evidence&.
  class const_iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = Evidence;
    using difference_type = std::ptrdiff_t;
    using pointer = const Evidence*;
    using reference = const Evidence&;

    const_iterator() = default;
    reference operator*() const { return **slot_; }
    pointer operator->() const { return slot_->get(); }
    reference operator[](difference_type n) const { return *slot_[n]; }
    const_iterator& operator++() { return ++slot_, *this; }
    const_iterator operator++(int) { return const_iterator(slot_++); }
    const_iterator& operator--() { return --slot_, *this; }
    const_iterator operator--(int) { return const_iterator(slot_--); }
    const_iterator& operator+=(difference_type n) { return slot_ += n, *this; }
    const_iterator& operator-=(difference_type n) { return slot_ -= n, *this; }
    friend const_iterator operator+(const_iterator it, difference_type n) {
      return it += n;
    }
    friend const_iterator operator+(difference_type n, const_iterator it) {
      return it += n;
    }
    friend const_iterator operator-(const_iterator it, difference_type n) {
      return it -= n;
    }
    friend difference_type operator-(const const_iterator& a,
                                     const const_iterator& b) {
      return a.slot_ - b.slot_;
    }
    friend bool operator==(const const_iterator&,
                           const const_iterator&) = default;
    friend auto operator<=>(const const_iterator&,
                            const const_iterator&) = default;

   private:
    friend class EvidenceList;
    explicit const_iterator(Slots::const_iterator slot) : slot_(slot) {}
    Slots::const_iterator slot_;
  };
  using iterator = const_iterator;
  using value_type = Evidence;
  using size_type = size_t;
  using difference_type = std::ptrdiff_t;
  using reference = const Evidence&;
  using const_reference = const Evidence&;

  EvidenceList() = default;
  EvidenceList(std::initializer_list<Evidence> items);

  size_t size() const { return slots_.size(); }
  bool empty() const { return slots_.empty(); }
  const Evidence& operator[](size_t i) const { return *slots_[i]; }
  const Evidence& front() const { return *slots_.front(); }
  const Evidence& back() const { return *slots_.back(); }
  const_iterator begin() const { return const_iterator(slots_.begin()); }
  const_iterator end() const { return const_iterator(slots_.end()); }

  // The first n items (at most size()), shared with this list.
  EvidenceList Prefix(size_t n) const;

  void reserve(size_t n) { slots_.reserve(n); }
  void push_back(Evidence item);
  void pop_back() { slots_.pop_back(); }
  void clear() { slots_.clear(); }
  // n items, the new ones default-constructed.
  void resize(size_t n);
  // n copies of `item` (sharing one).
  void assign(size_t n, const Evidence& item);
  // Item i, for changing it: a private copy first if another list shares it.
  Evidence& Mutable(size_t i);

  // About how many heap bytes the items take, each counted whole (shared or
  // not): a bound that errs high.
  size_t ApproximateBytes() const;

  bool operator==(const EvidenceList& other) const;

 private:
  Slots slots_;
};

struct Claim {
  std::string id;  // the {claim_id} of "claims/{claim_id}"
  std::string statement;
  VerificationStatus status = VerificationStatus::kUnspecified;
  std::map<std::string, std::string> labels;
  EvidenceList evidence;
  int64_t revision = 0;         // revision of the last change
  int64_t create_revision = 0;  // revision of the creation
  absl::Time create_time = absl::UnixEpoch();
  absl::Time update_time = absl::UnixEpoch();

  bool operator==(const Claim&) const = default;
};

struct ClaimEvent {
  int64_t revision = 0;
  EventType type = EventType::kUnspecified;
  Claim claim;  // after the change; for kDeleted the last state
  VerificationStatus previous_status = VerificationStatus::kUnspecified;
  absl::Time event_time = absl::UnixEpoch();
  // Who made the change, when the event itself records it: for kDeleted the
  // authenticated caller that deleted the claim (empty without authentication;
  // creates and updates name theirs in the evidence they add).
  std::string actor;

  bool operator==(const ClaimEvent&) const = default;
};

using ClaimEventPtr = std::shared_ptr<const ClaimEvent>;

// Resource names: "claims/{claim_id}".
inline constexpr absl::string_view kClaimNamePrefix = "claims/";
// The parent that stands for every claim in ListClaimEvents.
inline constexpr absl::string_view kAllClaimsParent = "claims/-";
std::string ClaimName(absl::string_view claim_id);

// About how many bytes of heap `claim` takes (the object, its strings, label
// map nodes and evidence), for memory budgets; an estimate that errs high.
size_t ApproximateBytes(const Claim& claim);

}  // namespace claimd::core

#endif  // CLAIMD_SERVICE_CORE_CLAIM_H_
