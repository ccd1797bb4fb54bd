// What `claimd --version` prints and claimd_build_info reports: claimd's
// version, the git commit it was built from (read when CMake configured the
// build; "unknown" outside a git checkout, e.g. a Docker build context without
// .git), and the gRPC and SQLite library versions it runs with.
// Thread-safety: pure functions.
#ifndef CLAIMD_SERVICE_BUILD_INFO_H_
#define CLAIMD_SERVICE_BUILD_INFO_H_

#include <string>

#include "service/metrics/prometheus_metrics.h"

namespace claimd {

metrics::BuildInfo CurrentBuildInfo();

// Several lines, ending with '\n':
//   claimd 0.1.0
//   commit: 1a2b3c4
//   gRPC: 1.51.1
//   SQLite: 3.40.1
std::string VersionText();

}  // namespace claimd

#endif  // CLAIMD_SERVICE_BUILD_INFO_H_
