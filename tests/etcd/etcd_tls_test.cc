// The etcd backend over client TLS: one etcd member that serves https only and
// requires a client certificate (--client-cert-auth), with certificates made
// at test time. A store opened the way claimd's --etcd_cacert/--etcd_cert/
// --etcd_key flags open it writes, reads and watches; a wrong CA, a missing
// client certificate or an untrusted one fails Open with an error that names
// TLS, within the request timeout, instead of hanging; the claimd binary with
// those flags serves claimctl, and exits saying TLS when its CA is wrong.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "service/etcd_store/etcd_claim_store.h"
#include "service/store_factory/open_claim_store.h"
#include "tests/e2e/claimd_harness.h"
#include "tests/etcd/etcd_cluster.h"
#include "tests/store/claim_store_conformance.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_pki.h"

namespace claimd::testing {
namespace {

class EtcdTlsTest : public ::testing::Test {
 protected:
  // One member for the suite: starting etcd is the slow part.
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    absl::StatusOr<TestPki> pki = TestPki::Create(dir_->path(), {"claimd"});
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new TestPki(*std::move(pki));
    absl::StatusOr<std::unique_ptr<EtcdCluster>> cluster =
        EtcdCluster::Start(dir_->path(), 1,
                           EtcdTls{.ca = pki_->ca_cert,
                                   .server_cert = pki_->server.cert,
                                   .server_key = pki_->server.key,
                                   .client_cert = pki_->Client("claimd").cert,
                                   .client_key = pki_->Client("claimd").key});
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = cluster->release();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    delete pki_;
    delete dir_;
    cluster_ = nullptr;
    pki_ = nullptr;
    dir_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(cluster_, nullptr) << "etcd with TLS did not start";
  }

  // Options as claimd's flags give them: file paths.
  store_factory::ClaimStoreOptions FileOptions(const std::string& prefix) {
    store_factory::ClaimStoreOptions options;
    options.backend = store_factory::StoreBackend::kEtcd;
    options.etcd.endpoints = cluster_->endpoints();
    options.etcd.cacert_file = pki_->ca_cert;
    options.etcd.cert_file = pki_->Client("claimd").cert;
    options.etcd.key_file = pki_->Client("claimd").key;
    options.etcd.prefix = prefix;
    options.etcd.request_timeout = absl::Seconds(5);
    return options;
  }

  // The same as PEM contents, for EtcdClaimStore::Open directly.
  etcd_store::EtcdStoreOptions PemOptions(const std::string& prefix) {
    etcd_store::EtcdStoreOptions options;
    options.connect.endpoints = cluster_->endpoints();
    options.connect.ca_pem = ReadFileOrEmpty(pki_->ca_cert);
    options.connect.cert_pem = ReadFileOrEmpty(pki_->Client("claimd").cert);
    options.connect.key_pem = ReadFileOrEmpty(pki_->Client("claimd").key);
    options.connect.request_timeout = absl::Seconds(5);
    options.prefix = prefix;
    return options;
  }

  // Opening must fail, naming TLS, with a code that says "retrying the same
  // thing will not help" or "cannot reach etcd".
  static void ExpectTlsFailure(const absl::Status& status) {
    // In the log: the message is what an operator would read.
    std::cerr << "open failed as expected: " << status << "\n";
    EXPECT_TRUE(absl::IsUnavailable(status) ||
                absl::IsFailedPrecondition(status))
        << status;
    EXPECT_TRUE(absl::StrContains(status.message(), "TLS")) << status;
  }

  static TempDir* dir_;
  static TestPki* pki_;
  static EtcdCluster* cluster_;
  TempDir prefix_dir_;
};

TempDir* EtcdTlsTest::dir_ = nullptr;
TestPki* EtcdTlsTest::pki_ = nullptr;
EtcdCluster* EtcdTlsTest::cluster_ = nullptr;

TEST_F(EtcdTlsTest, WritesReadsAndWatchesWithAClientCertificate) {
  const std::string prefix = absl::StrCat(prefix_dir_.path(), "/");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<core::ClaimStore> writer,
                       store_factory::OpenClaimStore(FileOptions(prefix)));
  RecordingObserver observer;
  etcd_store::EtcdStoreOptions watching = PemOptions(prefix);
  watching.observer = &observer;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<etcd_store::EtcdClaimStore> reader,
                       etcd_store::EtcdClaimStore::Open(std::move(watching)));

  ASSERT_OK_AND_ASSIGN(core::MutationResult created,
                       writer->Apply(CreateMutation("over-tls")));
  ASSERT_OK_AND_ASSIGN(core::Claim read, reader->Get("over-tls"));
  EXPECT_EQ(read, created.event->claim);
  ASSERT_OK_AND_ASSIGN(core::Claim read_back, writer->Get("over-tls"));
  EXPECT_EQ(read_back, created.event->claim);

  // The reader's etcd watch (over TLS) delivered the write to its observer;
  // its Get above already waited for the watch to apply the revision.
  std::vector<core::ClaimEventPtr> events = observer.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(*events[0], *created.event);
}

TEST_F(EtcdTlsTest, AWrongCaFailsNamingTls) {
  etcd_store::EtcdStoreOptions options =
      PemOptions(absl::StrCat(prefix_dir_.path(), "/"));
  // Trusts a CA that did not sign etcd's server certificate.
  options.connect.ca_pem =
      ReadFileOrEmpty(absl::StrCat(dir_->path(), "/rogue-ca.pem"));
  ASSERT_FALSE(options.connect.ca_pem.empty());
  absl::StatusOr<std::unique_ptr<etcd_store::EtcdClaimStore>> store =
      etcd_store::EtcdClaimStore::Open(std::move(options));
  ExpectTlsFailure(store.status());
}

TEST_F(EtcdTlsTest, NoClientCertificateFailsNamingTls) {
  etcd_store::EtcdStoreOptions options =
      PemOptions(absl::StrCat(prefix_dir_.path(), "/"));
  options.connect.cert_pem.clear();
  options.connect.key_pem.clear();
  absl::StatusOr<std::unique_ptr<etcd_store::EtcdClaimStore>> store =
      etcd_store::EtcdClaimStore::Open(std::move(options));
  ExpectTlsFailure(store.status());
}

TEST_F(EtcdTlsTest, AnUntrustedClientCertificateFailsNamingTls) {
  etcd_store::EtcdStoreOptions options =
      PemOptions(absl::StrCat(prefix_dir_.path(), "/"));
  options.connect.cert_pem = ReadFileOrEmpty(pki_->rogue_client.cert);
  options.connect.key_pem = ReadFileOrEmpty(pki_->rogue_client.key);
  absl::StatusOr<std::unique_ptr<etcd_store::EtcdClaimStore>> store =
      etcd_store::EtcdClaimStore::Open(std::move(options));
  ExpectTlsFailure(store.status());
}

TEST_F(EtcdTlsTest, PlaintextAgainstTlsEtcdFailsNamingTls) {
  etcd_store::EtcdStoreOptions options =
      PemOptions(absl::StrCat(prefix_dir_.path(), "/"));
  options.connect.ca_pem.clear();
  options.connect.cert_pem.clear();
  options.connect.key_pem.clear();
  absl::StatusOr<std::unique_ptr<etcd_store::EtcdClaimStore>> store =
      etcd_store::EtcdClaimStore::Open(std::move(options));
  ExpectTlsFailure(store.status());
}

// As an operator runs it: the claimd binary with --etcd_cacert, --etcd_cert and
// --etcd_key serves claimctl over an etcd that requires client certificates;
// with a CA that did not sign etcd's certificate it exits at once, saying TLS.
TEST_F(EtcdTlsTest, TheClaimdBinaryServesThroughItsEtcdTlsFlags) {
  std::vector<std::string> flags = {
      "--store=etcd",
      absl::StrCat("--etcd_endpoints=", cluster_->EndpointList()),
      absl::StrCat("--etcd_prefix=", prefix_dir_.path(), "/"),
      absl::StrCat("--etcd_cacert=", pki_->ca_cert),
      absl::StrCat("--etcd_cert=", pki_->Client("claimd").cert),
      absl::StrCat("--etcd_key=", pki_->Client("claimd").key)};
  e2e::ClaimdHarness claimd(prefix_dir_.File("unused-data"), prefix_dir_.path(),
                            flags);
  ASSERT_OK(claimd.Start());
  e2e::CommandResult created = e2e::RunCommand(
      e2e::ClaimctlBinary(),
      {"--server", claimd.address(), "create", "Sent over etcd TLS", "--id",
       "tls-claim", "--source", "wire"},
      prefix_dir_.path());
  ASSERT_TRUE(created.exit.Success()) << created.Describe();
  e2e::CommandResult got = e2e::RunCommand(
      e2e::ClaimctlBinary(), {"--server", claimd.address(), "get", "tls-claim"},
      prefix_dir_.path());
  ASSERT_TRUE(got.exit.Success()) << got.Describe();
  EXPECT_TRUE(absl::StrContains(got.out, "Sent over etcd TLS")) << got.out;

  flags[3] = absl::StrCat("--etcd_cacert=", dir_->path(), "/rogue-ca.pem");
  e2e::CommandResult refused = e2e::RunCommand(
      e2e::ClaimdBinary(),
      [&] {
        std::vector<std::string> args = flags;
        args.push_back("--listen=127.0.0.1:0");
        args.push_back("--metrics_listen=");
        return args;
      }(),
      prefix_dir_.path(), absl::Seconds(30));
  EXPECT_FALSE(refused.timed_out) << refused.Describe();
  EXPECT_FALSE(refused.exit.Success()) << refused.Describe();
  EXPECT_TRUE(absl::StrContains(refused.err, "TLS")) << refused.Describe();
}

}  // namespace
}  // namespace claimd::testing
