// The named HTML character references publishers leave in JSON-LD strings
// ("per&ograve;", "&Aring;lesund", "co&ucirc;te 3&nbsp;milliards
// d&rsquo;&euro;"): the full HTML 4 set of 252 (Latin-1, symbols and Greek,
// special characters such as &oelig; &ndash; &hellip; &euro; &trade;), plus
// XML's &apos;. Used by DecodeHtmlEntities (html.h).
//
//   uint32_t c = NamedHtmlEntity("ograve");  // 0xF2; 0 when unknown
//
// Thread-safety: a pure function over a constant table.
#ifndef CLAIMD_CLIENT_FORMATS_HTML_ENTITIES_H_
#define CLAIMD_CLIENT_FORMATS_HTML_ENTITIES_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace claimd::client {

// The code point `name` (between '&' and ';', case-sensitive) stands for; 0
// when it is none. &nbsp; is a plain space: a statement is compared and
// exported as text, where a no-break space would only make two spellings of
// one claim.
uint32_t NamedHtmlEntity(absl::string_view name);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_FORMATS_HTML_ENTITIES_H_
