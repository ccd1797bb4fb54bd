// CountWithinBudget and AppendWithinBudget: the one rule by which a page or a
// watch message stops early, so that it fits under what a default gRPC client
// accepts (4 MiB): items are taken in order while the sum of their sizes stays
// within a byte budget, and the first is always taken. Thread-safety: pure
// function templates.
#ifndef CLAIMD_SERVICE_API_MESSAGE_BUDGET_H_
#define CLAIMD_SERVICE_API_MESSAGE_BUDGET_H_

#include <algorithm>
#include <cstddef>

#include "absl/types/span.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace claimd::api {

// How many of `count` items, taken in order, fit in `max_bytes` when item i
// costs size_of(i) bytes; the first is always taken, whatever its size.
// size_of is called for each item taken and for the first one that did not
// fit, in order.
template <typename SizeOf>
size_t CountWithinBudget(size_t count, size_t max_bytes, SizeOf size_of) {
  size_t bytes = 0;
  for (size_t i = 0; i < count; ++i) {
    const size_t size = size_of(i);
    if (i > 0 && bytes + size > max_bytes) return i;
    bytes += size;
  }
  return count;
}

// Converts items into `out` (convert(item, Proto*)) until `max_items` were
// taken or the next one would pass `max_bytes` of serialised size. The first
// item is always taken, whatever its size. Returns how many were taken.
template <typename Item, typename Proto, typename Convert>
size_t AppendWithinBudget(absl::Span<const Item> items,
                          google::protobuf::RepeatedPtrField<Proto>* out,
                          size_t max_items, size_t max_bytes, Convert convert) {
  const size_t count = std::min(items.size(), max_items);
  const size_t taken = CountWithinBudget(count, max_bytes, [&](size_t i) {
    Proto* added = out->Add();
    convert(items[i], added);
    return added->ByteSizeLong();
  });
  if (taken < count) out->RemoveLast();  // it opens the next page or message
  return taken;
}

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_MESSAGE_BUDGET_H_
