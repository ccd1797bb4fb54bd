// AppendUtf8: the UTF-8 bytes of one code point, for the formats that decode
// text escapes (JSON \u, HTML character references) and the verdict table's
// case folding.
//
// Thread-safety: a pure function.
#ifndef CLAIMD_CLIENT_FORMATS_UTF8_APPEND_H_
#define CLAIMD_CLIENT_FORMATS_UTF8_APPEND_H_

#include <cstdint>
#include <string>

namespace claimd::client {

// Appends `code_point` (at most U+10FFFF) to `out` as UTF-8.
void AppendUtf8(uint32_t code_point, std::string* out);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_FORMATS_UTF8_APPEND_H_
