// CertificateCommonName: the one common name in a client certificate's
// subject, read from the PEM that TLS verified.
//
// gRPC reports a single CN property even when the subject holds several
// (`CN=dashboard+CN=opsadmin`, or two CN attributes in separate RDNs), and
// which one it picks depends on DER ordering, not on what the CA meant.
// Identity must not be ambiguous, so a certificate whose subject has more than
// one common name (or none) is refused here rather than mapped to one of them.
//
// Thread-safety: a pure function.
#ifndef CLAIMD_SERVICE_AUTH_CERTIFICATE_SUBJECT_H_
#define CLAIMD_SERVICE_AUTH_CERTIFICATE_SUBJECT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace claimd::auth {

// The common name of the first certificate in `pem`. Errors: UNAUTHENTICATED
// when the PEM cannot be parsed or the subject has no common name or more
// than one.
absl::StatusOr<std::string> CertificateCommonName(absl::string_view pem);

}  // namespace claimd::auth

#endif  // CLAIMD_SERVICE_AUTH_CERTIFICATE_SUBJECT_H_
