#include "app/recent_files.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "palette/input_file.h"
#include "palette/json_input.h"

namespace palette::app {

namespace {
constexpr uint64_t kMaxStoreBytes = 1 << 20;  // a few dozen paths
}  // namespace

std::filesystem::path RecentFiles::default_store() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  std::filesystem::path base;
  if (xdg && *xdg) {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    base = std::filesystem::path(home) / ".config";
  } else {
    return {};
  }
  return base / "semantic-palette" / "recent.json";
}

void RecentFiles::add(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  const std::string entry = (ec ? path : absolute.lexically_normal()).string();
  remove(entry);
  entries_.insert(entries_.begin(), entry);
  if (entries_.size() > kMaxEntries) entries_.resize(kMaxEntries);
}

void RecentFiles::remove(const std::string& path) {
  entries_.erase(std::remove(entries_.begin(), entries_.end(), path), entries_.end());
}

void RecentFiles::load() {
  entries_.clear();
  if (store_.empty()) return;
  // A broken store (not JSON, a FIFO, 1 GB of it) is not worth an error dialog: the list starts
  // empty and is rewritten on save.
  nlohmann::json j;
  try {
    j = parse_bounded_json(read_input_file(store_, "the recent-files list", kMaxStoreBytes));
  } catch (const std::exception&) {
    return;
  }
  if (!j.is_object() || !j.contains("recent") || !j["recent"].is_array()) return;
  for (const auto& item : j["recent"]) {
    if (!item.is_string()) continue;
    const std::string s = item.get<std::string>();
    if (!s.empty() && std::find(entries_.begin(), entries_.end(), s) == entries_.end()) entries_.push_back(s);
    if (entries_.size() == kMaxEntries) break;
  }
}

bool RecentFiles::save() const {
  if (store_.empty()) return false;
  std::error_code ec;
  std::filesystem::create_directories(store_.parent_path(), ec);
  const std::filesystem::path tmp = store_.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << nlohmann::json{{"recent", entries_}}.dump(2) << "\n";
    if (!out) return false;
  }
  std::filesystem::rename(tmp, store_, ec);  // atomic: a crash never leaves half a list
  return !ec;
}

}  // namespace palette::app
