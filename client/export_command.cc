// RunExport: every matching claim, page by page, as JSON Lines on stdout.
#include <string>

#include "absl/strings/str_cat.h"
#include "client/errors.h"
#include "client/formats/claim_review.h"
#include "client/monitor_commands.h"
#include "client/requests.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

constexpr int32_t kExportPageSize = 500;

}  // namespace

int RunExport(CommandContext& context, const ExportFlags& flags) {
  const bool claim_review = flags.format == "claimreview";
  v1::ListClaimsRequest request =
      BuildListRequest(flags.filter, kExportPageSize);
  int64_t count = 0;
  while (true) {
    absl::StatusOr<v1::ListClaimsResponse> page =
        context.client().ListClaims(request);
    if (!page.ok()) {
      return context.Fail(
          "export", page.status(),
          count == 0 ? ""
                     : absl::StrCat("stopped after ", count,
                                    " claims; the output is incomplete"));
    }
    for (const v1::Claim& claim : page->claims()) {
      if (claim_review) {
        context.PrintLine(ClaimReviewJson(claim));
      } else if (int code = context.PrintJson(claim); code != kExitOk) {
        return code;
      }
      ++count;
    }
    if (page->next_page_token().empty()) break;
    request.set_page_token(page->next_page_token());
  }
  context.err() << "claimctl: exported " << count
                << (count == 1 ? " claim" : " claims") << std::endl;
  return kExitOk;
}

}  // namespace claimd::client
