// Reading ClaimReview out of saved HTML pages: the JSON-LD blocks
// (<script type="application/ld+json">) a fact-checker's article carries, and
// the HTML character references publishers leave inside JSON strings
// ("Biden&#039;s", "&amp;quot;").
//
//   for (const LdJsonBlock& block : LdJsonBlocks(page)) {
//     JsonReader reader(block.text, block.line);  // errors name page lines
//   }
//
// Thread-safety: pure functions.
#ifndef CLAIMD_CLIENT_FORMATS_HTML_H_
#define CLAIMD_CLIENT_FORMATS_HTML_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace claimd::client {

// One <script type="application/ld+json"> element's JSON: its content
// without the comment and CDATA wrappers publishers put around it ("<!--" and
// "-->", "//<![CDATA[" and "//]]>", "/*<![CDATA[*/" and "/*]]>*/", each
// stripped whole).
struct LdJsonBlock {
  int64_t index = 0;  // 1-based, among the page's ld+json blocks
  int64_t line = 0;   // the page line of text[0]
  absl::string_view text;
  // No </script> follows: the page ends inside the block, as a save that was
  // cut off does; `text` is what there is.
  bool unterminated = false;
};

// True when the input is markup rather than JSON: its first non-blank
// character (after a UTF-8 BOM) is '<'.
bool LooksLikeHtml(absl::string_view text);

// Every ld+json script block of `html`, in page order; the views point into
// `html`. Other scripts are skipped, and so is everything inside an HTML
// comment (<!-- ... -->) outside a script element: markup commented out is a
// draft or an old version, not what the page publishes (a comment inside a
// script's content is a wrapper and is read). The type attribute is compared
// case-insensitively, quoted or not, parameters after ';' ignored; a '>'
// inside a quoted attribute value does not end the tag. A last ld+json block
// without </script> is returned with `unterminated` set.
std::vector<LdJsonBlock> LdJsonBlocks(absl::string_view html);

// True when `html` has an element with itemtype schema.org/ClaimReview
// (microdata, which claimctl does not read), for the message that says so.
bool HasClaimReviewMicrodata(absl::string_view html);

// `text` with HTML character references replaced: &#NNN; &#xHH; and the
// named ones (html_entities.h: HTML 4's 252, &apos; too). A doubly escaped
// "&amp;#039;" is decoded twice. Unknown or unterminated references are left
// as they are; &nbsp; becomes a space.
std::string DecodeHtmlEntities(absl::string_view text);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_FORMATS_HTML_H_
