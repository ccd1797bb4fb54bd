// The shared etcd cluster of a test binary (see etcd_test_environment.h).
#include "tests/etcd/etcd_test_environment.h"

#include <memory>

#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace claimd::testing {
namespace {

class EtcdEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>();
    absl::StatusOr<std::unique_ptr<EtcdCluster>> cluster =
        EtcdCluster::Start(dir_->path(), 3);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(*cluster);
  }
  void TearDown() override {
    cluster_.reset();
    dir_.reset();
  }
  EtcdCluster* cluster() { return cluster_.get(); }

 private:
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<EtcdCluster> cluster_;
};

EtcdEnvironment* const environment = static_cast<EtcdEnvironment*>(
    ::testing::AddGlobalTestEnvironment(new EtcdEnvironment));

}  // namespace

EtcdCluster& SharedEtcdCluster() {
  EtcdCluster* cluster = environment->cluster();
  if (cluster == nullptr) {
    ADD_FAILURE() << "the etcd cluster did not start";
    std::abort();
  }
  return *cluster;
}

etcd_store::EtcdStoreOptions EtcdOptions(const std::string& prefix) {
  etcd_store::EtcdStoreOptions options;
  options.connect.endpoints = SharedEtcdCluster().endpoints();
  options.connect.request_timeout = absl::Seconds(5);
  options.prefix = prefix;
  options.health_interval = absl::Milliseconds(200);
  return options;
}

}  // namespace claimd::testing
