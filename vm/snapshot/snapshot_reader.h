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

// How the heap, nearly all of a large file, is read.
enum class HeapReading {
  Decode,  // into SnapshotData's objects and pools, every reference checked
  // Left as text in SnapshotData::deferredHeap, with the file's buffer, when
  // the heap is where the writer puts it and the rest of the file is sound;
  // otherwise decoded. The cross-reference checks are then the restorer's
  // (straight_heap.h), which decodes the heap straight into heap objects.
  Defer,
};

Result<SnapshotData> readSnapshotFile(const std::string& path,
                                      HeapReading heap = HeapReading::Decode);
// `text` is the whole file; `fileName` is used in messages.
Result<SnapshotData> parseSnapshot(std::string_view text, const std::string& fileName);

}  // namespace shapevm
