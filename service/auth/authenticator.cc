#include "service/auth/authenticator.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace claimd::auth {

Authenticator::Authenticator(std::string path, CredentialTable table)
    : path_(std::move(path)),
      table_(std::make_shared<const CredentialTable>(std::move(table))) {}

absl::StatusOr<std::unique_ptr<Authenticator>> Authenticator::FromFile(
    std::string path) {
  absl::StatusOr<CredentialTable> table = CredentialTable::Load(path);
  if (!table.ok()) return table.status();
  return std::unique_ptr<Authenticator>(
      new Authenticator(std::move(path), *std::move(table)));
}

absl::Status Authenticator::Reload() {
  absl::StatusOr<CredentialTable> table = CredentialTable::Load(path_);
  if (!table.ok()) return table.status();
  auto snapshot = std::make_shared<const CredentialTable>(*std::move(table));
  {
    absl::MutexLock lock(&mutex_);
    table_ = std::move(snapshot);
  }
  // The new table is in force for new calls; now the listeners end what the
  // old one admitted and the new one does not.
  absl::MutexLock lock(&listeners_mutex_);
  for (auto& [id, listener] : listeners_) listener();
  return absl::OkStatus();
}

Authenticator::ListenerId Authenticator::AddReloadListener(
    std::function<void()> listener) const {
  absl::MutexLock lock(&listeners_mutex_);
  const ListenerId id = next_listener_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void Authenticator::RemoveReloadListener(ListenerId id) const {
  absl::MutexLock lock(&listeners_mutex_);
  listeners_.erase(id);
}

absl::StatusOr<Identity> Authenticator::Authorize(
    const PresentedCredentials& presented,
    absl::string_view full_method) const {
  std::shared_ptr<const CredentialTable> table;
  {
    absl::MutexLock lock(&mutex_);
    table = table_;
  }
  std::optional<Identity> identity;
  if (presented.authorization.has_value()) {
    std::optional<absl::string_view> token =
        ParseBearerHeader(*presented.authorization);
    if (!token.has_value()) {
      return absl::UnauthenticatedError(
          "the authorization header must be 'Bearer <token>'");
    }
    identity = table->FindToken(*token);
    if (!identity.has_value()) {
      return absl::UnauthenticatedError("unknown bearer token");
    }
  } else if (presented.certificate_common_name.has_value()) {
    identity = table->FindCertificate(*presented.certificate_common_name);
    if (!identity.has_value()) {
      return absl::UnauthenticatedError(
          absl::StrCat("the client certificate's common name is not in the "
                       "credentials file"));
    }
  } else {
    return absl::UnauthenticatedError(
        "credentials required: a bearer token (authorization header) or a "
        "client certificate");
  }
  const Role needed = RequiredRole(full_method);
  if (!Allows(identity->role, needed)) {
    return absl::PermissionDeniedError(
        absl::StrCat(identity->name, " has role ", RoleName(identity->role),
                     "; ", full_method, " needs ", RoleName(needed)));
  }
  return *std::move(identity);
}

}  // namespace claimd::auth
