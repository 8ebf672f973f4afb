#include "app/recovery.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <string>
#include <system_error>

#include "palette/document_file.h"
#include "palette/error.h"

namespace palette::app {

namespace {

// Where the user's file is recorded inside the recovery file: an unknown top-level key, which the
// document keeps and writes back, so it is taken out again on restoring (load).
constexpr const char* kOriginalKey = "semantic_palette_recovered_from";
constexpr const char* kPrefix = "session-";
constexpr const char* kSuffix = ".layout.json";

// The pid in "session-<pid>.layout.json"; 0 for any other name.
long pid_of(const std::filesystem::path& file) {
  const std::string name = file.filename().string();
  const std::string prefix = kPrefix, suffix = kSuffix;
  if (name.size() <= prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return 0;
  const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) return 0;
  return std::stol(digits);
}

bool process_alive(long pid) {
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace

bool AutosaveTimer::due(double now, bool dirty, uint64_t document, uint64_t version) {
  if (!dirty || holds(document, version)) {
    pending_since_ = -1;
    return false;
  }
  if (pending_since_ < 0) pending_since_ = now;
  return now - pending_since_ >= interval_;
}

void AutosaveTimer::written(uint64_t document, uint64_t version) {
  document_ = document;
  version_ = version;
  pending_since_ = -1;
}

RecoveryStore::RecoveryStore(std::filesystem::path folder, long pid) : folder_(std::move(folder)) {
  if (pid == 0) pid = static_cast<long>(getpid());
  if (!folder_.empty()) own_ = folder_ / (kPrefix + std::to_string(pid) + kSuffix);
}

std::filesystem::path RecoveryStore::default_folder() {
  std::filesystem::path base;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg)
    base = xdg;
  else if (const char* home = std::getenv("HOME"); home && *home)
    base = std::filesystem::path(home) / ".config";
  else
    return {};
  return base / "semantic-palette" / "recovery";
}

void RecoveryStore::write(const DocumentContent& content, const std::filesystem::path& original) const {
  if (!enabled()) return;
  std::error_code ec;
  std::filesystem::create_directories(folder_, ec);
  if (ec) throw Error("'" + folder_.string() + "': cannot make the recovery folder: " + ec.message());
  DocumentContent copy = content;
  copy.extras.top[kOriginalKey] = original.string();
  save_document(Document(std::move(copy)), own_, DocumentKind::Layout);  // atomic
}

void RecoveryStore::remove_own() const {
  std::error_code ec;
  if (enabled()) std::filesystem::remove(own_, ec);
}

void RecoveryStore::mark_clean_exit() const {
  remove_own();
  if (!enabled()) return;
  std::error_code ec;
  std::filesystem::create_directories(folder_, ec);
  std::ofstream(folder_ / "clean-exit", std::ios::trunc) << getpid() << "\n";  // its time is what counts
}

std::optional<RecoveryFile> RecoveryStore::orphan() const {
  if (!enabled()) return std::nullopt;
  std::error_code ec;
  std::optional<std::filesystem::file_time_type> clean;
  if (const auto t = std::filesystem::last_write_time(folder_ / "clean-exit", ec); !ec) clean = t;
  std::optional<RecoveryFile> newest;
  const std::filesystem::path own_name = own_.filename();
  for (std::filesystem::directory_iterator it(folder_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::filesystem::path p = it->path();
    const long pid = pid_of(p);
    if (pid == 0 || !it->is_regular_file(ec)) continue;
    if (p.filename() != own_name && process_alive(pid)) continue;  // another window still open
    std::error_code time_error;
    const auto written = std::filesystem::last_write_time(p, time_error);
    if (time_error || (clean && written <= *clean)) continue;
    if (!newest || written > newest->written) newest = RecoveryFile{p, written};
  }
  return newest;
}

std::pair<Document, std::filesystem::path> RecoveryStore::load(const RecoveryFile& file) {
  LoadedDocument loaded = load_document(file.path);
  DocumentContent content = loaded.document.content();
  std::filesystem::path original;
  if (auto it = content.extras.top.find(kOriginalKey); it != content.extras.top.end()) {
    if (it->is_string()) original = it->get<std::string>();
    content.extras.top.erase(it);
  }
  return {Document(std::move(content)), original};
}

void RecoveryStore::discard(const RecoveryFile& file) const {
  std::error_code ec;
  std::filesystem::remove(file.path, ec);
  // A session killed while writing leaves <name>.tmp-<pid>-<n> beside it; only a save to the same name
  // would remove it (atomic_write), and no later session writes under a dead session's name.
  const std::string temporary = file.path.filename().string() + ".tmp-";
  for (std::filesystem::directory_iterator it(file.path.parent_path(), ec), end; !ec && it != end;
       it.increment(ec))
    if (it->path().filename().string().rfind(temporary, 0) == 0) std::filesystem::remove(it->path(), ec);
}

}  // namespace palette::app
