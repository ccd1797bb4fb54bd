// Protobuf's wire format written by hand, for the store's schema-2 records
// (record_codec.cc): encoding a record straight from a core value costs no
// message objects, no allocations beyond the output buffer and no reflection.
// The output parses with the generated record.pb.h like protobuf's own; like
// proto3, the Put* functions leave out fields at their zero value.
// Thread-safety: pure functions.
#ifndef CLAIMD_SERVICE_STORE_RECORD_WIRE_H_
#define CLAIMD_SERVICE_STORE_RECORD_WIRE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace claimd::store::wire {

inline constexpr int kVarint = 0;
inline constexpr int kLengthDelimited = 2;

inline size_t VarintSize(uint64_t value) {
  size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

inline void PutVarint(uint64_t value, std::string* out) {
  char buffer[10];
  size_t size = 0;
  while (value >= 0x80) {
    buffer[size++] = static_cast<char>((value & 0x7F) | 0x80);
    value >>= 7;
  }
  buffer[size++] = static_cast<char>(value);
  out->append(buffer, size);
}

inline uint64_t Tag(int field, int wire_type) {
  return (static_cast<uint64_t>(field) << 3) | static_cast<uint64_t>(wire_type);
}

// int64 and int32 fields alike: a negative int32 is sign-extended to 64 bits,
// as protobuf does. Zero is left out.
inline size_t Int64Size(int field, int64_t value) {
  if (value == 0) return 0;
  return VarintSize(Tag(field, kVarint)) +
         VarintSize(static_cast<uint64_t>(value));
}
inline void PutInt64(int field, int64_t value, std::string* out) {
  if (value == 0) return;
  PutVarint(Tag(field, kVarint), out);
  PutVarint(static_cast<uint64_t>(value), out);
}

// The size of a string field written with PutStringAlways.
inline size_t StringSize(int field, absl::string_view value) {
  return VarintSize(Tag(field, kLengthDelimited)) + VarintSize(value.size()) +
         value.size();
}
inline void PutStringAlways(int field, absl::string_view value,
                            std::string* out) {
  PutVarint(Tag(field, kLengthDelimited), out);
  PutVarint(value.size(), out);
  out->append(value.data(), value.size());
}
// An empty string is left out.
inline void PutString(int field, absl::string_view value, std::string* out) {
  if (!value.empty()) PutStringAlways(field, value, out);
}

// The tag and length of an embedded message of `size` bytes; the caller
// writes its fields next.
inline void PutLengthTag(int field, size_t size, std::string* out) {
  PutVarint(Tag(field, kLengthDelimited), out);
  PutVarint(size, out);
}

}  // namespace claimd::store::wire

#endif  // CLAIMD_SERVICE_STORE_RECORD_WIRE_H_
