// Unit tests for ValidateMutation (service/core/mutation.h, validation.cc):
// every limit in limits.h at and one past the bound, UTF-8, the label key
// grammar, required fields, unknown enum numbers and negative revisions. Every
// rejection is INVALID_ARGUMENT naming the field as the API spells it.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/claim.h"
#include "service/core/limits.h"
#include "service/core/mutation.h"
#include "tests/testing/status_matchers.h"

namespace claimd::core {
namespace {

using ::claimd::testing::IsOk;
using ::claimd::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr absl::string_view kBadUtf8 = "ok\xc0\xafok";  // overlong '/'

Evidence ValidEvidence() {
  return Evidence{.source = "ministry",
                  .url = "https://example.org",
                  .quote = "no",
                  .note = "n",
                  .actor = "desk"};
}

Mutation ValidCreate() {
  return Mutation{
      .op = CreateClaim{.claim = Claim{.id = "abc",
                                       .statement = "The minister resigned",
                                       .labels = {{"desk", "world"}},
                                       .evidence = {ValidEvidence()}}},
      .request_id = "req-1"};
}

Mutation ValidUpdate() {
  return Mutation{
      .op = UpdateClaimStatus{.claim_id = "abc",
                              .status = VerificationStatus::kConfirmed,
                              .evidence = ValidEvidence(),
                              .expected_revision = 3},
      .request_id = "req-2"};
}

Mutation ValidDelete() {
  return Mutation{.op = DeleteClaim{.claim_id = "abc", .expected_revision = 3}};
}

Claim& ClaimOf(Mutation& m) { return std::get<CreateClaim>(m.op).claim; }
UpdateClaimStatus& UpdateOf(Mutation& m) {
  return std::get<UpdateClaimStatus>(m.op);
}
DeleteClaim& DeleteOf(Mutation& m) { return std::get<DeleteClaim>(m.op); }

TEST(ValidateMutation, AcceptsValidMutations) {
  EXPECT_THAT(ValidateMutation(ValidCreate()), IsOk());
  EXPECT_THAT(ValidateMutation(ValidUpdate()), IsOk());
  EXPECT_THAT(ValidateMutation(ValidDelete()), IsOk());
}

TEST(ValidateMutation, AcceptsMinimalCreate) {
  Mutation m{.op = CreateClaim{.claim = Claim{.id = "a", .statement = "s"}}};
  EXPECT_THAT(ValidateMutation(m), IsOk());
}

// --- Text limits ---

// One caller-supplied text field: the mutation that carries it, how to set it,
// its limit and the name errors must use.
struct TextField {
  std::string name;
  size_t limit;
  std::function<Mutation()> base;
  std::function<void(Mutation&, std::string)> set;
};

std::vector<TextField> TextFields() {
  return {
      {"claim.statement", kMaxStatementBytes, ValidCreate,
       [](Mutation& m, std::string s) { ClaimOf(m).statement = std::move(s); }},
      {"claim.labels[\"desk\"]", kMaxLabelValueBytes, ValidCreate,
       [](Mutation& m, std::string s) {
         ClaimOf(m).labels["desk"] = std::move(s);
       }},
      {"claim.evidence[0].source", kMaxSourceBytes, ValidCreate,
       [](Mutation& m, std::string s) {
         ClaimOf(m).evidence.Mutable(0).source = std::move(s);
       }},
      {"claim.evidence[0].url", kMaxUrlBytes, ValidCreate,
       [](Mutation& m, std::string s) {
         ClaimOf(m).evidence.Mutable(0).url = std::move(s);
       }},
      {"claim.evidence[0].quote", kMaxQuoteBytes, ValidCreate,
       [](Mutation& m, std::string s) {
         ClaimOf(m).evidence.Mutable(0).quote = std::move(s);
       }},
      {"claim.evidence[0].note", kMaxNoteBytes, ValidCreate,
       [](Mutation& m, std::string s) {
         ClaimOf(m).evidence.Mutable(0).note = std::move(s);
       }},
      {"claim.evidence[0].actor", kMaxActorBytes, ValidCreate,
       [](Mutation& m, std::string s) {
         ClaimOf(m).evidence.Mutable(0).actor = std::move(s);
       }},
      {"evidence.source", kMaxSourceBytes, ValidUpdate,
       [](Mutation& m, std::string s) {
         UpdateOf(m).evidence.source = std::move(s);
       }},
      {"evidence.url", kMaxUrlBytes, ValidUpdate,
       [](Mutation& m, std::string s) {
         UpdateOf(m).evidence.url = std::move(s);
       }},
      {"evidence.quote", kMaxQuoteBytes, ValidUpdate,
       [](Mutation& m, std::string s) {
         UpdateOf(m).evidence.quote = std::move(s);
       }},
      {"evidence.note", kMaxNoteBytes, ValidUpdate,
       [](Mutation& m, std::string s) {
         UpdateOf(m).evidence.note = std::move(s);
       }},
      {"evidence.actor", kMaxActorBytes, ValidUpdate,
       [](Mutation& m, std::string s) {
         UpdateOf(m).evidence.actor = std::move(s);
       }},
      {"request_id", kMaxRequestIdBytes, ValidCreate,
       [](Mutation& m, std::string s) { m.request_id = std::move(s); }},
      {"request_id", kMaxRequestIdBytes, ValidDelete,
       [](Mutation& m, std::string s) { m.request_id = std::move(s); }},
  };
}

class TextLimits : public ::testing::TestWithParam<TextField> {};

TEST_P(TextLimits, AcceptsExactlyTheLimit) {
  const TextField& field = GetParam();
  Mutation m = field.base();
  field.set(m, std::string(field.limit, 'x'));
  EXPECT_THAT(ValidateMutation(m), IsOk());
}

TEST_P(TextLimits, RejectsOneBytePastTheLimit) {
  const TextField& field = GetParam();
  Mutation m = field.base();
  field.set(m, std::string(field.limit + 1, 'x'));
  EXPECT_THAT(ValidateMutation(m),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith(absl::StrCat(
                           field.name, ": is ", field.limit + 1,
                           " bytes long; the limit is ", field.limit))));
}

TEST_P(TextLimits, CountsBytesNotCharacters) {
  const TextField& field = GetParam();
  // "é" is two bytes: limit/2 of them fit, one more does not.
  std::string fits;
  for (size_t i = 0; i < field.limit / 2; ++i) fits += "\xc3\xa9";
  Mutation ok = field.base();
  field.set(ok, fits);
  EXPECT_THAT(ValidateMutation(ok), IsOk());
  Mutation over = field.base();
  field.set(over, fits + "\xc3\xa9");
  EXPECT_THAT(ValidateMutation(over),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith(absl::StrCat(field.name, ": is "))));
}

TEST_P(TextLimits, RejectsInvalidUtf8) {
  const TextField& field = GetParam();
  Mutation m = field.base();
  field.set(m, std::string(kBadUtf8));
  EXPECT_THAT(ValidateMutation(m),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       absl::StrCat(field.name, ": is not valid UTF-8")));
}

TEST_P(TextLimits, AcceptsMultiByteUtf8) {
  const TextField& field = GetParam();
  Mutation m = field.base();
  field.set(m, "Pr\xc3\xa9sident \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_THAT(ValidateMutation(m), IsOk());
}

INSTANTIATE_TEST_SUITE_P(EveryTextField, TextLimits,
                         ::testing::ValuesIn(TextFields()),
                         [](const ::testing::TestParamInfo<TextField>& info) {
                           std::string name;
                           for (char c : info.param.name) {
                             if (std::isalnum(static_cast<unsigned char>(c)))
                               name += c;
                           }
                           return absl::StrCat(name, "_", info.index);
                         });

// --- Ids and required fields ---

TEST(ValidateMutation, CreateNamesBadIdClaimId) {
  Mutation m = ValidCreate();
  ClaimOf(m).id = "Bad";
  EXPECT_THAT(ValidateMutation(m), StatusIs(absl::StatusCode::kInvalidArgument,
                                            StartsWith("claim_id:")));
}

TEST(ValidateMutation, CreateRequiresAnId) {
  Mutation m = ValidCreate();
  ClaimOf(m).id = "";
  EXPECT_THAT(ValidateMutation(m), StatusIs(absl::StatusCode::kInvalidArgument,
                                            StartsWith("claim_id: is empty")));
}

TEST(ValidateMutation, UpdateNamesBadIdName) {
  Mutation m = ValidUpdate();
  UpdateOf(m).claim_id = "-x";
  EXPECT_THAT(ValidateMutation(m), StatusIs(absl::StatusCode::kInvalidArgument,
                                            StartsWith("name:")));
}

TEST(ValidateMutation, DeleteNamesBadIdName) {
  Mutation m = ValidDelete();
  DeleteOf(m).claim_id = std::string(64, 'a');
  EXPECT_THAT(ValidateMutation(m), StatusIs(absl::StatusCode::kInvalidArgument,
                                            StartsWith("name:")));
}

TEST(ValidateMutation, CreateRequiresAStatement) {
  Mutation m = ValidCreate();
  ClaimOf(m).statement = "";
  EXPECT_THAT(ValidateMutation(m),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("claim.statement: is required")));
}

TEST(ValidateMutation, UpdateRequiresEvidenceSource) {
  Mutation m = ValidUpdate();
  UpdateOf(m).evidence.source = "";
  EXPECT_THAT(ValidateMutation(m),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("evidence.source: is required")));
}

TEST(ValidateMutation, UpdateNeedsOnlyTheEvidenceSource) {
  Mutation m = ValidUpdate();
  UpdateOf(m).evidence = Evidence{.source = "ministry"};
  EXPECT_THAT(ValidateMutation(m), IsOk());
}

// --- Statuses ---

TEST(ValidateMutation, UpdateRequiresAStatus) {
  Mutation m = ValidUpdate();
  UpdateOf(m).status = VerificationStatus::kUnspecified;
  EXPECT_THAT(ValidateMutation(m), StatusIs(absl::StatusCode::kInvalidArgument,
                                            StartsWith("status: is required")));
}

TEST(ValidateMutation, UpdateAcceptsEveryVerdict) {
  for (VerificationStatus status :
       {VerificationStatus::kReported, VerificationStatus::kConfirmed,
        VerificationStatus::kDenied}) {
    Mutation m = ValidUpdate();
    UpdateOf(m).status = status;
    EXPECT_THAT(ValidateMutation(m), IsOk()) << StatusName(status);
  }
}

TEST(ValidateMutation, UpdateRejectsUnknownStatusNumbers) {
  for (int number : {-1, 4, 5, 1000}) {
    Mutation m = ValidUpdate();
    UpdateOf(m).status = static_cast<VerificationStatus>(number);
    EXPECT_THAT(
        ValidateMutation(m),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 StartsWith(absl::StrCat("status: unknown value ", number))));
  }
}

TEST(ValidateMutation, CreateStatusIsOptional) {
  for (VerificationStatus status :
       {VerificationStatus::kUnspecified, VerificationStatus::kReported,
        VerificationStatus::kConfirmed, VerificationStatus::kDenied}) {
    Mutation m = ValidCreate();
    ClaimOf(m).status = status;
    EXPECT_THAT(ValidateMutation(m), IsOk()) << StatusName(status);
  }
}

TEST(ValidateMutation, CreateRejectsUnknownStatusNumbers) {
  for (int number : {-3, 4, 77}) {
    Mutation m = ValidCreate();
    ClaimOf(m).status = static_cast<VerificationStatus>(number);
    EXPECT_THAT(ValidateMutation(m),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         StartsWith("claim.status: unknown value")));
  }
}

// --- Expected revision ---

TEST(ValidateMutation, UpdateRejectsNegativeExpectedRevision) {
  Mutation m = ValidUpdate();
  UpdateOf(m).expected_revision = -1;
  EXPECT_THAT(ValidateMutation(m), StatusIs(absl::StatusCode::kInvalidArgument,
                                            StartsWith("expected_revision:")));
}

TEST(ValidateMutation, DeleteRejectsNegativeExpectedRevision) {
  Mutation m = ValidDelete();
  DeleteOf(m).expected_revision = std::numeric_limits<int64_t>::min();
  EXPECT_THAT(ValidateMutation(m), StatusIs(absl::StatusCode::kInvalidArgument,
                                            StartsWith("expected_revision:")));
}

TEST(ValidateMutation, ZeroExpectedRevisionMeansNoCheck) {
  Mutation update = ValidUpdate();
  UpdateOf(update).expected_revision = 0;
  EXPECT_THAT(ValidateMutation(update), IsOk());
  Mutation del = ValidDelete();
  DeleteOf(del).expected_revision = 0;
  EXPECT_THAT(ValidateMutation(del), IsOk());
}

// --- Counts ---

std::map<std::string, std::string> Labels(size_t n) {
  std::map<std::string, std::string> labels;
  for (size_t i = 0; i < n; ++i) labels[absl::StrCat("k", i)] = "v";
  return labels;
}

TEST(ValidateMutation, AcceptsTheMostLabels) {
  Mutation m = ValidCreate();
  ClaimOf(m).labels = Labels(kMaxLabels);
  EXPECT_THAT(ValidateMutation(m), IsOk());
}

TEST(ValidateMutation, RejectsOneLabelTooMany) {
  Mutation m = ValidCreate();
  ClaimOf(m).labels = Labels(kMaxLabels + 1);
  EXPECT_THAT(ValidateMutation(m),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith(absl::StrCat("claim.labels: has ",
                                               kMaxLabels + 1, " entries"))));
}

TEST(ValidateMutation, AcceptsTheMostInitialEvidence) {
  Mutation m = ValidCreate();
  ClaimOf(m).evidence.assign(kMaxEvidencePerClaim, ValidEvidence());
  EXPECT_THAT(ValidateMutation(m), IsOk());
}

TEST(ValidateMutation, RejectsOnePieceOfInitialEvidenceTooMany) {
  Mutation m = ValidCreate();
  ClaimOf(m).evidence.assign(kMaxEvidencePerClaim + 1, ValidEvidence());
  EXPECT_THAT(ValidateMutation(m),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith(absl::StrCat("claim.evidence: has ",
                                               kMaxEvidencePerClaim + 1))));
}

TEST(ValidateMutation, NamesTheIndexOfBadEvidence) {
  Mutation m = ValidCreate();
  ClaimOf(m).evidence.assign(3, ValidEvidence());
  ClaimOf(m).evidence.Mutable(2).url = std::string(kMaxUrlBytes + 1, 'u');
  EXPECT_THAT(ValidateMutation(m),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("claim.evidence[2].url: ")));
}

// --- Label keys ---

TEST(ValidateMutation, AcceptsLabelKeysInTheGrammar) {
  for (std::string key :
       {std::string("a"), std::string("desk"), std::string("a_b-c9"),
        std::string("z-"), std::string(kMaxLabelKeyBytes, 'k')}) {
    Mutation m = ValidCreate();
    ClaimOf(m).labels = {{key, "v"}};
    EXPECT_THAT(ValidateMutation(m), IsOk()) << key;
  }
}

TEST(ValidateMutation, RejectsLabelKeysOutsideTheGrammar) {
  for (std::string key :
       {std::string(""), std::string("A"), std::string("Desk"),
        std::string("1a"), std::string("_a"), std::string("-a"),
        std::string("a.b"), std::string("a b"), std::string("aB"),
        std::string("a/b"), std::string("\xc3\xa9t\xc3\xa9"),
        std::string(kMaxLabelKeyBytes + 1, 'k')}) {
    Mutation m = ValidCreate();
    ClaimOf(m).labels = {{key, "v"}};
    EXPECT_THAT(ValidateMutation(m),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(StartsWith("claim.labels: key"),
                               HasSubstr("[a-z][a-z0-9_-]{0,62}"))))
        << "\"" << key << "\"";
  }
}

}  // namespace
}  // namespace claimd::core
