// gMock of ClaimStub, for tests of ClaimClient and of whole claimctl command
// lines; plus EqualsProto, a matcher comparing protobuf messages field by
// field.
//
//   auto stub = std::make_shared<MockClaimStub>();
//   EXPECT_CALL(*stub, GetClaim(_, EqualsProto(request), _))
//       .WillOnce(Return(grpc::Status(grpc::StatusCode::NOT_FOUND, "no")));
//
// Test-only: include it from tests, never from claimctl_lib.
#ifndef CLAIMD_TESTS_TESTING_CLIENT_MOCK_CLAIM_STUB_H_
#define CLAIMD_TESTS_TESTING_CLIENT_MOCK_CLAIM_STUB_H_

#include <memory>
#include <string>

#include "claimd/client/claim_stub.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"

namespace claimd::client {

class MockClaimStub : public ClaimStub {
 public:
  MOCK_METHOD(grpc::Status, CreateClaim,
              (grpc::ClientContext*, const claims::v1::CreateClaimRequest&,
               claims::v1::Claim*),
              (override));
  MOCK_METHOD(grpc::Status, GetClaim,
              (grpc::ClientContext*, const claims::v1::GetClaimRequest&,
               claims::v1::Claim*),
              (override));
  MOCK_METHOD(grpc::Status, ListClaims,
              (grpc::ClientContext*, const claims::v1::ListClaimsRequest&,
               claims::v1::ListClaimsResponse*),
              (override));
  MOCK_METHOD(grpc::Status, UpdateClaimStatus,
              (grpc::ClientContext*,
               const claims::v1::UpdateClaimStatusRequest&, claims::v1::Claim*),
              (override));
  MOCK_METHOD(grpc::Status, DeleteClaim,
              (grpc::ClientContext*, const claims::v1::DeleteClaimRequest&,
               google::protobuf::Empty*),
              (override));
  MOCK_METHOD(grpc::Status, ListClaimEvents,
              (grpc::ClientContext*, const claims::v1::ListClaimEventsRequest&,
               claims::v1::ListClaimEventsResponse*),
              (override));
  MOCK_METHOD(std::unique_ptr<
                  grpc::ClientReaderInterface<claims::v1::WatchClaimsResponse>>,
              WatchClaims,
              (grpc::ClientContext*, const claims::v1::WatchClaimsRequest&),
              (override));
};

MATCHER_P(EqualsProto, expected,
          std::string("equals ") + expected.ShortDebugString()) {
  std::string difference;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&difference);
  if (differencer.Compare(expected, arg)) return true;
  *result_listener << "differs: " << difference;
  return false;
}

}  // namespace claimd::client

#endif  // CLAIMD_TESTS_TESTING_CLIENT_MOCK_CLAIM_STUB_H_
