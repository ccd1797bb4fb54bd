// Keeps deploy/ honest by reading it: every Debian package the Dockerfile (and
// scripts/install-deps.sh, which its build stage runs) names exists in Debian
// 12, every path it copies exists and is in the build context, the flags the
// deploy files pass are claimd's, every shared library the binaries load comes
// from a package the runtime stage installs, the Kubernetes variants render and
// hang together (check_kubernetes.py), the haproxy ConfigMap is a copy of
// deploy/haproxy/haproxy.cfg, and the systemd unit passes `systemd-analyze`.
// What the files start is run by entrypoints_test.py and container_test.sh.
// Checks whose tool is missing are skipped with a message saying which.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/claimd_harness.h"
#include "tests/testing/temp_dir.h"

#ifndef CLAIMD_SOURCE_DIR
#error "CLAIMD_SOURCE_DIR must name the top of the source tree"
#endif

namespace claimd {
namespace {

namespace fs = std::filesystem;
using e2e::ClaimctlBinary;
using e2e::ClaimdBinary;
using e2e::CommandResult;
using e2e::RunCommand;
using ::testing::HasSubstr;

std::string Source(const std::string& relative) {
  return absl::StrCat(CLAIMD_SOURCE_DIR, "/", relative);
}

std::string Read(const std::string& relative) {
  return e2e::ReadFile(Source(relative));
}

// The Dockerfile's instructions with continuation lines joined.
std::vector<std::string> DockerInstructions() {
  std::vector<std::string> instructions;
  std::string current;
  for (absl::string_view line :
       absl::StrSplit(Read("deploy/docker/Dockerfile"), '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (current.empty() && (line.empty() || absl::StartsWith(line, "#")))
      continue;
    if (absl::ConsumeSuffix(&line, "\\")) {
      absl::StrAppend(&current, line, " ");
      continue;
    }
    absl::StrAppend(&current, line);
    instructions.push_back(current);
    current.clear();
  }
  return instructions;
}

std::vector<std::string> Words(absl::string_view text) {
  return absl::StrSplit(text, absl::ByAnyChar(" \t"), absl::SkipEmpty());
}

// Packages named by `apt-get install` in the Dockerfile and by PACKAGES=(...)
// in scripts/install-deps.sh.
std::set<std::string> NamedPackages() {
  std::set<std::string> packages;
  for (const std::string& instruction : DockerInstructions()) {
    size_t at = instruction.find("apt-get install");
    if (at == std::string::npos) continue;
    std::string rest = instruction.substr(at + strlen("apt-get install"));
    rest = rest.substr(0, rest.find("&&"));
    for (const std::string& word : Words(rest)) {
      if (!absl::StartsWith(word, "-")) packages.insert(word);
    }
  }
  // The array runs from "PACKAGES=(" to a line that is only ")"; "#" starts a
  // comment (which may itself hold parentheses).
  const std::string script = Read("scripts/install-deps.sh");
  bool in_list = false;
  for (absl::string_view line : absl::StrSplit(script, '\n')) {
    line = line.substr(0, line.find('#'));
    line = absl::StripAsciiWhitespace(line);
    if (!in_list) {
      in_list = absl::ConsumePrefix(&line, "PACKAGES=(") ||
                absl::ConsumePrefix(&line, "TEST_PACKAGES=(");
      if (!in_list) continue;
    } else if (line == ")") {
      in_list = false;
      continue;
    }
    for (const std::string& word : Words(line)) packages.insert(word);
  }
  return packages;
}

bool AptListsPresent() {
  std::error_code error;
  for (const auto& entry :
       fs::directory_iterator("/var/lib/apt/lists", error)) {
    if (absl::StrContains(entry.path().string(), "_Packages")) return true;
  }
  return false;
}

TEST(Dockerfile, EveryDebianPackageItNamesExists) {
  const std::set<std::string> packages = NamedPackages();
  // Both lists were found: the runtime libraries and the build packages.
  ASSERT_TRUE(packages.contains("libgrpc++1.51")) << packages.size();
  ASSERT_TRUE(packages.contains("prometheus-cpp-dev")) << packages.size();
  ASSERT_TRUE(packages.contains("podman")) << packages.size();
  if (!AptListsPresent() || !fs::exists("/usr/bin/apt-cache")) {
    GTEST_SKIP() << "no apt package lists on this machine (run apt-get "
                    "update); cannot check the Dockerfile's packages";
  }
  testing::TempDir dir;
  // One apt-cache run for all (each run reads the whole package lists).
  std::vector<std::string> args = {"show", "--no-all-versions"};
  args.insert(args.end(), packages.begin(), packages.end());
  CommandResult shown =
      RunCommand("/usr/bin/apt-cache", args, dir.path(), absl::Seconds(60));
  ASSERT_FALSE(shown.timed_out) << shown.Describe();
  const std::string records = "\n" + shown.out;
  for (const std::string& package : packages) {
    EXPECT_TRUE(absl::StrContains(records, "\nPackage: " + package + "\n"))
        << package << " is not a Debian package: " << shown.err;
  }
  EXPECT_EQ(shown.exit.code, 0) << shown.err;
}

TEST(Dockerfile, EveryPathItCopiesIsInTheRepositoryAndTheContext) {
  // The Dockerfile-specific ignore file decides what the context holds: "**"
  // then "!path" for what goes in.
  std::vector<std::string> included;
  for (absl::string_view line :
       absl::StrSplit(Read("deploy/docker/Dockerfile.dockerignore"), '\n')) {
    if (absl::ConsumePrefix(&line, "!")) {
      absl::ConsumeSuffix(&line, "/");
      included.emplace_back(line);
      EXPECT_TRUE(fs::exists(Source(std::string(line)))) << line;
    }
  }
  int copies = 0;
  for (const std::string& instruction : DockerInstructions()) {
    std::vector<std::string> words = Words(instruction);
    if (words.empty()) continue;
    if (words[0] == "RUN") {
      // Repository scripts it runs.
      for (const std::string& word : words) {
        absl::string_view path = word;
        absl::ConsumePrefix(&path, "./");
        if (absl::StartsWith(path, "scripts/")) {
          EXPECT_TRUE(fs::exists(Source(std::string(path)))) << path;
        }
      }
    }
    if (words[0] != "COPY" || absl::StartsWith(words[1], "--from")) continue;
    for (size_t i = 1; i + 1 < words.size(); ++i) {
      ++copies;
      EXPECT_TRUE(fs::exists(Source(words[i])))
          << words[i] << " is copied but does not exist";
      bool in_context = false;
      for (const std::string& prefix : included) {
        in_context |=
            words[i] == prefix || absl::StartsWith(words[i], prefix + "/");
      }
      EXPECT_TRUE(in_context) << words[i] << " is excluded from the context";
    }
  }
  EXPECT_GE(copies, 5);
}

// `--name=value` words of `text` (flags of claimd's command lines).
std::set<std::string> FlagNames(const std::string& text) {
  std::set<std::string> names;
  static const std::regex kFlag("--([a-z_]+)=");
  for (std::sregex_iterator it(text.begin(), text.end(), kFlag), end; it != end;
       ++it) {
    names.insert((*it)[1]);
  }
  return names;
}

TEST(DeployFiles, PassOnlyFlagsClaimdHas) {
  testing::TempDir dir;
  CommandResult help = RunCommand(ClaimdBinary(), {"--help"}, dir.path());
  ASSERT_FALSE(help.out.empty() && help.err.empty()) << help.Describe();
  const std::string usage = help.out + help.err;
  std::string entrypoint;
  for (const std::string& instruction : DockerInstructions()) {
    if (absl::StartsWith(instruction, "ENTRYPOINT")) entrypoint = instruction;
  }
  ASSERT_FALSE(entrypoint.empty());
  const std::string systemd = Read("deploy/systemd/claimd.service");
  const size_t exec_at = systemd.find("\nExecStart=");
  ASSERT_NE(exec_at, std::string::npos);
  const std::string exec_start =
      systemd.substr(exec_at, systemd.find('\n', exec_at + 1) - exec_at);
  std::vector<std::string> texts = {
      entrypoint, exec_start,
      Read("deploy/kubernetes/single-node/statefulset.yaml"),
      Read("deploy/kubernetes/insecure/kustomization.yaml")};
  // The replicated variant's flags come with the etcd backend (issue 17).
  const bool has_etcd = absl::StrContains(usage, "--store ");
  if (has_etcd)
    texts.push_back(Read("deploy/kubernetes/replicated/deployment.yaml"));
  for (const std::string& text : texts) {
    // The manifests' exec probes run claimctl, whose flags are its own.
    std::string claimd_lines;
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      if (!absl::StrContains(line, "claimctl")) {
        absl::StrAppend(&claimd_lines, line, "\n");
      }
    }
    const std::set<std::string> flags = FlagNames(claimd_lines);
    EXPECT_TRUE(flags.contains("listen")) << text;
    for (const std::string& flag : flags) {
      EXPECT_THAT(usage, HasSubstr("--" + flag + " ")) << flag;
    }
  }
  // The HEALTHCHECK's command exists.
  CommandResult health =
      RunCommand(ClaimctlBinary(), {"health", "--help"}, dir.path());
  EXPECT_EQ(health.exit.code, 0) << health.Describe();
}

bool HasPyYaml(const testing::TempDir& dir) {
  return RunCommand("/usr/bin/python3", {"-c", "import yaml"}, dir.path())
             .exit.code == 0;
}

TEST(Kubernetes, VariantsRenderAndHangTogether) {
  testing::TempDir dir;
  if (!HasPyYaml(dir)) {
    GTEST_SKIP() << "/usr/bin/python3 with PyYAML (Debian python3-yaml, "
                    "installed by scripts/install-deps.sh) is missing";
  }
  CommandResult checked = RunCommand(
      "/usr/bin/python3",
      {Source("tests/deploy/check_kubernetes.py"), Source("deploy/kubernetes")},
      dir.path(), absl::Seconds(60));
  EXPECT_EQ(checked.exit.code, 0) << checked.Describe();
  EXPECT_EQ(checked.out, "ok\n");
}

// The checker is not a rubber stamp: a copy of the manifests with one
// promise broken fails with the message that names it.
void ExpectCheckerRejects(const std::string& file, const std::string& from,
                          const std::string& to, const std::string& message) {
  testing::TempDir dir;
  if (!HasPyYaml(dir)) GTEST_SKIP() << "PyYAML (python3-yaml) is missing";
  const std::string copy = dir.File("kubernetes");
  fs::copy(Source("deploy/kubernetes"), copy, fs::copy_options::recursive);
  std::string text = e2e::ReadFile(copy + "/" + file);
  ASSERT_NE(text.find(from), std::string::npos) << from;
  text.replace(text.find(from), from.size(), to);
  std::ofstream(copy + "/" + file) << text;
  CommandResult checked = RunCommand(
      "/usr/bin/python3", {Source("tests/deploy/check_kubernetes.py"), copy},
      dir.path(), absl::Seconds(60));
  EXPECT_NE(checked.exit.code, 0) << checked.Describe();
  EXPECT_THAT(checked.err, HasSubstr(message));
}

TEST(Kubernetes, CheckerRejectsASecondSingleNodeReplica) {
  ExpectCheckerRejects("single-node/statefulset.yaml", "replicas: 1",
                       "replicas: 2", "exactly 1 replica");
}

TEST(Kubernetes, CheckerRejectsClaimdOffLoopback) {
  ExpectCheckerRejects("replicated/deployment.yaml", "--listen=127.0.0.1:50052",
                       "--listen=0.0.0.0:50052", "not on loopback");
}

TEST(Kubernetes, CheckerRejectsInsecureOutsideItsOverlay) {
  ExpectCheckerRejects("single-node/statefulset.yaml",
                       "- --listen=127.0.0.1:50052",
                       "- --listen=127.0.0.1:50052\n            - --insecure",
                       "--insecure outside the insecure overlay");
}

// kustomize loads no file outside its folder, so the haproxy sidecar's
// configuration is a copy: it must be deploy/haproxy/haproxy.cfg, byte for
// byte (check_kubernetes.py --sync-haproxy rewrites it).
TEST(Kubernetes, HaproxyConfigMapIsTheSharedConfig) {
  const std::string config = Source("deploy/haproxy/haproxy.cfg");
  ASSERT_TRUE(fs::exists(config)) << config << " is missing";
  testing::TempDir dir;
  if (!HasPyYaml(dir)) GTEST_SKIP() << "PyYAML (python3-yaml) is missing";
  CommandResult checked =
      RunCommand("/usr/bin/python3",
                 {Source("tests/deploy/check_kubernetes.py"), "--haproxy-copy",
                  Source("deploy/kubernetes"), config},
                 dir.path(), absl::Seconds(60));
  EXPECT_EQ(checked.exit.code, 0) << checked.Describe();
}

// Every shared library claimd and claimctl load (ldd) belongs to a package the
// runtime stage installs, or to one those pull in, or to Debian's required
// set (in every base image); and every package it installs is needed.
TEST(Dockerfile, RuntimeStageInstallsTheLibrariesTheBinariesLoad) {
  testing::TempDir dir;
  if (!AptListsPresent() || !fs::exists("/usr/bin/apt-cache") ||
      !fs::exists("/usr/bin/dpkg-query")) {
    GTEST_SKIP() << "no apt package lists or dpkg here; cannot map libraries "
                    "to packages";
  }
  CommandResult checked = RunCommand(
      "/usr/bin/python3",
      {Source("tests/deploy/check_libraries.py"),
       Source("deploy/docker/Dockerfile"), ClaimdBinary(), ClaimctlBinary()},
      dir.path(), absl::Seconds(120));
  EXPECT_EQ(checked.exit.code, 0) << checked.Describe();
  EXPECT_THAT(checked.out, HasSubstr("ok"));
}

TEST(Systemd, UnitVerifiesAndScoresAsHardened) {
  const char* analyze = "/usr/bin/systemd-analyze";
  if (!fs::exists(analyze)) {
    GTEST_SKIP() << "systemd-analyze is not installed (Debian package "
                    "systemd); the unit is not verified";
  }
  testing::TempDir dir;
  // verify checks that ExecStart's binary exists: point it at the built one.
  std::string unit = Read("deploy/systemd/claimd.service");
  const std::string installed = "/usr/local/bin/claimd";
  ASSERT_NE(unit.find(installed), std::string::npos);
  unit.replace(unit.find(installed), installed.size(), ClaimdBinary());
  const std::string path = dir.File("claimd.service");
  std::ofstream(path) << unit;

  CommandResult verify = RunCommand(analyze, {"verify", path}, dir.path());
  EXPECT_EQ(verify.exit.code, 0) << verify.Describe();
  EXPECT_EQ(verify.err, "") << verify.Describe();

  CommandResult security = RunCommand(
      analyze, {"security", "--offline=true", "--no-pager", path}, dir.path());
  std::smatch match;
  const std::string all = security.out + security.err;
  static const std::regex kScore("Overall exposure level for [^:]*: ([0-9.]+)");
  ASSERT_TRUE(std::regex_search(all, match, kScore)) << security.Describe();
  double score = 10;
  ASSERT_TRUE(absl::SimpleAtod(match[1].str(), &score));
  // systemd calls 0-2 "OK"; a default unit scores 9.6 ("UNSAFE").
  EXPECT_LE(score, 2.0) << all;
}

}  // namespace
}  // namespace claimd
