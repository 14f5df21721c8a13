// Replacing a file atomically: readers (and a crash at any instant) see either
// the complete old file or the complete new one, never a mix.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace shapevm {

// Writes `contents` to a new temporary file in the directory of `path`, fsyncs
// it, renames it over `path` and fsyncs the directory. Interrupted system calls
// are retried, so a signal arriving meanwhile changes nothing. On failure the
// temporary file is removed, `path` is untouched, and the error is returned.
std::optional<std::string> writeFileAtomically(const std::string& path, std::string_view contents);

}  // namespace shapevm
