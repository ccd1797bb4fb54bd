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

// One <script type="application/ld+json"> element's JSON: from its first '{'
// or '[' to its last '}' or ']' (so "<!--", CDATA markers and comments around
// it are left out).
struct LdJsonBlock {
  int64_t index = 0;  // 1-based, among the page's ld+json blocks
  int64_t line = 0;   // the page line of text[0]
  absl::string_view text;
};

// True when the input is markup rather than JSON: its first non-blank
// character (after a UTF-8 BOM) is '<'.
bool LooksLikeHtml(absl::string_view text);

// Every ld+json script block of `html`, in page order; the views point into
// `html`. Other scripts (and an unterminated last one) are skipped. The type
// attribute is compared case-insensitively, quoted or not, parameters after
// ';' ignored.
std::vector<LdJsonBlock> LdJsonBlocks(absl::string_view html);

// `text` with HTML character references replaced: &#NNN; &#xHH; and the
// named ones (html_entities.h: HTML 4's 252, &apos; too). A doubly escaped
// "&amp;#039;" is decoded twice. Unknown or unterminated references are left
// as they are; &nbsp; becomes a space.
std::string DecodeHtmlEntities(absl::string_view text);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_FORMATS_HTML_H_
