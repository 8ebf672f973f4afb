#include "app/model_reference.h"

#include <system_error>

namespace palette::app {

namespace {

// Absolute and lexically normal, symbolic links kept: a model the user linked into the layout's folder
// is beside the layout, wherever the link leads.
std::filesystem::path absolute_normal(const std::filesystem::path& p) {
  std::error_code ec;
  const std::filesystem::path a = std::filesystem::absolute(p, ec);
  return (ec ? p : a).lexically_normal();
}

bool same_place(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ec;
  return a == b || std::filesystem::equivalent(a, b, ec);
}

}  // namespace

std::string model_reference_for(const std::filesystem::path& file, const std::string& model_in_use,
                                const std::string& builtin) {
  if (model_in_use.empty()) return "";
  const std::filesystem::path model = absolute_normal(model_in_use);
  if (!builtin.empty() && same_place(model, absolute_normal(builtin))) return "";
  const std::filesystem::path inside = model.lexically_relative(absolute_normal(file).parent_path());
  const bool below = !inside.empty() && inside != "." && *inside.begin() != "..";
  return below ? inside.generic_string() : model.string();
}

}  // namespace palette::app
