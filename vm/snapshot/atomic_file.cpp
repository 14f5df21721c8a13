// Atomic file replacement (see atomic_file.h): temp file + fsync + rename +
// fsync of the directory, the sequence that survives SIGKILL and power loss.
#include "snapshot/atomic_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace shapevm {

namespace {

std::string directoryOf(const std::string& path) {
  std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string systemError(std::string_view what, const std::string& path) {
  return fmt::format("{} {}: {}", what, path, std::strerror(errno));
}

int fsyncRetrying(int fd) {
  int result;
  do {
    result = ::fsync(fd);
  } while (result != 0 && errno == EINTR);
  return result;
}

}  // namespace

bool writeAll(int fd, std::string_view data) {
  std::size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    written += static_cast<std::size_t>(n);
  }
  return true;
}

bool pwriteAll(int fd, std::string_view data, off_t offset) {
  std::size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::pwrite(fd, data.data() + written, data.size() - written,
                         offset + static_cast<off_t>(written));
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    written += static_cast<std::size_t>(n);
  }
  return true;
}

std::optional<std::string> writeFileAtomically(const std::string& path, std::string_view contents) {
  return writeFileAtomically(path,
                             [&](int fd, const std::string& temp) -> std::optional<std::string> {
                               if (!writeAll(fd, contents))
                                 return systemError("cannot write", temp);
                               return std::nullopt;
                             });
}

std::optional<std::string> writeFileAtomically(const std::string& path,
                                               const FileProducer& produce) {
  // The pid keeps concurrent writers (two jobs sharing a directory) apart.
  std::string temp = fmt::format("{}.tmp.{}", path, ::getpid());
  int fd;
  do {
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return systemError("cannot create", temp);
  std::optional<std::string> error = produce(fd, temp);
  if (!error && fsyncRetrying(fd) != 0) error = systemError("cannot write", temp);
  if (error) {
    ::close(fd);
    ::unlink(temp.c_str());
    return error;
  }
  if (::close(fd) != 0) {
    std::string failure = systemError("cannot write", temp);
    ::unlink(temp.c_str());
    return failure;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    std::string failure = systemError("cannot rename the snapshot onto", path);
    ::unlink(temp.c_str());
    return failure;
  }
  // The rename itself is durable only once the directory entry is on disk.
  std::string directory = directoryOf(path);
  int dirFd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirFd >= 0) {
    fsyncRetrying(dirFd);
    ::close(dirFd);
  }
  return std::nullopt;
}

}  // namespace shapevm
