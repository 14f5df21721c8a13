// Reading a snapshot file with its digest made alongside (see body_digest.h).
// A large file is read in 4 MiB chunks, at 2 MiB boundaries so that each
// takes the page faults of its own huge pages, by two threads at once, each
// taking the next chunk when free. This thread also digests the chunks in
// order as they arrive (the checksum is one sequential pass), and reads a
// chunk itself only when the next one to digest has not arrived: so the
// other thread reads most of the file, and neither waits long for the other
// (docs/design.md, "What each snapshot optimisation bought"). The UTF-8 check
// of a chunk stops short of a character cut by the chunk's end and takes it
// up with the next.
#include "snapshot/body_digest.h"

#include <simdjson.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <new>
#include <thread>

#include "core/huge_pages.h"
#include "core/run_beside.h"

namespace shapevm {

namespace {

constexpr std::size_t kReadChunk = std::size_t{4} << 20;
// A file smaller than two chunks is read, then digested, on this thread: a
// second one would cost more to start than it saves.
constexpr std::size_t kMinBytesOnTwoThreads = 2 * kReadChunk;

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

// Reads [from, to) of the file into the same place in `buffer`. Returns the
// end reached (short of `to` if the file shrank meanwhile), or nullopt with
// errno set if a read failed.
std::optional<std::size_t> readRange(int fd, char* buffer, std::size_t from, std::size_t to) {
  populateForWriting(buffer + from, to - from);
  std::size_t at = from;
  while (at < to) {
    ssize_t n = ::pread(fd, buffer + at, to - at, static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;  // the file shrank meanwhile: the checksum will tell
    at += static_cast<std::size_t>(n);
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
    std::optional<std::size_t> got = readRange(fd, buffer, 0, size);
    if (!got) return std::nullopt;
    digester.advance(*got, true);
    *digest = digester.result();
    return got;
  }
  std::size_t chunks = (size + kReadChunk - 1) / kReadChunk;
  auto chunkEnd = [&](std::size_t chunk) { return std::min(size, (chunk + 1) * kReadChunk); };
  // Per chunk: where its read ended once read (kUnread before, kFailed if a
  // read failed).
  constexpr std::size_t kUnread = SIZE_MAX, kFailed = SIZE_MAX - 1;
  std::unique_ptr<std::atomic<std::size_t>[]> reached(new std::atomic<std::size_t>[chunks]);
  for (std::size_t chunk = 0; chunk < chunks; ++chunk) reached[chunk].store(kUnread);
  std::atomic<std::size_t> nextChunk{0};
  std::atomic<int> readError{0};
  auto readNext = [&] {
    std::size_t chunk = nextChunk.fetch_add(1, std::memory_order_relaxed);
    if (chunk >= chunks) return false;
    std::optional<std::size_t> end = readRange(fd, buffer, chunk * kReadChunk, chunkEnd(chunk));
    if (!end) readError.store(errno, std::memory_order_relaxed);
    reached[chunk].store(end ? *end : kFailed, std::memory_order_release);
    return true;
  };
  std::size_t got = 0;
  bool failed = false;
  runBeside(
      [&] {
        while (readNext()) {
        }
      },
      [&] {
        // Digests chunk after chunk, up to the first that a failed read or
        // the file's end (it shrank meanwhile) cut short.
        for (std::size_t chunk = 0; chunk < chunks;) {
          std::size_t end = reached[chunk].load(std::memory_order_acquire);
          if (end == kUnread) {
            if (!readNext()) std::this_thread::yield();  // the other thread has it
            continue;
          }
          if (end == kFailed) {
            failed = true;
            return;
          }
          digester.advance(end, false);
          got = end;
          if (end < chunkEnd(chunk)) return;
          ++chunk;
        }
      });
  if (failed) {
    errno = readError.load();
    return std::nullopt;
  }
  digester.advance(got, true);
  *digest = digester.result();
  return got;
}

}  // namespace shapevm
