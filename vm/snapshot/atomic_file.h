// Replacing a file atomically: readers (and a crash at any instant) see either
// the complete old file or the complete new one, never a mix.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace shapevm {

// Writes `contents` to a new temporary file in the directory of `path`, fsyncs
// it, renames it over `path` and fsyncs the directory. Interrupted system calls
// are retried, so a signal arriving meanwhile changes nothing. On failure the
// temporary file is removed, `path` is untouched, and the error is returned.
std::optional<std::string> writeFileAtomically(const std::string& path, std::string_view contents);

// The same, for contents produced piece by piece: `produce` writes them to
// `fd`, the temporary file named `tempPath`, and returns an error message if it
// cannot (the temporary file is then removed and `path` is untouched).
using FileProducer = std::function<std::optional<std::string>(int fd, const std::string& tempPath)>;
std::optional<std::string> writeFileAtomically(const std::string& path,
                                               const FileProducer& produce);

// write(2) / pwrite(2) of all of `data`, retrying interrupted and short
// writes; false with errno set on failure.
bool writeAll(int fd, std::string_view data);
bool pwriteAll(int fd, std::string_view data, off_t offset);

}  // namespace shapevm
