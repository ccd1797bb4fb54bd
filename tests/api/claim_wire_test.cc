// Claims and events encoded straight from core types must be byte-for-byte
// what protobuf serialises for the messages api::ToProto builds: the replies
// and watch events built this way are compared byte for byte elsewhere, and a
// client must not be able to tell them apart.
#include "service/api/claim_wire.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "claims/v1/claims.pb.h"
#include "gtest/gtest.h"
#include "service/api/proto_convert.h"

namespace claimd::api {
namespace {

// Deterministic, so that map entries come in key order (core's std::map
// order); the other fields come in number order either way.
std::string Serialized(const google::protobuf::Message& message) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  EXPECT_TRUE(message.SerializeToCodedStream(&coded));
  coded.Trim();
  return bytes;
}

std::string Expected(const core::Claim& claim) {
  claims::v1::Claim proto;
  ToProto(claim, &proto);
  return Serialized(proto);
}

std::string Expected(const core::ClaimEvent& event) {
  claims::v1::ClaimEvent proto;
  ToProto(event, &proto);
  return Serialized(proto);
}

// What a reply carries: the claim written into a buffer of its size.
std::string Encoded(const core::Claim& claim) {
  std::string bytes(ClaimWireSize(claim), '\0');
  WriteClaim(claim, bytes.data());
  return bytes;
}

class RandomClaims {
 public:
  explicit RandomClaims(uint32_t seed) : random_(seed) {}

  // Lengths around the one- and two-byte varint boundaries, empty included,
  // in UTF-8 with characters of one to four bytes.
  std::string Text() {
    static constexpr size_t kLengths[] = {0,   0,   1,   15,   16,
                                          127, 128, 300, 16384};
    static constexpr const char* kCharacters[] = {
        "a", "Z", " ", "\xc3\xa9", "\xe2\x80\x94", "\xf0\x9f\x93\xb0"};
    const size_t length = kLengths[Below(std::size(kLengths))];
    std::string text;
    while (text.size() < length)
      text += kCharacters[Below(std::size(kCharacters))];
    return text;
  }

  absl::Time Time() {
    switch (Below(6)) {
      case 0:
        return absl::UnixEpoch();  // seconds and nanos both 0
      case 1:  // before 1970: negative seconds, ten-byte varints
        return absl::FromUnixSeconds(-static_cast<int64_t>(Below(1u << 30))) +
               absl::Nanoseconds(Below(1000000000));
      case 2:
        return absl::FromUnixSeconds(Below(1u << 31));  // whole seconds
      case 3:  // year 9999, where Unix nanoseconds would have saturated
        return absl::FromUnixSeconds(253402300799) + absl::Nanoseconds(1);
      default:
        return absl::FromUnixSeconds(1700000000 + Below(100000000)) +
               absl::Nanoseconds(Below(1000000000));
    }
  }

  core::VerificationStatus Status() {
    return static_cast<core::VerificationStatus>(Below(4));
  }

  int64_t Revision() {
    switch (Below(4)) {
      case 0:
        return 0;
      case 1:
        return Below(128);
      case 2:
        return int64_t{1} << 40;
      default:
        return Below(1u << 31);
    }
  }

  core::Claim Claim(size_t max_evidence) {
    core::Claim claim;
    claim.id = Below(8) == 0 ? "" : absl::StrCat("claim-", Below(1u << 20));
    claim.statement = Text();
    claim.status = Status();
    for (uint32_t i = Below(5); i > 0; --i) claim.labels[Text()] = Text();
    for (size_t i = Below(static_cast<uint32_t>(max_evidence) + 1); i > 0;
         --i) {
      core::Evidence evidence{.source = Text(),
                              .url = Text(),
                              .quote = Text(),
                              .note = Text(),
                              .actor = Text(),
                              .status = Status(),
                              .revision = Revision()};
      if (Below(3) != 0) evidence.time = Time();  // else: not known
      claim.evidence.push_back(std::move(evidence));
    }
    claim.revision = Revision();
    claim.create_revision = Revision();
    claim.create_time = Time();
    claim.update_time = Time();
    return claim;
  }

  core::ClaimEvent Event() {
    core::ClaimEvent event;
    event.revision = Revision();
    event.type = static_cast<core::EventType>(Below(6));
    event.claim = Claim(6);
    event.previous_status = Status();
    event.event_time = Time();
    event.actor = Text();
    return event;
  }

 private:
  uint32_t Below(uint32_t bound) {
    return std::uniform_int_distribution<uint32_t>(0, bound - 1)(random_);
  }

  std::mt19937 random_;
};

TEST(ClaimWire, AnEmptyClaimIsItsNamePrefixAndTwoTimestamps) {
  // The name is never empty ("claims/" + id); statement and status are at
  // their defaults; both times are present though zero, as api::ToProto sets
  // them.
  const core::Claim claim;
  EXPECT_EQ(Encoded(claim), Expected(claim));
  EXPECT_EQ(Encoded(claim), std::string("\x0a\x07"
                                        "claims/"
                                        "\x3a\x00\x42\x00",
                                        13));
}

TEST(ClaimWire, RandomClaimsMatchProtobuf) {
  RandomClaims random(20261207);
  for (int i = 0; i < 400; ++i) {
    const core::Claim claim = random.Claim(8);
    const std::string expected = Expected(claim);
    ASSERT_EQ(ClaimWireSize(claim), expected.size()) << "claim " << i;
    ASSERT_EQ(Encoded(claim), expected) << "claim " << i;
  }
}

TEST(ClaimWire, RandomEventsMatchProtobuf) {
  RandomClaims random(7);
  for (int i = 0; i < 400; ++i) {
    const core::ClaimEvent event = random.Event();
    ASSERT_EQ(EncodeClaimEvent(event), Expected(event)) << "event " << i;
  }
}

TEST(ClaimWire, RandomPagesMatchProtobuf) {
  RandomClaims random(2026);
  for (int i = 0; i < 100; ++i) {
    std::vector<core::Claim> claims;
    for (int n = i % 7; n > 0; --n) claims.push_back(random.Claim(3));
    // The trailing fields at their defaults too: the last page, revision 0.
    const std::string token = i % 2 == 0 ? "" : random.Text();
    const int64_t revision = i % 3 == 0 ? 0 : random.Revision();
    const std::string store_id = i % 5 == 0 ? "" : "store-8f3a";
    claims::v1::ListClaimsResponse proto;
    for (const core::Claim& claim : claims) ToProto(claim, proto.add_claims());
    proto.set_next_page_token(token);
    proto.set_revision(revision);
    proto.set_store_id(store_id);
    std::vector<size_t> sizes;
    sizes.reserve(claims.size());
    for (const core::Claim& claim : claims)
      sizes.push_back(ClaimWireSize(claim));
    ASSERT_EQ(EncodeClaimsPage(claims, sizes, token, revision, store_id),
              Serialized(proto))
        << "page " << i;
  }
}

TEST(ClaimWire, AClaimAtTheEvidenceLimitRoundTrips) {
  // 256 items, each with long strings: lengths of several varint bytes at
  // every level, and a message a client parses back to the same claim.
  core::Claim claim;
  claim.id = "minister-call";
  claim.statement = "Officials said the minister refused a call";
  claim.status = core::VerificationStatus::kDenied;
  claim.labels = {{"desk", "politics"}, {"lang", "en"}, {"region", ""}};
  for (int i = 0; i < 256; ++i) {
    claim.evidence.push_back(
        core::Evidence{.source = absl::StrCat("outlet-", i),
                       .url = absl::StrCat("https://news.example/", i),
                       .quote = std::string(2000, 'q'),
                       .actor = "desk@example.org",
                       .time = absl::FromUnixSeconds(1700000000 + i),
                       .status = core::VerificationStatus::kConfirmed,
                       .revision = 1000 + i});
  }
  claim.revision = 1256;
  claim.create_revision = 1000;
  claim.create_time = absl::FromUnixSeconds(1700000000);
  claim.update_time = absl::FromUnixSeconds(1700000256);
  const std::string bytes = Encoded(claim);
  EXPECT_EQ(bytes, Expected(claim));
  claims::v1::Claim parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_EQ(parsed.evidence_size(), 256);
  EXPECT_EQ(parsed.labels().at("region"), "");
  EXPECT_EQ(parsed.evidence(255).quote(), std::string(2000, 'q'));
  EXPECT_EQ(parsed.name(), "claims/minister-call");
}

}  // namespace
}  // namespace claimd::api
