#include "tests/testing/test_pki.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace claimd::testing {
namespace {

absl::Status Run(const std::string& command, const std::string& log) {
  std::string full = absl::StrCat(command, " >>", log, " 2>&1");
  // std::system ignores SIGINT and SIGQUIT while openssl runs, which no test
  // relies on.
  // NOLINTNEXTLINE(concurrency-mt-unsafe,bugprone-command-processor)
  if (std::system(full.c_str()) != 0) {
    return absl::InternalError(
        absl::StrCat("openssl failed: ", command, "\n", ReadFileOrEmpty(log)));
  }
  return absl::OkStatus();
}

constexpr char kNewKey[] =
    "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

absl::Status MakeCa(const std::string& prefix, const std::string& name,
                    const std::string& log) {
  return Run(absl::StrCat(kNewKey, " -x509 -days 2 -subj /CN=", name,
                          " -keyout ", prefix, ".key -out ", prefix, ".pem"),
             log);
}

// A certificate for `name` signed by the CA at `ca_prefix`, with `extensions`
// (an openssl extension file) when not empty.
absl::StatusOr<KeyPairFiles> MakeLeaf(const std::string& prefix,
                                      const std::string& name,
                                      const std::string& ca_prefix,
                                      const std::string& extensions,
                                      const std::string& log) {
  absl::Status request =
      Run(absl::StrCat(kNewKey, " -subj /CN=", name, " -keyout ", prefix,
                       ".key -out ", prefix, ".csr"),
          log);
  if (!request.ok()) return request;
  absl::Status sign =
      Run(absl::StrCat("openssl x509 -req -days 2 -in ", prefix, ".csr -CA ",
                       ca_prefix, ".pem -CAkey ", ca_prefix,
                       ".key -CAcreateserial -out ", prefix, ".pem",
                       extensions.empty() ? "" : " -extfile " + extensions),
          log);
  if (!sign.ok()) return sign;
  return KeyPairFiles{.cert = prefix + ".pem", .key = prefix + ".key"};
}

}  // namespace

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<TestPki> TestPki::Create(
    const std::string& dir, const std::vector<std::string>& client_names) {
  const std::string log = dir + "/openssl.log";
  const std::string ca = dir + "/ca";
  if (absl::Status status = MakeCa(ca, "claimd-test-ca", log); !status.ok()) {
    return status;
  }
  const std::string server_ext = dir + "/server.ext";
  std::ofstream(server_ext) << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
  TestPki pki;
  pki.ca_cert = ca + ".pem";
  absl::StatusOr<KeyPairFiles> server =
      MakeLeaf(dir + "/server", "localhost", ca, server_ext, log);
  if (!server.ok()) return server.status();
  pki.server = *server;
  for (const std::string& name : client_names) {
    absl::StatusOr<KeyPairFiles> client =
        MakeLeaf(absl::StrCat(dir, "/client-", name), name, ca, "", log);
    if (!client.ok()) return client.status();
    pki.clients[name] = *client;
  }
  const std::string rogue_ca = dir + "/rogue-ca";
  if (absl::Status status = MakeCa(rogue_ca, "rogue-ca", log); !status.ok()) {
    return status;
  }
  absl::StatusOr<KeyPairFiles> rogue =
      MakeLeaf(dir + "/client-rogue", "rogue", rogue_ca, "", log);
  if (!rogue.ok()) return rogue.status();
  pki.rogue_client = *rogue;
  return pki;
}

}  // namespace claimd::testing
