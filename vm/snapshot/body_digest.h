// Reading a snapshot file together with the checksum and the UTF-8 validity
// of its body (the text after the header line): from 8 MiB on, on two threads,
// one of which checks each chunk as it arrives. Both checks are a pass over
// the whole file, about 12 ms at 100 MB; made one after the other, after the
// read, they held up every large resume, while the second core had nothing to
// do until the heap was decoded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace shapevm {

struct BodyDigest {
  bool complete = false;   // the text has a '\n'; nothing below is set otherwise
  std::size_t bodyAt = 0;  // just past the first '\n'
  uint64_t hash = 0;       // XXH3-64 of the body: the header's checksum
  bool utf8 = false;       // the body is valid UTF-8
};

// Reads up to `size` bytes of `fd` into `buffer` and digests them as they
// arrive. Returns how many bytes were read (fewer if the file shrank
// meanwhile), or nullopt with errno set if a read failed. `digest` is only
// meaningful for a successful read.
std::optional<std::size_t> readDigesting(int fd, char* buffer, std::size_t size,
                                         BodyDigest* digest);

}  // namespace shapevm
