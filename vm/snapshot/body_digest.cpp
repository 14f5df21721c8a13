// Reading a snapshot file with its digest made alongside (see body_digest.h).
// A large file is read by two threads at once, each into its own half of the
// buffer, split at a 2 MiB boundary so that each takes the page faults of its
// own huge pages: under this machine's hypervisor the first touch of memory
// the host has taken back costs far more than the copy (docs/design.md, "What
// each snapshot optimisation bought"). This thread digests its half chunk by
// chunk as it arrives; the other checks the UTF-8 of its half once read, and
// this thread then hashes it. The UTF-8 check of a chunk stops short of a
// character cut by the chunk's end and takes it up with the next.
#include "snapshot/body_digest.h"

#include <simdjson.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

#include "core/huge_pages.h"
#include "core/run_beside.h"

namespace shapevm {

namespace {

constexpr std::size_t kReadChunk = std::size_t{4} << 20;
// A file smaller than two chunks is read, then digested, on this thread: a
// second one would cost more to start than it saves.
constexpr std::size_t kMinBytesOnTwoThreads = 2 * kReadChunk;

bool isContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Where the check of [from, end) must stop so as not to split a character:
// before a lead byte among the last three whose character needs more bytes
// than have arrived. (A character is at most four bytes; a longer run of
// continuation bytes is invalid wherever the cut falls.)
std::size_t completeCharactersEnd(const char* text, std::size_t from, std::size_t end) {
  for (std::size_t back = 1; back <= 3 && back <= end - from; ++back) {
    auto c = static_cast<unsigned char>(text[end - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte
    std::size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return length > back ? end - back : end;
  }
  return end;
}

// Reads [from, to) of the file into the same place in `buffer`, `each(end)`
// called after every chunk with the end of what has arrived. Returns the end
// reached (short of `to` if the file shrank meanwhile), or nullopt with errno
// set if a read failed.
template <typename Each>
std::optional<std::size_t> readRange(int fd, char* buffer, std::size_t from, std::size_t to,
                                     Each&& each) {
  std::size_t at = from;
  while (at < to) {
    std::size_t chunk = std::min(kReadChunk, to - at);
    populateForWriting(buffer + at, chunk);
    ssize_t n = ::pread(fd, buffer + at, chunk, static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;  // the file shrank meanwhile: the checksum will tell
    at += static_cast<std::size_t>(n);
    each(at);
  }
  return at;
}

class Digester {
 public:
  explicit Digester(const char* text) : text_(text), state_(XXH3_createState()) {
    if (state_ == nullptr) throw std::bad_alloc();
    XXH3_64bits_reset(state_);
  }
  ~Digester() { XXH3_freeState(state_); }
  Digester(const Digester&) = delete;
  Digester& operator=(const Digester&) = delete;

  // Takes in the text up to `available`: to its very end if `last`.
  void advance(std::size_t available, bool last) {
    if (!digest_.complete) {
      const void* newline = std::memchr(text_ + searched_, '\n', available - searched_);
      searched_ = available;
      if (newline == nullptr) return;
      digest_.complete = true;
      digest_.bodyAt = static_cast<std::size_t>(static_cast<const char*>(newline) - text_) + 1;
      hashed_ = checked_ = digest_.bodyAt;
      valid_ = true;
    }
    if (available > hashed_) XXH3_64bits_update(state_, text_ + hashed_, available - hashed_);
    hashed_ = available;
    check(last ? available : completeCharactersEnd(text_, checked_, available));
  }
  // Takes in the text up to `end`, the UTF-8 of [from, end) having been found
  // valid or not (`restValid`) by another thread, `from` being the start of a
  // character at most three bytes past what advance() has seen. Only once the
  // body has begun: false, with nothing done, otherwise.
  bool finish(std::size_t from, std::size_t end, bool restValid) {
    if (!digest_.complete || from < hashed_) return false;
    check(from);
    valid_ = valid_ && restValid;
    checked_ = end;
    XXH3_64bits_update(state_, text_ + hashed_, end - hashed_);
    hashed_ = end;
    return true;
  }
  BodyDigest result() const {
    BodyDigest digest = digest_;
    if (digest.complete) {
      digest.hash = XXH3_64bits_digest(state_);
      digest.utf8 = valid_;
    }
    return digest;
  }

 private:
  // The UTF-8 check taken on to `end`.
  void check(std::size_t end) {
    if (end <= checked_) return;
    valid_ = valid_ && simdjson::validate_utf8(text_ + checked_, end - checked_);
    checked_ = end;
  }

  const char* text_;
  XXH3_state_t* state_;
  BodyDigest digest_;
  std::size_t searched_ = 0;  // no '\n' before this
  std::size_t hashed_ = 0;
  std::size_t checked_ = 0;  // valid UTF-8 from bodyAt to here, if valid_
  bool valid_ = false;
};

}  // namespace

std::optional<std::size_t> readDigesting(int fd, char* buffer, std::size_t size,
                                         BodyDigest* digest) {
  Digester digester(buffer);
  if (size < kMinBytesOnTwoThreads) {
    std::optional<std::size_t> got = readRange(fd, buffer, 0, size, [](std::size_t) {});
    if (!got) return std::nullopt;
    digester.advance(*got, true);
    *digest = digester.result();
    return got;
  }
  std::size_t half = alignDownToHugePage(size / 2);
  // The second half: read, then its UTF-8 checked from its first character on.
  std::optional<std::size_t> secondEnd;
  int secondError = 0;
  std::size_t secondFrom = half;
  bool secondValid = false;
  auto readSecond = [&] {
    secondEnd = readRange(fd, buffer, half, size, [](std::size_t) {});
    if (!secondEnd) {
      secondError = errno;
      return;
    }
    while (secondFrom < *secondEnd && secondFrom < half + 3 && isContinuation(buffer[secondFrom])) {
      ++secondFrom;
    }
    secondValid = simdjson::validate_utf8(buffer + secondFrom, *secondEnd - secondFrom);
  };
  std::optional<std::size_t> firstEnd;
  int firstError = 0;
  runBeside(readSecond, [&] {
    firstEnd =
        readRange(fd, buffer, 0, half, [&](std::size_t end) { digester.advance(end, false); });
    if (!firstEnd) firstError = errno;
  });
  if (!firstEnd || !secondEnd) {
    errno = !firstEnd ? firstError : secondError;
    return std::nullopt;
  }
  // Short of the middle, the file shrank: what the second half holds is not
  // its text.
  std::size_t got = *firstEnd < half ? *firstEnd : *secondEnd;
  if (got <= half || !digester.finish(secondFrom, got, secondValid)) digester.advance(got, true);
  *digest = digester.result();
  return got;
}

}  // namespace shapevm
