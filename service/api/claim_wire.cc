#include "service/api/claim_wire.h"

#include <cstring>

#include "absl/strings/string_view.h"

namespace claimd::api {
namespace {

// Field numbers below are claims.proto's; every one is under 16, so each tag
// is one byte: (field << 3) | wire type.
constexpr int kVarintType = 0;
constexpr int kLengthDelimitedType = 2;

constexpr char Tag(int field, int wire_type) {
  return static_cast<char>((field << 3) | wire_type);
}

size_t VarintSize(uint64_t value) {
  size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

// Signed integers and enums are varints of their 64-bit two's complement
// (a negative int32 takes ten bytes), as protobuf writes them.
uint64_t AsVarint(int64_t value) { return static_cast<uint64_t>(value); }

// The two passes share one description of each message (the Emit functions
// below, templated on the pass): Sizer adds up what Writer then writes, so the
// length written before a nested message is the length of what follows it.
class Sizer {
 public:
  // proto3: a scalar at its default (0, empty) is left out.
  void Varint(int /*field*/, uint64_t value) {
    if (value != 0) size_ += 1 + VarintSize(value);
  }
  void String(int field, absl::string_view value) {
    if (!value.empty()) AlwaysString(field, value);
  }
  // A map entry's key and value are written even when empty.
  void AlwaysString(int /*field*/, absl::string_view value) {
    size_ += 1 + VarintSize(value.size()) + value.size();
  }
  void Concatenated(int /*field*/, absl::string_view head,
                    absl::string_view tail) {
    const size_t length = head.size() + tail.size();
    if (length != 0) size_ += 1 + VarintSize(length) + length;
  }
  // A message field of `size` bytes (present even when empty).
  template <typename EmitBody>
  void Nested(int /*field*/, size_t size, EmitBody&& /*emit_body*/) {
    size_ += 1 + VarintSize(size) + size;
  }

  size_t size() const { return size_; }

 private:
  size_t size_ = 0;
};

class Writer {
 public:
  explicit Writer(char* out) : out_(out) {}

  void Varint(int field, uint64_t value) {
    if (value == 0) return;
    *out_++ = Tag(field, kVarintType);
    PutVarint(value);
  }
  void String(int field, absl::string_view value) {
    if (!value.empty()) AlwaysString(field, value);
  }
  void AlwaysString(int field, absl::string_view value) {
    *out_++ = Tag(field, kLengthDelimitedType);
    PutVarint(value.size());
    Put(value);
  }
  void Concatenated(int field, absl::string_view head, absl::string_view tail) {
    const size_t length = head.size() + tail.size();
    if (length == 0) return;
    *out_++ = Tag(field, kLengthDelimitedType);
    PutVarint(length);
    Put(head);
    Put(tail);
  }
  template <typename EmitBody>
  void Nested(int field, size_t size, EmitBody&& emit_body) {
    *out_++ = Tag(field, kLengthDelimitedType);
    PutVarint(size);
    emit_body(*this);
  }

 private:
  void PutVarint(uint64_t value) { out_ = api::PutVarint(value, out_); }
  void Put(absl::string_view bytes) {
    if (bytes.empty()) return;  // memcpy from a null pointer is undefined
    std::memcpy(out_, bytes.data(), bytes.size());
    out_ += bytes.size();
  }

  char* out_;
};

template <typename Pass>
void EmitTimestamp(const WireTime& time, Pass& pass) {
  pass.Varint(1, AsVarint(time.seconds));  // seconds
  pass.Varint(2, AsVarint(time.nanos));    // nanos
}

template <typename Emit>
size_t SizeOf(Emit&& emit) {
  Sizer sizer;
  emit(sizer);
  return sizer.size();
}

template <typename Pass>
void EmitTimestampField(int field, absl::Time time, Pass& pass) {
  const WireTime split = SplitTime(time);
  pass.Nested(field, SizeOf([&](Sizer& sizer) { EmitTimestamp(split, sizer); }),
              [&](auto& body) { EmitTimestamp(split, body); });
}

uint64_t StatusValue(core::VerificationStatus status) {
  return AsVarint(static_cast<int>(status));
}

// claims.v1.Evidence, as api::ToProto fills it: the time only when known.
template <typename Pass>
void EmitEvidence(const core::Evidence& evidence, Pass& pass) {
  pass.String(1, evidence.source);
  pass.String(2, evidence.url);
  pass.String(3, evidence.quote);
  pass.String(4, evidence.note);
  pass.String(5, evidence.actor);
  if (evidence.time != absl::InfinitePast())
    EmitTimestampField(6, evidence.time, pass);
  pass.Varint(7, StatusValue(evidence.status));
  pass.Varint(8, AsVarint(evidence.revision));
}

// claims.v1.Claim, as api::ToProto fills it: both times always present.
template <typename Pass>
void EmitClaim(const core::Claim& claim, Pass& pass) {
  pass.Concatenated(1, core::kClaimNamePrefix, claim.id);  // name
  pass.String(2, claim.statement);
  pass.Varint(3, StatusValue(claim.status));
  for (const auto& label : claim.labels) {  // std::map: key order
    auto entry = [&](auto& body) {
      body.AlwaysString(1, label.first);
      body.AlwaysString(2, label.second);
    };
    pass.Nested(4, SizeOf(entry), entry);
  }
  for (const core::Evidence& evidence : claim.evidence) {
    auto item = [&](auto& body) { EmitEvidence(evidence, body); };
    pass.Nested(5, SizeOf(item), item);
  }
  pass.Varint(6, AsVarint(claim.revision));
  EmitTimestampField(7, claim.create_time, pass);
  EmitTimestampField(8, claim.update_time, pass);
  pass.Varint(9, AsVarint(claim.create_revision));
}

// claims.v1.ClaimEvent, as api::ToProto fills it. The claim's size is the
// caller's, so that both passes size its evidence once between them.
template <typename Pass>
void EmitClaimEvent(const core::ClaimEvent& event, size_t claim_size,
                    Pass& pass) {
  pass.Varint(1, AsVarint(event.revision));
  pass.Varint(2, AsVarint(static_cast<int>(event.type)));
  pass.Nested(3, claim_size, [&](auto& body) { EmitClaim(event.claim, body); });
  pass.Varint(4, StatusValue(event.previous_status));
  EmitTimestampField(5, event.event_time, pass);
  pass.String(6, event.actor);
}

template <typename Emit>
std::string Encode(Emit&& emit) {
  const size_t size = SizeOf(emit);
  std::string bytes(size, '\0');
  Writer writer(bytes.data());
  emit(writer);  // writes exactly `size` bytes (claim_wire_test)
  return bytes;
}

}  // namespace

WireTime SplitTime(absl::Time time) {
  const int64_t seconds = absl::ToUnixSeconds(time);
  return {.seconds = seconds,
          .nanos = static_cast<int32_t>(
              absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds)))};
}

char* PutVarint(uint64_t value, char* out) {
  while (value >= 0x80) {
    *out++ = static_cast<char>((value & 0x7F) | 0x80);
    value >>= 7;
  }
  *out++ = static_cast<char>(value);
  return out;
}

std::string EncodeClaimEvent(const core::ClaimEvent& event) {
  const size_t claim_size = ClaimWireSize(event.claim);
  return Encode([&](auto& pass) { EmitClaimEvent(event, claim_size, pass); });
}

std::string EncodeClaimsPage(absl::Span<const core::Claim> claims,
                             absl::Span<const size_t> claim_sizes,
                             absl::string_view next_page_token,
                             int64_t revision, absl::string_view store_id) {
  return Encode([&](auto& pass) {
    for (size_t i = 0; i < claims.size(); ++i) {
      pass.Nested(1, claim_sizes[i],
                  [&](auto& body) { EmitClaim(claims[i], body); });
    }
    pass.String(2, next_page_token);
    pass.Varint(3, AsVarint(revision));
    pass.String(4, store_id);
  });
}

size_t ClaimWireSize(const core::Claim& claim) {
  return SizeOf([&](auto& pass) { EmitClaim(claim, pass); });
}

void WriteClaim(const core::Claim& claim, char* out) {
  Writer writer(out);
  EmitClaim(claim, writer);
}

}  // namespace claimd::api
