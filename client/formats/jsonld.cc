#include "client/formats/jsonld.h"

#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace claimd::client {
namespace {

absl::string_view LocalName(absl::string_view type) {
  for (absl::string_view prefix :
       {"https://schema.org/", "http://schema.org/", "schema:"}) {
    if (absl::ConsumePrefix(&type, prefix)) break;
  }
  return type;
}

std::vector<absl::string_view> Types(const JsonValue& object) {
  std::vector<absl::string_view> types;
  const JsonValue* type = object.Find("@type");
  if (type == nullptr) return types;
  if (type->is_string()) {
    types.push_back(LocalName(type->text));
  } else if (type->is_array()) {
    for (const JsonValue& item : type->items) {
      if (item.is_string()) types.push_back(LocalName(item.text));
    }
  }
  return types;
}

void Collect(const JsonValue& value, std::vector<const JsonValue*>* out) {
  if (value.is_array()) {
    for (const JsonValue& item : value.items) Collect(item, out);
    return;
  }
  if (!value.is_object()) return;
  const bool typed = value.Find("@type") != nullptr;
  if (HasType(value, "ClaimReview") ||
      (!typed && value.Find("claimReviewed") != nullptr)) {
    out->push_back(&value);
    return;
  }
  for (const auto& [name, member] : value.members) Collect(member, out);
}

}  // namespace

bool HasType(const JsonValue& object, absl::string_view type) {
  for (absl::string_view name : Types(object)) {
    if (name == type) return true;
  }
  return false;
}

std::string TypeNames(const JsonValue& object) {
  return absl::StrJoin(Types(object), ", ");
}

std::vector<const JsonValue*> FindClaimReviews(const JsonValue& document) {
  std::vector<const JsonValue*> reviews;
  Collect(document, &reviews);
  return reviews;
}

}  // namespace claimd::client
