// Fingerprints of file prefixes and --map-path (see file_identity.h).
#include "snapshot/file_identity.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <filesystem>
#include <vector>

namespace shapevm {

namespace {

bool preadAll(int fd, char* data, uint64_t size, uint64_t offset) {
  while (size > 0) {
    ssize_t got = ::pread(fd, data, size, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    data += got;
    size -= static_cast<uint64_t>(got);
    offset += static_cast<uint64_t>(got);
  }
  return true;
}

std::optional<uint64_t> hashRange(int fd, uint64_t offset, uint64_t size) {
  std::vector<char> bytes(size);
  if (!preadAll(fd, bytes.data(), size, offset)) return std::nullopt;
  return XXH3_64bits(bytes.data(), bytes.size());
}

}  // namespace

std::optional<FileFingerprint> fingerprintDescriptor(int fd, uint64_t length) {
  FileFingerprint print;
  print.length = length;
  uint64_t window = std::min(length, kFingerprintWindow);
  auto head = hashRange(fd, 0, window);
  auto tail = hashRange(fd, length - window, window);
  if (!head || !tail) return std::nullopt;
  print.head = *head;
  print.tail = *tail;
  return print;
}

std::optional<FileFingerprint> fingerprintPath(const std::string& path, uint64_t length) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return std::nullopt;
  auto print = fingerprintDescriptor(fd, length);
  ::close(fd);
  return print;
}

std::string mapPath(const std::string& path, const std::vector<PathMapping>& mappings) {
  for (const PathMapping& m : mappings) {
    if (path == m.from) return m.to;
    bool under = path.size() > m.from.size() && path.compare(0, m.from.size(), m.from) == 0 &&
                 (m.from == "/" || path[m.from.size()] == '/');
    if (!under) continue;
    std::string rest = path.substr(m.from == "/" ? 1 : m.from.size() + 1);
    return m.to == "/" ? "/" + rest : m.to + "/" + rest;
  }
  return path;
}

Result<PathMapping> parsePathMapping(const std::string& text) {
  std::size_t equals = text.find('=');
  if (equals == std::string::npos) return Diagnostic::inFile("--map-path", "expected OLD=NEW");
  auto normal = [](std::string part) -> std::optional<std::string> {
    std::filesystem::path p(part);
    if (!p.is_absolute()) return std::nullopt;
    std::string out = p.lexically_normal().string();
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    return out;
  };
  auto from = normal(text.substr(0, equals));
  auto to = normal(text.substr(equals + 1));
  if (!from || !to) return Diagnostic::inFile("--map-path", "OLD and NEW must be absolute paths");
  return PathMapping{*from, *to};
}

}  // namespace shapevm
