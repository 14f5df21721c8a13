// Bounded reading of input files (see input_file.h).
#include "bytecode/input_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace shapevm {

namespace {

// Closes the descriptor on every path out.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

Diagnostic tooLarge(const std::string& path) {
  return Diagnostic::inFile(
      path, fmt::format("larger than the limit of {} bytes for an input file", kMaxInputFileBytes));
}

}  // namespace

Result<std::string> readInputFile(const std::string& path) {
  auto failure = [&](std::string_view what) {
    return Diagnostic::inFile(path, fmt::format("{}: {}", what, std::strerror(errno)));
  };
  FileDescriptor file;
  do {
    file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (file.fd < 0 && errno == EINTR);
  if (file.fd < 0) return failure("cannot open");
  struct stat info {};
  if (::fstat(file.fd, &info) != 0) return failure("cannot read");
  if (S_ISDIR(info.st_mode)) return Diagnostic::inFile(path, "is a directory");
  bool regular = S_ISREG(info.st_mode);
  if (regular && static_cast<uint64_t>(info.st_size) > kMaxInputFileBytes) return tooLarge(path);
  // A regular file is read in one piece; a stream grows the buffer as it
  // delivers, and one byte past the limit is enough to reject it.
  std::string bytes(regular ? static_cast<std::size_t>(info.st_size) : std::size_t{1} << 16, '\0');
  std::size_t got = 0;
  for (;;) {
    if (got == bytes.size()) {
      if (regular) break;
      if (got > kMaxInputFileBytes) return tooLarge(path);
      bytes.resize(std::min(bytes.size() * 2, kMaxInputFileBytes + 1));
    }
    ssize_t n = ::read(file.fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failure("read error");
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  bytes.resize(got);
  return bytes;
}

}  // namespace shapevm
