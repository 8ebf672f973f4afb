// What a saved file's settings.model should say so that opening the file again loads the model that
// was in use when it was saved. The reading side is palette::model_beside (palette/document_file.h):
// a relative reference is looked up beside the file, anything else is taken as written.
//
//   doc.settings.model = model_reference_for("/art/lake.json", "/art/models/sd", builtin);  // "models/sd"
//
// Thread safety: a pure function (it asks the file system only whether two paths are one folder).
#pragma once

#include <filesystem>
#include <string>

namespace palette::app {

// The reference to write into `file` for `model_in_use` (a path as the engine was given it, relative
// ones against the current folder):
//   ""        for the built-in model (`builtin`): a file without settings.model gets the built-in model
//             wherever it is opened, and a path into this installation would mean nothing elsewhere;
//   relative  to the file's folder when the model lies inside it (a layout and its model travel together);
//   absolute  otherwise (a path relative to the current folder would break when the file moves).
// `model_in_use` "" gives "".
std::string model_reference_for(const std::filesystem::path& file, const std::string& model_in_use,
                                const std::string& builtin);

}  // namespace palette::app
