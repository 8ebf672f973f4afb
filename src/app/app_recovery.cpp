// Autosave and crash recovery for the app (the policy and the files are recovery.h's): every frame
// the open document is checked, and after a minute of unsaved changes a snapshot of it is written to
// this session's recovery file on a worker thread; at start the autosave of a session that died is
// offered for restoring.
#include <chrono>

#include "app/app.h"
#include "palette/document_file.h"

namespace palette::app {

void App::offer_recovery() {
  recovery_offer_ = recovery_.orphan();
  ask_recovery_ = recovery_offer_.has_value();
}

void App::restore_recovery() {
  try {
    auto [doc, original] = RecoveryStore::load(*recovery_offer_);
    editor.recover(std::move(doc), original);
    // This session's own recovery file first: the old one goes only once the work is safe again.
    finish_autosave();
    recovery_.write(editor.doc().content(), editor.path());
    autosave_.written(editor.doc().document_id(), editor.doc().version());
    own_recovery_written_ = true;
    recovery_.discard(*recovery_offer_);
    view_fitted = false;
    composite.hidden.clear();
    stats.reset();
    file_model_ = model_beside(original, editor.doc().content().settings.model);
    if (engine.model_state() == ModelState::None) load_model_or_builtin(file_model_);
    set_status("restored the autosaved work" +
               (original.empty() ? std::string() : " on " + original.string()) + ": save it to keep it");
  } catch (const std::exception& e) {
    set_error("cannot restore the autosave: " + std::string(e.what()));  // the file stays for another try
  }
}

void App::autosave() {
  if (!recovery_.enabled()) return;
  if (autosave_job_.valid()) {
    if (autosave_job_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
    try {
      autosave_job_.get();
      autosave_.written(job_document_, job_version_);
      own_recovery_written_ = true;
    } catch (const std::exception& e) {
      autosave_.retry_later(now());
      set_error("autosave: " + std::string(e.what()));
    }
  }
  const Document& doc = editor.doc();
  if (!editor.dirty()) {
    // Saved, undone to the saved state, or a new document: nothing to recover.
    if (own_recovery_written_) recovery_.remove_own();
    own_recovery_written_ = false;
    autosave_.due(now(), false, doc.document_id(), doc.version());
    return;
  }
  if (!autosave_.due(now(), true, doc.document_id(), doc.version())) return;
  job_document_ = doc.document_id();
  job_version_ = doc.version();
  std::error_code ec;
  const std::filesystem::path original =
      editor.path().empty() ? editor.path() : std::filesystem::absolute(editor.path(), ec);
  // The snapshot is immutable and shares the masks' tiles: the worker encodes them while painting goes on.
  autosave_job_ = std::async(std::launch::async, [store = recovery_, snapshot = doc.snapshot(), original] {
    store.write(*snapshot, original);
  });
}

bool App::autosaved_now() const {
  const Document& doc = editor.doc();
  return !autosave_job_.valid() && own_recovery_written_ && autosave_.holds(doc.document_id(), doc.version());
}

void App::finish_autosave() {
  if (!autosave_job_.valid()) return;
  try {
    autosave_job_.get();
    autosave_.written(job_document_, job_version_);
    own_recovery_written_ = true;
  } catch (const std::exception&) {
    // Nothing more to do: the caller writes or removes the file next.
  }
}

}  // namespace palette::app
