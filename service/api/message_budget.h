// AppendWithinBudget: fills a repeated field of a response while the response
// stays within a byte budget (and a count), so pages and watch messages fit
// under what a default gRPC client accepts (4 MiB). Thread-safety: a pure
// function template.
#ifndef CLAIMD_SERVICE_API_MESSAGE_BUDGET_H_
#define CLAIMD_SERVICE_API_MESSAGE_BUDGET_H_

#include <algorithm>
#include <cstddef>

#include "absl/types/span.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace claimd::api {

// Converts items into `out` (convert(item, Proto*)) until `max_items` were
// taken or the next one would pass `max_bytes` of serialised size. The first
// item is always taken, whatever its size. Returns how many were taken.
template <typename Item, typename Proto, typename Convert>
size_t AppendWithinBudget(absl::Span<const Item> items,
                          google::protobuf::RepeatedPtrField<Proto>* out,
                          size_t max_items, size_t max_bytes, Convert convert) {
  size_t bytes = 0;
  for (size_t i = 0; i < items.size() && i < max_items; ++i) {
    Proto* added = out->Add();
    convert(items[i], added);
    const size_t size = added->ByteSizeLong();
    if (i > 0 && bytes + size > max_bytes) {
      out->RemoveLast();  // it opens the next page or message
      return i;
    }
    bytes += size;
  }
  return std::min(items.size(), max_items);
}

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_MESSAGE_BUDGET_H_
