// One 3-member etcd cluster per test binary (started before the first test,
// stopped after the last), and the options of an etcd store on it with a
// prefix of its own, so that tests never see each other's keys.
//
// Thread-safety: Cluster() and StoreOptions() from the test's main thread.
#ifndef CLAIMD_TESTS_ETCD_ETCD_TEST_ENVIRONMENT_H_
#define CLAIMD_TESTS_ETCD_ETCD_TEST_ENVIRONMENT_H_

#include <string>

#include "service/etcd_store/etcd_claim_store.h"
#include "tests/etcd/etcd_cluster.h"

namespace claimd::testing {

// The shared cluster (the test fails at start when it did not come up).
EtcdCluster& SharedEtcdCluster();

// Options for a store under `prefix` (made unique by the caller, e.g. from a
// temporary directory's path) on the shared cluster.
etcd_store::EtcdStoreOptions EtcdOptions(const std::string& prefix);

}  // namespace claimd::testing

#endif  // CLAIMD_TESTS_ETCD_ETCD_TEST_ENVIRONMENT_H_
