// OpenClaimStore: picks and opens a storage backend from options, so that
// claimd's main (and tools) never include a backend's internals.
//
//   ClaimStoreOptions options;
//   options.backend = StoreBackend::kEtcd;
//   options.etcd.endpoints = {"127.0.0.1:2379"};
//   ASSIGN_OR_RETURN(std::unique_ptr<core::ClaimStore> store,
//                    OpenClaimStore(options));
//
// Thread-safety: OpenClaimStore may be called from any thread.
#ifndef CLAIMD_SERVICE_STORE_FACTORY_OPEN_CLAIM_STORE_H_
#define CLAIMD_SERVICE_STORE_FACTORY_OPEN_CLAIM_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "service/core/claim_store.h"
#include "service/core/metrics.h"
#include "service/etcd_store/etcd_metrics.h"
#include "service/store/sqlite_metrics.h"

namespace claimd::store_factory {

enum class StoreBackend { kSqlite, kEtcd };

// "sqlite" or "etcd". Errors: INVALID_ARGUMENT.
absl::StatusOr<StoreBackend> ParseStoreBackend(absl::string_view name);

struct SqliteBackendOptions {
  std::string database_path;  // the caller locks its directory
  bool durable = true;
  int writer_cache_mib = 64;
  int max_batch = 512;
};

struct EtcdBackendOptions {
  std::vector<std::string> endpoints;  // HOST:PORT each
  // Paths of PEM files; all empty: plaintext. cert and key go together.
  std::string cacert_file;
  std::string cert_file;
  std::string key_file;
  std::string prefix = "/claimd/";
  absl::Duration request_timeout = absl::Seconds(5);
  absl::Duration compaction_interval = absl::Minutes(5);
};

struct ClaimStoreOptions {
  StoreBackend backend = StoreBackend::kSqlite;
  SqliteBackendOptions sqlite;
  EtcdBackendOptions etcd;
  core::CommitObserver* observer = nullptr;  // not owned
  core::Metrics* metrics = nullptr;          // not owned
  // The backend's own series (not owned; null: not recorded): only the
  // chosen backend's is used.
  store::SqliteMetrics* sqlite_metrics = nullptr;
  etcd_store::EtcdMetrics* etcd_metrics = nullptr;
};

// Errors: those of the backend's Open; INVALID_ARGUMENT for unreadable TLS
// files or a certificate without its key.
absl::StatusOr<std::unique_ptr<core::ClaimStore>> OpenClaimStore(
    const ClaimStoreOptions& options);

}  // namespace claimd::store_factory

#endif  // CLAIMD_SERVICE_STORE_FACTORY_OPEN_CLAIM_STORE_H_
