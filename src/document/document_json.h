// The JSON object of a palette or layout file, shared by the file writer and the PNG export.
#pragma once

#include "document/json_fields.h"
#include "palette/document_file.h"

namespace palette::document {

Json document_json(const DocumentContent& content, DocumentKind kind);

}  // namespace palette::document
