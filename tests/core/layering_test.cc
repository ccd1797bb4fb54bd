// Enforces the dependency direction between the source folders (STYLE.md, "Our
// layout"), by scanning #include lines in the source tree:
//
// - service/core/ is standard library + Abseil: no grpcpp/, no generated .pb.h,
//   no sqlite3.h;
// - service/util/ (general utilities) and service/auth/ (authentication
//   without gRPC) follow the same rule;
// - only service/store/ includes sqlite3.h;
// - client/ includes nothing from service/;
// - only service/metrics/ includes prometheus-cpp;
// - service/core/ includes no other service folder but service/util/, which
//   includes none; storage backends (service/store/, service/*_store/) include
//   neither service/api/ nor service/metrics/.
//
// The scanner is tested on small trees built in a temporary directory, so a
// scanner that finds nothing cannot make the real check pass by accident.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

#ifndef CLAIMD_SOURCE_DIR
#error "CLAIMD_SOURCE_DIR must name the top of the source tree"
#endif

namespace claimd {
namespace {

namespace fs = std::filesystem;

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

// The folders whose sources are checked, relative to the source root.
constexpr absl::string_view kScannedDirs[] = {"service", "client", "tests"};

// The paths named by `#include "..."` and `#include <...>` directives in
// `text`, in order. A directive is a line whose first non-blank character is
// '#'; commented-out includes ("// #include ...") are not directives.
std::vector<std::string> ParseIncludes(absl::string_view text) {
  std::vector<std::string> includes;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripLeadingAsciiWhitespace(line);
    if (!absl::ConsumePrefix(&line, "#")) continue;
    line = absl::StripLeadingAsciiWhitespace(line);
    if (!absl::ConsumePrefix(&line, "include")) continue;
    line = absl::StripLeadingAsciiWhitespace(line);
    if (line.empty()) continue;
    const char close = line.front() == '<' ? '>' : '"';
    if (line.front() != '<' && line.front() != '"') continue;
    line.remove_prefix(1);
    const size_t end = line.find(close);
    if (end == absl::string_view::npos) continue;
    includes.emplace_back(line.substr(0, end));
  }
  return includes;
}

// Storage backends: service/store/ (SQLite) and every service/*_store/ folder
// (service/etcd_store/).
bool IsStoreBackend(absl::string_view path) {
  if (absl::StartsWith(path, "service/store/")) return true;
  if (!absl::ConsumePrefix(&path, "service/")) return false;
  const size_t slash = path.find('/');
  return slash != absl::string_view::npos &&
         absl::EndsWith(path.substr(0, slash), "_store");
}

// Why `include`, found in the file at `path` (relative to the root, with '/'),
// breaks the layering; empty when it does not.
std::string RuleBroken(absl::string_view path, absl::string_view include) {
  const bool is_sqlite =
      include == "sqlite3.h" || absl::EndsWith(include, "/sqlite3.h");
  for (absl::string_view plain :
       {"service/core/", "service/util/", "service/auth/"}) {
    if (!absl::StartsWith(path, plain)) continue;
    if (absl::StartsWith(include, "grpcpp/") ||
        absl::StartsWith(include, "grpc++/") ||
        absl::StartsWith(include, "grpc/")) {
      return absl::StrCat(plain, " must not include gRPC");
    }
    if (absl::EndsWith(include, ".pb.h")) {
      return absl::StrCat(plain, " must not include generated protobuf code");
    }
  }
  // Dependencies between our own folders point one way: the domain core knows
  // no backend, server or metrics; a storage backend knows no server.
  if (absl::StartsWith(path, "service/core/") &&
      absl::StartsWith(include, "service/") &&
      !absl::StartsWith(include, "service/core/") &&
      !absl::StartsWith(include, "service/util/")) {
    return "service/core may include only service/core and service/util";
  }
  if (absl::StartsWith(path, "service/util/") &&
      absl::StartsWith(include, "service/") &&
      !absl::StartsWith(include, "service/util/")) {
    return "service/util must not include the rest of the service";
  }
  if (IsStoreBackend(path) && (absl::StartsWith(include, "service/api/") ||
                               absl::StartsWith(include, "service/metrics/"))) {
    return "a storage backend must not include service/api or service/metrics";
  }
  if (is_sqlite && !absl::StartsWith(path, "service/store/")) {
    return "only service/store may include sqlite3.h";
  }
  if (absl::StartsWith(path, "client/") &&
      absl::StartsWith(include, "service/")) {
    return "client must not include service code";
  }
  if (absl::StartsWith(include, "prometheus/") &&
      !absl::StartsWith(path, "service/metrics/")) {
    return "only service/metrics may include prometheus-cpp";
  }
  return "";
}

bool IsSource(const fs::path& path) {
  const std::string ext = path.extension().string();
  return ext == ".h" || ext == ".cc" || ext == ".cpp" || ext == ".hpp" ||
         ext == ".inc";
}

struct ScanResult {
  int files = 0;
  std::vector<std::string> violations;  // "path: #include <x>: why"
};

// Checks every source file under kScannedDirs of `root`.
ScanResult ScanTree(const fs::path& root) {
  ScanResult result;
  for (absl::string_view dir : kScannedDirs) {
    const fs::path top = root / std::string(dir);
    std::error_code error;
    if (!fs::is_directory(top, error)) continue;
    for (auto it = fs::recursive_directory_iterator(top, error);
         !error && it != fs::recursive_directory_iterator();
         it.increment(error)) {
      if (!it->is_regular_file() || !IsSource(it->path())) continue;
      std::ifstream in(it->path(), std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      ++result.files;
      const std::string path =
          it->path().lexically_relative(root).generic_string();
      for (const std::string& include : ParseIncludes(text.str())) {
        std::string why = RuleBroken(path, include);
        if (!why.empty()) {
          result.violations.push_back(
              absl::StrCat(path, ": #include ", include, ": ", why));
        }
      }
    }
  }
  return result;
}

// --- The scanner ---

TEST(ParseIncludes, FindsQuotedAndAngleIncludes) {
  EXPECT_THAT(
      ParseIncludes("#include \"service/core/claim.h\"\n"
                    "#include <sqlite3.h>\n"
                    "  #  include   <grpcpp/grpcpp.h>  // why\n"
                    "int x;\n"),
      ElementsAre("service/core/claim.h", "sqlite3.h", "grpcpp/grpcpp.h"));
}

TEST(ParseIncludes, IgnoresCommentsAndOtherDirectives) {
  EXPECT_THAT(ParseIncludes("// #include <sqlite3.h>\n"
                            "#define X \"#include <sqlite3.h>\"\n"
                            "#pragma once\n"
                            "#include_next\n"
                            "const char* s = \"#include <grpcpp/x.h>\";\n"),
              IsEmpty());
}

TEST(ParseIncludes, HandlesWindowsLineEndings) {
  EXPECT_THAT(ParseIncludes("#include <sqlite3.h>\r\n#include \"a.h\"\r\n"),
              ElementsAre("sqlite3.h", "a.h"));
}

// A tree of source files in a temporary directory.
class LayeringScan : public ::testing::Test {
 protected:
  void Write(const std::string& path, const std::string& text) {
    fs::path file = fs::path(dir_.path()) / path;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
  }
  ScanResult Scan() { return ScanTree(dir_.path()); }

 private:
  testing::TempDir dir_;
};

TEST_F(LayeringScan, CleanTreePasses) {
  Write("service/core/claim.h", "#include \"absl/status/status.h\"\n");
  Write("service/store/sqlite_store.cc", "#include <sqlite3.h>\n");
  Write("service/api/server.cc",
        "#include \"grpcpp/grpcpp.h\"\n#include \"claims/v1/claims.pb.h\"\n"
        "#include \"service/core/claim.h\"\n");
  Write("client/main.cc", "#include \"client/render.h\"\n");
  ScanResult result = Scan();
  EXPECT_EQ(result.files, 4);
  EXPECT_THAT(result.violations, IsEmpty());
}

TEST_F(LayeringScan, FlagsCoreIncludingGrpcpp) {
  Write("service/core/watch_hub.cc", "#include <grpcpp/grpcpp.h>\n");
  EXPECT_THAT(Scan().violations,
              ElementsAre(AllOf(HasSubstr("service/core/watch_hub.cc"),
                                HasSubstr("grpcpp/grpcpp.h"))));
}

TEST_F(LayeringScan, FlagsAuthIncludingGrpc) {
  Write("service/auth/authenticator.cc",
        "#include \"grpcpp/security/auth_context.h\"\n");
  EXPECT_THAT(Scan().violations,
              ElementsAre(AllOf(HasSubstr("service/auth/authenticator.cc"),
                                HasSubstr("must not include gRPC"))));
}

TEST_F(LayeringScan, FlagsCoreIncludingGeneratedProto) {
  Write("service/core/filter/filter.h", "#include \"claims/v1/claims.pb.h\"\n");
  Write("service/core/x/deep.cc", "#include \"claims/v1/claims.grpc.pb.h\"\n");
  EXPECT_THAT(Scan().violations, SizeIs(2));
}

TEST_F(LayeringScan, FlagsCoreIncludingSqlite) {
  Write("service/core/claim_store.h", "#include <sqlite3.h>\n");
  EXPECT_THAT(Scan().violations,
              ElementsAre(HasSubstr("only service/store may include")));
}

TEST_F(LayeringScan, FlagsSqliteAnywhereOutsideTheStore) {
  Write("service/api/server.cc", "#include \"sqlite3.h\"\n");
  Write("service/main.cc", "#include <sqlite3.h>\n");
  Write("client/main.cc", "#include <sqlite3.h>\n");
  Write("tests/api/server_test.cc", "#include <sqlite3.h>\n");
  Write("service/store/sqlite_store.cc", "#include <sqlite3.h>\n");
  EXPECT_THAT(Scan().violations, SizeIs(4));
}

TEST_F(LayeringScan, FlagsClientIncludingService) {
  Write("client/claimctl.cc",
        "#include \"client/stub.h\"\n#include \"service/core/claim.h\"\n");
  EXPECT_THAT(Scan().violations,
              ElementsAre(AllOf(HasSubstr("client/claimctl.cc"),
                                HasSubstr("service/core/claim.h"))));
}

TEST_F(LayeringScan, FlagsPrometheusOutsideTheMetricsFolder) {
  Write("service/api/server.cc", "#include \"prometheus/counter.h\"\n");
  Write("service/metrics/prometheus_metrics.h",
        "#include \"prometheus/counter.h\"\n");
  EXPECT_THAT(Scan().violations,
              ElementsAre(HasSubstr("only service/metrics may include")));
}

TEST_F(LayeringScan, FlagsCoreIncludingBackendsServerAuthOrMetrics) {
  Write("service/core/a.cc", "#include \"service/store/sqlite_db.h\"\n");
  Write("service/core/b.cc", "#include \"service/api/server.h\"\n");
  Write("service/core/c.cc", "#include \"service/auth/role.h\"\n");
  Write("service/core/d.h",
        "#include \"service/metrics/prometheus_metrics.h\"\n");
  Write("service/core/e.h",
        "#include \"service/etcd_store/etcd_claim_store.h\"\n");
  // Its own folder and the general utilities are fine.
  Write("service/core/f.h",
        "#include \"service/core/claim.h\"\n#include \"service/util/x.h\"\n");
  EXPECT_THAT(Scan().violations,
              UnorderedElementsAre(HasSubstr("service/core/a.cc"),
                                   HasSubstr("service/core/b.cc"),
                                   HasSubstr("service/core/c.cc"),
                                   HasSubstr("service/core/d.h"),
                                   HasSubstr("service/core/e.h")));
}

TEST_F(LayeringScan, FlagsUtilIncludingTheDomain) {
  Write("service/util/log.cc", "#include \"service/core/claim.h\"\n");
  EXPECT_THAT(Scan().violations,
              ElementsAre(HasSubstr("service/util must not include")));
}

TEST_F(LayeringScan, FlagsBackendsIncludingTheServer) {
  Write("service/store/sqlite_writer.cc",
        "#include \"service/api/status_mapping.h\"\n");
  Write("service/etcd_store/etcd_watch.cc",
        "#include \"service/metrics/prometheus_metrics.h\"\n");
  // A backend may use the core, and the server may use a backend.
  Write("service/store/sqlite_reads.cc", "#include \"service/core/claim.h\"\n");
  Write("service/api/server.cc", "#include \"service/store/data_dir.h\"\n");
  EXPECT_THAT(
      Scan().violations,
      UnorderedElementsAre(HasSubstr("service/etcd_store/etcd_watch.cc"),
                           HasSubstr("service/store/sqlite_writer.cc")));
}

TEST_F(LayeringScan, OnlyLooksAtSourceFiles) {
  Write("service/core/notes.md", "#include <sqlite3.h>\n");
  Write("service/core/CMakeLists.txt", "#include <sqlite3.h>\n");
  ScanResult result = Scan();
  EXPECT_EQ(result.files, 0);
  EXPECT_THAT(result.violations, IsEmpty());
}

// --- The real tree ---

TEST(Layering, SourceTreeFollowsTheRules) {
  const fs::path root = CLAIMD_SOURCE_DIR;
  ASSERT_TRUE(fs::is_directory(root / "service" / "core"))
      << root << " is not the claimd source tree";
  ScanResult result = ScanTree(root);
  // service/core alone has more than a dozen files: an empty scan is a broken
  // scanner, not a clean tree.
  EXPECT_GT(result.files, 20);
  EXPECT_THAT(result.violations, IsEmpty())
      << absl::StrJoin(result.violations, "\n");
}

}  // namespace
}  // namespace claimd
