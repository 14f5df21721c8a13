// The writer's shortcuts for text (json_text.h) and floats write exactly the
// bytes of the general encoding they stand in for.
#include <fmt/format.h>

#include <cmath>

#include "snapshot_support.h"

namespace shapevm::test {
namespace {

TEST_CASE("plain text is exactly the text appendText copies between quotes", "[snapshot][text]") {
  // Every special byte at every position of strings around the 8-byte step.
  for (std::size_t length = 0; length <= 20; ++length) {
    std::string plain(length, 'a');
    for (std::size_t i = 0; i < length; ++i) plain[i] = static_cast<char>('!' + (i * 7) % 90);
    for (int special : {-1, 0x00, 0x01, 0x1f, 0x22, 0x5c, 0x7f, 0x80, 0xc3, 0xff, 0x20, 0x7e}) {
      for (std::size_t at = 0; at < std::max<std::size_t>(length, 1); ++at) {
        std::string bytes = plain;
        if (special >= 0 && length > 0) bytes[at] = static_cast<char>(special);
        std::string encoded;
        appendText(encoded, bytes);
        INFO("length " << length << " byte " << special << " at " << at);
        CHECK(isPlainText(bytes) == (encoded == "\"" + bytes + "\""));
      }
    }
  }
}

TEST_CASE("floats are written in fmt's shortest form", "[snapshot][text]") {
  TempDir dir;
  Programs programs{{{"f.shape", R"(
let keep = [0.0, -0.0, 0.5, -0.5, 2.5, 10.25, 0.001, 0.05, -0.125, 123.456, 1.0 / 3.0,
  0.1 + 0.2, 100000.0, 999999999999999.0, 1000000000000000.0, 99999999999999.9,
  12345678901.234, 0.0001, 1.0 / 1024.0, 1.5 * 1000000000000000000000.0, -7.0]
suspend()
print(len(keep))
)"}}};
  std::string snap = dir.file("f.snap.json");
  RunResult run = startProgram(programs, "f.shape", snap, std::nullopt, {});
  REQUIRE(run.outcome.status == RunStatus::Suspended);
  std::string text = readFile(snap);
  std::string expected = "{\"array\": [";
  for (double x : {0.0,
                   -0.0,
                   0.5,
                   -0.5,
                   2.5,
                   10.25,
                   0.001,
                   0.05,
                   -0.125,
                   123.456,
                   1.0 / 3.0,
                   0.1 + 0.2,
                   100000.0,
                   999999999999999.0,
                   1000000000000000.0,
                   99999999999999.9,
                   12345678901.234,
                   0.0001,
                   1.0 / 1024.0,
                   1.5e21,
                   -7.0}) {
    std::string digits = fmt::format("{}", x);
    if (digits.find_first_of(".e") == std::string::npos) digits += ".0";
    expected += (expected.back() == '[' ? "" : ", ") + digits;
  }
  expected += "]}";
  CHECK_THAT(text, Catch::Matchers::Contains(expected));
}

}  // namespace
}  // namespace shapevm::test
