#include "service/build_info.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "service/store/sqlite_version.h"

#ifndef CLAIMD_VERSION
#error "CLAIMD_VERSION must be defined by the build"
#endif
#ifndef CLAIMD_GIT_COMMIT
#error "CLAIMD_GIT_COMMIT must be defined by the build"
#endif

namespace claimd {

metrics::BuildInfo CurrentBuildInfo() {
  return metrics::BuildInfo{.version = CLAIMD_VERSION,
                            .commit = CLAIMD_GIT_COMMIT,
                            .grpc_version = grpc::Version(),
                            .sqlite_version = store::SqliteLibraryVersion()};
}

std::string VersionText() {
  const metrics::BuildInfo build = CurrentBuildInfo();
  return absl::StrCat("claimd ", build.version, "\ncommit: ", build.commit,
                      "\ngRPC: ", build.grpc_version,
                      "\nSQLite: ", build.sqlite_version, "\n");
}

}  // namespace claimd
