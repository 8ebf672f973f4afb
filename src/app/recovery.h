// Autosave and crash recovery. While the open document has unsaved changes, the app writes it, once
// per interval of changes (a minute by default), to a recovery file of its own session:
//   $XDG_CONFIG_HOME/semantic-palette/recovery/session-<pid>.layout.json (else ~/.config/…)
// never over the user's file. A save, a discard or a clean quit removes it; a clean quit also stamps
// recovery/clean-exit. At the next start, the newest recovery file of a session that is gone (killed,
// crashed) and newer than the last clean exit is offered for restoring.
//
//   RecoveryStore store(RecoveryStore::default_folder());
//   if (auto orphan = store.orphan()) offer(*orphan);           // at start
//   if (timer.due(now, dirty, doc.document_id(), doc.version()))
//     store.write(doc.snapshot(), path);                        // may run on a worker thread
//   store.mark_clean_exit();                                    // on quit
//
// Failures: write and load throw palette::Error naming the file; the rest never throw (a recovery
// folder that cannot be read or written must not stop anyone painting).
// Thread safety: AutosaveTimer: one thread. RecoveryStore's members are const; write() may run on a
// worker while the UI thread does nothing else with the same store.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <utility>

#include "palette/document.h"

namespace palette::app {

constexpr double kDefaultAutosaveSeconds = 60;

// When to autosave: after `interval_s` of unsaved changes that the recovery file does not hold yet.
class AutosaveTimer {
 public:
  explicit AutosaveTimer(double interval_s = kDefaultAutosaveSeconds) : interval_(interval_s) {}
  double interval() const { return interval_; }
  // Called every frame with the document's state; true when it is time to write. `now`: seconds on a
  // monotonic clock. The interval counts from the first change not yet written.
  bool due(double now, bool dirty, uint64_t document, uint64_t version);
  void written(uint64_t document, uint64_t version);      // the recovery file now holds this state
  void retry_later(double now) { pending_since_ = now; }  // a write failed: try again after an interval
  bool holds(uint64_t document, uint64_t version) const {
    return document == document_ && version == version_;
  }

 private:
  double interval_;
  double pending_since_ = -1;  // when the first unwritten change was seen; < 0 = none
  uint64_t document_ = 0, version_ = 0;
};

struct RecoveryFile {
  std::filesystem::path path;               // the autosave
  std::filesystem::file_time_type written;  // its modification time
};

class RecoveryStore {
 public:
  // `pid`: this session's process id (its file's name); 0 = getpid().
  explicit RecoveryStore(std::filesystem::path folder, long pid = 0);
  // $XDG_CONFIG_HOME/semantic-palette/recovery, else ~/.config/…; "" when neither is set (no autosave).
  static std::filesystem::path default_folder();

  bool enabled() const { return !folder_.empty(); }
  const std::filesystem::path& own_file() const { return own_; }
  // Writes `content` atomically as this session's recovery file, with `original` (the user's file;
  // empty = untitled) recorded inside for restoring. Throws palette::Error.
  void write(const DocumentContent& content, const std::filesystem::path& original) const;
  void remove_own() const;       // the document was saved or discarded
  void mark_clean_exit() const;  // remove_own() and the clean-exit stamp

  // The newest recovery file of a session that has ended (its process is gone; this one's own pid
  // counts as ended: nothing is written before this is asked) and that is newer than the last clean
  // exit. nullopt when there is none.
  std::optional<RecoveryFile> orphan() const;
  // The document it holds and the user's file it was for. Throws palette::Error naming the file.
  static std::pair<Document, std::filesystem::path> load(const RecoveryFile& file);
  void discard(const RecoveryFile& file) const;  // removes it

 private:
  std::filesystem::path folder_, own_;
};

}  // namespace palette::app
