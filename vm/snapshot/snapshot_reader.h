// Reading a snapshot file into SnapshotData (snapshot_data.h): header and
// checksum first, then every field with its type, then the cross-references
// listed in snapshot_data.h. Nothing is trusted; every problem becomes a
// diagnostic naming the file and the JSON path of the offending field.
#pragma once

#include <string>
#include <string_view>

#include "bytecode/diagnostic.h"
#include "snapshot/snapshot_data.h"

namespace shapevm {

Result<SnapshotData> readSnapshotFile(const std::string& path);
// `text` is the whole file; `fileName` is used in messages.
Result<SnapshotData> parseSnapshot(std::string_view text, const std::string& fileName);

}  // namespace shapevm
