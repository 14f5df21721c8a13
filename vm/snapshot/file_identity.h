// Telling a job's own files from other files (docs/snapshot-format.md,
// "Files"). A snapshot records, for each open file and for stdout when it is
// a regular file, its absolute path and a fingerprint of the bytes the job
// has seen or written; resume checks the fingerprint before it truncates or
// reads anything, so a file that is not the job's own is never touched.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bytecode/diagnostic.h"

namespace shapevm {

// The first `length` bytes of a file, summarized: their count and the XXH3
// hashes of their first and last 64 KiB (the same bytes when shorter).
struct FileFingerprint {
  uint64_t length = 0;
  uint64_t head = 0;
  uint64_t tail = 0;
  bool operator==(const FileFingerprint&) const = default;
};

inline constexpr uint64_t kFingerprintWindow = 64 * 1024;

// The fingerprint of the first `length` bytes of the open descriptor `fd`
// (read with pread, so its position is unchanged), or nullopt if they cannot
// be read (the file is shorter, or not readable).
std::optional<FileFingerprint> fingerprintDescriptor(int fd, uint64_t length);
// The same for the file at `path`.
std::optional<FileFingerprint> fingerprintPath(const std::string& path, uint64_t length);

// `--map-path OLD=NEW`: a job's files under OLD are at NEW now.
struct PathMapping {
  std::string from;
  std::string to;
};

// `path` with the first mapping whose `from` is `path` or one of its parent
// directories replaced by its `to`; `path` itself when none applies.
std::string mapPath(const std::string& path, const std::vector<PathMapping>& mappings);

// Parses "OLD=NEW" (both absolute, normalized; a trailing slash is dropped).
// The diagnostic's file is the option, "--map-path".
Result<PathMapping> parsePathMapping(const std::string& text);

}  // namespace shapevm
