#include "client/formats/jsonld.h"

#include <algorithm>
#include <utility>

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

// {"@id": "..."} (perhaps with @type): a reference, not a node.
bool IsReference(const JsonValue& value) {
  if (!value.is_object()) return false;
  const JsonValue* id = value.Find("@id");
  if (id == nullptr || !id->is_string()) return false;
  for (const auto& [name, member] : value.members) {
    if (name != "@id" && name != "@type") return false;
  }
  return true;
}

// The first node of `value` (depth first) with that @id and more than a
// reference has; `skip` (the review) is never returned.
const JsonValue* FindNode(const JsonValue& value, absl::string_view id,
                          const JsonValue* skip) {
  if (value.is_array()) {
    for (const JsonValue& item : value.items) {
      if (const JsonValue* node = FindNode(item, id, skip)) return node;
    }
    return nullptr;
  }
  if (!value.is_object()) return nullptr;
  const JsonValue* own = value.Find("@id");
  if (&value != skip && own != nullptr && own->is_string() && own->text == id &&
      !IsReference(value)) {
    return &value;
  }
  for (const auto& [name, member] : value.members) {
    if (const JsonValue* node = FindNode(member, id, skip)) return node;
  }
  return nullptr;
}

// Replaces `value` (or its items) by the nodes it refers to; true when any
// was replaced.
bool Resolve(JsonValue* value, const JsonValue& document,
             const JsonValue& review) {
  if (value->is_array()) {
    bool any = false;
    for (JsonValue& item : value->items) {
      any = Resolve(&item, document, review) || any;
    }
    return any;
  }
  if (!IsReference(*value)) return false;
  const JsonValue* node = FindNode(document, value->Find("@id")->text, &review);
  if (node == nullptr) return false;
  *value = *node;
  return true;
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

std::optional<JsonValue> ResolveReferences(const JsonValue& review,
                                           const JsonValue& document) {
  if (!review.is_object()) return std::nullopt;
  std::optional<JsonValue> resolved;
  for (size_t i = 0; i < review.members.size(); ++i) {
    const std::string& name = review.members[i].first;
    if (name != "author" && name != "publisher" && name != "itemReviewed") {
      continue;
    }
    const JsonValue& original = review.members[i].second;
    if (!IsReference(original) &&
        !(original.is_array() &&
          std::any_of(original.items.begin(), original.items.end(),
                      IsReference))) {
      continue;  // the common case: no copy
    }
    JsonValue member = original;
    if (!Resolve(&member, document, review)) continue;
    if (!resolved.has_value()) resolved = review;
    resolved->members[i].second = std::move(member);
  }
  return resolved;
}

}  // namespace claimd::client
