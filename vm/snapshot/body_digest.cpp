// Reading a snapshot file with its digest made alongside (see body_digest.h).
// The file is read in chunks; after each, the count of bytes read is
// published to the digesting thread, which hashes and validates up to it and
// waits for more. The UTF-8 check stops short of a character cut by the end of
// what has arrived and takes it up with the next chunk.
#include "snapshot/body_digest.h"

#include <simdjson.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <new>

#include "core/run_beside.h"

namespace shapevm {

namespace {

// In the count published: the read has finished, and the count is final.
constexpr std::size_t kFinished = std::size_t{1} << 63;
constexpr std::size_t kReadChunk = std::size_t{4} << 20;
// A file smaller than one chunk is read, then digested, on this thread: a
// second one would cost more to start than it saves.
constexpr std::size_t kMinBytesDigestedBeside = kReadChunk;

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
    std::size_t end = last ? available : completeCharactersEnd(text_, checked_, available);
    if (end > checked_) {
      valid_ = valid_ && simdjson::validate_utf8(text_ + checked_, end - checked_);
      checked_ = end;
    }
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
  std::atomic<std::size_t> progress{0};
  std::size_t got = 0;
  int readError = 0;
  auto digestAll = [&] {
    std::size_t seen = 0;
    while (true) {
      std::size_t published = progress.load(std::memory_order_acquire);
      std::size_t available = published & ~kFinished;
      bool last = (published & kFinished) != 0;
      if (available > seen || last) digester.advance(available, last);
      seen = available;
      if (last) return;
      progress.wait(published, std::memory_order_acquire);
    }
  };
  auto readAll = [&] {
    // The digesting thread waits for kFinished, whatever happens here.
    struct Finish {
      std::atomic<std::size_t>& progress;
      const std::size_t& got;
      ~Finish() {
        progress.store(got | kFinished, std::memory_order_release);
        progress.notify_one();
      }
    } finish{progress, got};
    while (got < size) {
      ssize_t n = ::read(fd, buffer + got, std::min(kReadChunk, size - got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        readError = errno;
        return;
      }
      if (n == 0) return;  // the file shrank meanwhile: the checksum will tell
      got += static_cast<std::size_t>(n);
      progress.store(got, std::memory_order_release);
      progress.notify_one();
    }
  };
  if (size >= kMinBytesDigestedBeside) {
    runBeside(digestAll, readAll);
  } else {
    readAll();
    digestAll();  // finds the read finished, and digests it all at once
  }
  if (readError != 0) {
    errno = readError;
    return std::nullopt;
  }
  *digest = digester.result();
  return got;
}

}  // namespace shapevm
