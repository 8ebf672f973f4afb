// The recently opened or saved files, newest first, kept across runs in
// $XDG_CONFIG_HOME/semantic-palette/recent.json (else ~/.config/semantic-palette/recent.json).
//
//   RecentFiles recent(RecentFiles::default_store());
//   recent.load();                       // a missing or broken store gives an empty list
//   recent.add("/home/me/still-life.json");
//   recent.save();                       // false (and the list kept in memory) when it cannot write
//
// Thread safety: a plain value; one thread uses it.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace palette::app {

class RecentFiles {
 public:
  static constexpr size_t kMaxEntries = 10;

  explicit RecentFiles(std::filesystem::path store = {}) : store_(std::move(store)) {}
  // The store path from the environment ("" when neither XDG_CONFIG_HOME nor HOME is set).
  static std::filesystem::path default_store();

  const std::vector<std::string>& entries() const { return entries_; }
  // Moves `path` (made absolute) to the front, dropping a duplicate and anything past kMaxEntries.
  void add(const std::filesystem::path& path);
  void remove(const std::string& path);  // e.g. after it failed to open
  void clear() { entries_.clear(); }

  void load();        // replaces the entries with the store's; never throws
  bool save() const;  // creates the folder; false when the store cannot be written (never throws)

 private:
  std::filesystem::path store_;
  std::vector<std::string> entries_;
};

}  // namespace palette::app
