// TestPki: real X.509 material made with the openssl command line at test
// time: a CA, a server certificate for 127.0.0.1 and localhost (SAN) signed by
// it, client certificates with chosen common names, and a client certificate
// from a second, untrusted CA.
//
//   TempDir dir;
//   ASSERT_OK_AND_ASSIGN(TestPki pki, TestPki::Create(dir.path(), {"alice"}));
//   pki.ca_cert;  pki.server_cert;  pki.Client("alice").cert;
//
// Files are PEM, written under `dir`; the *_pem accessors read them back.
// Thread-safety: a plain value.
#ifndef CLAIMD_TESTS_TESTING_TEST_PKI_H_
#define CLAIMD_TESTS_TESTING_TEST_PKI_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace claimd::testing {

struct KeyPairFiles {
  std::string cert;
  std::string key;
};

struct TestPki {
  // Errors: INTERNAL when an openssl command fails (its output is in the
  // message).
  static absl::StatusOr<TestPki> Create(
      const std::string& dir, const std::vector<std::string>& client_names);

  const KeyPairFiles& Client(const std::string& name) const {
    return clients.at(name);
  }

  std::string ca_cert;
  KeyPairFiles server;
  std::map<std::string, KeyPairFiles> clients;
  // Signed by another CA that the server does not trust; common name "rogue".
  KeyPairFiles rogue_client;
};

// The contents of `path` (empty when unreadable).
std::string ReadFileOrEmpty(const std::string& path);

}  // namespace claimd::testing

#endif  // CLAIMD_TESTS_TESTING_TEST_PKI_H_
