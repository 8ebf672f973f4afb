// The undo stack: each step is a pair of functions that take the document's content back to before
// the edit and forward to after it (a command pattern without a class per command).
#pragma once

#include <deque>
#include <functional>
#include <string>

#include "palette/document.h"

namespace palette {

class Document::History {
 public:
  struct Step {
    std::string label;      // "Stroke on 'sky'"
    std::string merge_key;  // steps with the same non-empty key may fold together ("" = never)
    std::function<void(DocumentContent&)> undo, redo;
  };

  explicit History(size_t max_steps) : max_steps_(max_steps < 1 ? 1 : max_steps) {}

  // Records an edit that has already been applied. Forgets the redo steps; with `merge` and the
  // previous step carrying the same key, extends that step instead (its undo still goes back to
  // before the first of the merged edits).
  void push(Step step, bool merge) {
    const bool can_merge = merge && !step.merge_key.empty() && done_ == steps_.size() && done_ > 0 &&
                           steps_.back().merge_key == step.merge_key;
    steps_.erase(steps_.begin() + std::ptrdiff_t(done_), steps_.end());
    if (can_merge) {
      steps_.back().redo = std::move(step.redo);
      return;
    }
    steps_.push_back(std::move(step));
    if (steps_.size() > max_steps_) steps_.pop_front();
    done_ = steps_.size();
  }

  bool can_undo() const { return done_ > 0; }
  bool can_redo() const { return done_ < steps_.size(); }
  std::string undo_label() const { return can_undo() ? steps_[done_ - 1].label : ""; }
  std::string redo_label() const { return can_redo() ? steps_[done_].label : ""; }

  // The step to undo / redo, the position moved past it; nullptr when there is none.
  const Step* take_undo() { return can_undo() ? &steps_[--done_] : nullptr; }
  const Step* take_redo() { return can_redo() ? &steps_[done_++] : nullptr; }

 private:
  size_t max_steps_;
  std::deque<Step> steps_;
  size_t done_ = 0;  // steps_[0, done_) are applied
};

}  // namespace palette
