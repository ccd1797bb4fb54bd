// OpenClaimStore (see open_claim_store.h).
#include "service/store_factory/open_claim_store.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "service/etcd_store/etcd_claim_store.h"
#include "service/store/sqlite_claim_store.h"
#include "service/util/status_macros.h"

namespace claimd::store_factory {
namespace {

// The contents of a PEM file; empty path: empty. Errors: INVALID_ARGUMENT.
absl::StatusOr<std::string> ReadPem(const std::string& path,
                                    absl::string_view flag) {
  if (path.empty()) return std::string();
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  if (!in || contents.str().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, "=", path, ": cannot read it, or it is empty"));
  }
  return contents.str();
}

}  // namespace

absl::StatusOr<StoreBackend> ParseStoreBackend(absl::string_view name) {
  if (name == "sqlite") return StoreBackend::kSqlite;
  if (name == "etcd") return StoreBackend::kEtcd;
  return absl::InvalidArgumentError(
      absl::StrCat("--store must be sqlite or etcd, not \"", name, "\""));
}

absl::StatusOr<std::unique_ptr<core::ClaimStore>> OpenClaimStore(
    const ClaimStoreOptions& options) {
  if (options.backend == StoreBackend::kSqlite) {
    ASSIGN_OR_RETURN(
        std::unique_ptr<store::SqliteClaimStore> sqlite,
        store::SqliteClaimStore::Open(
            options.sqlite.database_path,
            store::SqliteStoreOptions{
                .observer = options.observer,
                .metrics = options.metrics,
                .sqlite_metrics = options.sqlite_metrics,
                .max_batch = options.sqlite.max_batch,
                .durable = options.sqlite.durable,
                .writer_cache_mib = options.sqlite.writer_cache_mib}));
    return std::unique_ptr<core::ClaimStore>(std::move(sqlite));
  }
  const EtcdBackendOptions& etcd = options.etcd;
  if (etcd.cert_file.empty() != etcd.key_file.empty()) {
    return absl::InvalidArgumentError(
        "--etcd_cert and --etcd_key go together: give both or neither");
  }
  etcd_store::EtcdStoreOptions store_options;
  store_options.connect.endpoints = etcd.endpoints;
  ASSIGN_OR_RETURN(store_options.connect.ca_pem,
                   ReadPem(etcd.cacert_file, "etcd_cacert"));
  ASSIGN_OR_RETURN(store_options.connect.cert_pem,
                   ReadPem(etcd.cert_file, "etcd_cert"));
  ASSIGN_OR_RETURN(store_options.connect.key_pem,
                   ReadPem(etcd.key_file, "etcd_key"));
  store_options.connect.request_timeout = etcd.request_timeout;
  store_options.prefix = etcd.prefix;
  store_options.observer = options.observer;
  store_options.metrics = options.metrics;
  store_options.etcd_metrics = options.etcd_metrics;
  store_options.etcd_compaction_interval = etcd.compaction_interval;
  ASSIGN_OR_RETURN(std::unique_ptr<etcd_store::EtcdClaimStore> store,
                   etcd_store::EtcdClaimStore::Open(std::move(store_options)));
  return std::unique_ptr<core::ClaimStore>(std::move(store));
}

}  // namespace claimd::store_factory
