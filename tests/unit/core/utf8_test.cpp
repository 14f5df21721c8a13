// isValidUtf8 (core/utf8.h): the snapshot writer's choice between a JSON
// string and the bytes form rests on it, so every malformed sequence must be
// caught wherever it sits relative to the eight-byte ASCII steps.
#include "core/utf8.h"

#include <catch2/catch.hpp>
#include <string>

using shapevm::isValidUtf8;

TEST_CASE("utf8: well-formed text of every sequence length", "[utf8]") {
  CHECK(isValidUtf8(""));
  CHECK(isValidUtf8("plain ascii text, longer than one word"));
  CHECK(isValidUtf8("caf\xc3\xa9"));       // U+00E9
  CHECK(isValidUtf8("\xe2\x82\xac 12"));   // U+20AC
  CHECK(isValidUtf8("\xf0\x9f\x98\x80"));  // U+1F600
  CHECK(isValidUtf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF, the last
  CHECK(isValidUtf8(std::string("nul \0 inside", 12)));
}

TEST_CASE("utf8: malformed sequences are rejected", "[utf8]") {
  CHECK_FALSE(isValidUtf8("\x80"));              // lone continuation
  CHECK_FALSE(isValidUtf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(isValidUtf8("\xe0\x80\xaf"));      // overlong, 3 bytes
  CHECK_FALSE(isValidUtf8("\xed\xa0\x80"));      // surrogate U+D800
  CHECK_FALSE(isValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(isValidUtf8("\xf5\x80\x80\x80"));  // invalid lead byte
  CHECK_FALSE(isValidUtf8("\xe2\x82"));          // truncated at the end
  CHECK_FALSE(isValidUtf8("\xe2\x28\xa1"));      // bad continuation
}

TEST_CASE("utf8: a bad byte is found at every offset around the word steps", "[utf8]") {
  for (std::size_t length = 1; length <= 40; ++length) {
    for (std::size_t at = 0; at < length; ++at) {
      std::string text(length, 'a');
      CHECK(isValidUtf8(text));
      text[at] = '\xff';
      INFO("length " << length << ", bad byte at " << at);
      CHECK_FALSE(isValidUtf8(text));
      if (at + 1 < length) {
        text[at] = '\xc3';  // a two-byte sequence ending at at + 1
        text[at + 1] = '\xa9';
        CHECK(isValidUtf8(text));
      }
    }
  }
}
