// Reading a file while digesting it (body_digest.h): the hash is that of the
// body in one piece, and the UTF-8 verdict is right wherever a character
// falls across the chunks the file is read in (4 MiB, shared out between two
// threads), and wherever a bad byte is.
#include "snapshot/body_digest.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include "snapshot_support.h"

namespace shapevm::test {
namespace {

BodyDigest digestOf(const std::string& path, std::size_t* got) {
  int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  std::string buffer(static_cast<std::size_t>(::lseek(fd, 0, SEEK_END)), '\0');
  ::lseek(fd, 0, SEEK_SET);
  BodyDigest digest;
  std::optional<std::size_t> read = readDigesting(fd, buffer.data(), buffer.size(), &digest);
  ::close(fd);
  REQUIRE(read);
  *got = *read;
  return digest;
}

constexpr std::size_t kChunk = std::size_t{4} << 20;

TEST_CASE("a file's digest is its body's hash and UTF-8 verdict across chunks", "[snapshot]") {
  TempDir dir;
  std::string path = dir.file("text");
  const std::string header = "header line\n";
  const std::string fourBytes = "\xF0\x9F\x98\x80";  // U+1F600
  // The character starts 1, 2 or 3 bytes before a chunk ends, or on its end.
  for (std::size_t before : {0, 1, 2, 3}) {
    std::string text = header + std::string(kChunk - header.size() - before, 'a') + fourBytes +
                       std::string(kChunk, 'b') + "\xC3\xA9";
    writeFile(path, text);
    std::size_t got = 0;
    BodyDigest digest = digestOf(path, &got);
    CHECK(got == text.size());
    REQUIRE(digest.complete);
    CHECK(digest.bodyAt == header.size());
    CHECK(digest.hash == XXH3_64bits(text.data() + header.size(), text.size() - header.size()));
    CHECK(digest.utf8);
    // A bad byte in the body is found, at the chunk's edge or at the end.
    for (std::size_t at : {kChunk - 1, kChunk, text.size() - 1}) {
      std::string bad = text;
      bad[at] = '\xFF';
      writeFile(path, bad);
      CHECK_FALSE(digestOf(path, &got).utf8);
    }
    // A character cut off by the end of the file.
    writeFile(path, text.substr(0, text.size() - 1));
    CHECK_FALSE(digestOf(path, &got).utf8);
  }
  std::size_t got = 0;
  // Continuation bytes at the middle, more than any character has.
  std::string runOn = header + std::string(kChunk - header.size() - 1, 'a') + "\xC3" +
                      std::string(4, '\x80') + std::string(kChunk, 'b');
  writeFile(path, runOn);
  CHECK_FALSE(digestOf(path, &got).utf8);
  runOn.replace(kChunk + 1, 3, "bbb");  // one continuation byte: a whole character
  writeFile(path, runOn);
  CHECK(digestOf(path, &got).utf8);
  // A header line that ends in the second half: the body starts there.
  std::string longHeader = std::string(kChunk + 100, 'h') + "\n" + std::string(kChunk, 'c');
  writeFile(path, longHeader);
  BodyDigest late = digestOf(path, &got);
  CHECK(got == longHeader.size());
  REQUIRE(late.complete);
  CHECK(late.bodyAt == kChunk + 101);
  CHECK(late.hash == XXH3_64bits(longHeader.data() + kChunk + 101, kChunk));
  CHECK(late.utf8);
  writeFile(path, "no newline at all");
  CHECK_FALSE(digestOf(path, &got).complete);
  CHECK(got == 17);
}

}  // namespace
}  // namespace shapevm::test
