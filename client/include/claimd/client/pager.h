// Pager: the one page loop of the claimd client, for every call that returns
// pages (ListClaims, ListClaimEvents), in the spirit of google-cloud-cpp's
// pagination ranges. A caller says what to do with each item; the pager asks
// for the next page with the previous page's next_page_token until the server
// has no more, the caller has had `limit` items, or a page fails.
//
//   ClaimClient client(...);
//   absl::Status status = client.ForEachClaim(request, /*limit=*/0,
//       [&](claims::v1::Claim& claim) { claims.push_back(std::move(claim)); });
//
// Items are handed over mutable, so the caller may move them out. A failed
// page ends the loop with that page's error; the items of earlier pages have
// been delivered (a caller that needs all-or-nothing buffers them).
//
// Thread-safety: a pure function of its arguments; `fetch` and `on_item` run on
// the calling thread.
#ifndef CLAIMD_CLIENT_PAGER_H_
#define CLAIMD_CLIENT_PAGER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace claimd::client {

// What the last page said about the store it was read from.
struct PageInfo {
  // The store revision of the last page read.
  int64_t revision = 0;
  // The store revision of the first page read: pages are read one after the
  // other, so a caller that watches after a list starts here to miss nothing.
  int64_t first_revision = 0;
  // The store identity of that revision ("" from a server that does not say).
  std::string store_id;
};

// Reads every page of `request` through `fetch` and hands each item of
// `Response::*items` to `on_item`, at most `limit` of them (0: no limit).
// Fills `*last` (if not null) from the last page read.
template <typename Request, typename Response, typename Item>
absl::Status ForEachPage(
    Request request,
    const std::function<absl::StatusOr<Response>(const Request&)>& fetch,
    google::protobuf::RepeatedPtrField<Item>* (Response::*items)(),
    int64_t limit, const std::function<void(Item&)>& on_item,
    PageInfo* last = nullptr) {
  int64_t delivered = 0;
  bool first = true;
  while (true) {
    absl::StatusOr<Response> page = fetch(request);
    if (!page.ok()) return page.status();
    if (last != nullptr) {
      if constexpr (requires { page->revision(); }) {
        last->revision = page->revision();
        if (first) last->first_revision = page->revision();
      }
      last->store_id = page->store_id();
    }
    for (Item& item : *((*page).*items)()) {
      if (limit > 0 && delivered >= limit) return absl::OkStatus();
      on_item(item);
      ++delivered;
    }
    if (limit > 0 && delivered >= limit) return absl::OkStatus();
    if (page->next_page_token().empty()) return absl::OkStatus();
    first = false;
    request.set_page_token(page->next_page_token());
  }
}

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_PAGER_H_
