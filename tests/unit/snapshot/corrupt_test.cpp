// Malformed, corrupt and hostile snapshots are rejected with status 3 and a
// message naming the file and what is wrong; none crashes or runs anything.
#include <regex>

#include "snapshot/snapshot_reader.h"
#include "snapshot_support.h"

namespace shapevm::test {
namespace {

const char* const kSmall = R"(
function mk() {
  var c = 0
  return || {
    c = c + 1
    return c
  }
}
let f = mk()
let items = [1, "a"]
let m = {"a": 1, "b": 2}
items.push(f())
try {
  suspend()
} catch e {
  print("caught", e)
}
print(items, f())
)";

struct Fixture {
  TempDir dir;
  Programs programs{{{"small.shape", kSmall}}};
  std::string snap = dir.file("small.snap.json");
  std::string text;

  Fixture() {
    RunResult first = startProgram(programs, "small.shape", snap);
    REQUIRE(first.outcome.status == RunStatus::Suspended);
    text = readFile(snap);
  }

  // Writes `edited` and returns the BadInput message of resuming it.
  std::string rejected(const std::string& edited) {
    writeFile(snap, edited);
    std::string message = resumeFailure(programs, snap, ResumeFailure::BadInput);
    CHECK(message.find(snap) != std::string::npos);  // names the file
    return message;
  }
};

// Replaces the first match of `pattern` with `replacement` and fixes the checksum.
std::string editRegex(const std::string& text, const std::string& pattern,
                      const std::string& replacement) {
  std::regex re(pattern);
  INFO("pattern " << pattern);
  REQUIRE(std::regex_search(text, re));
  return fixChecksum(
      std::regex_replace(text, re, replacement, std::regex_constants::format_first_only));
}

TEST_CASE("the unedited snapshot resumes", "[snapshot][corrupt]") {
  Fixture fx;
  RunResult rest = resumeAndRun(fx.programs, fx.snap);
  CHECK(rest.outcome.status == RunStatus::Finished);
  CHECK(rest.output == "[1, \"a\", 1] 2\n");
  CHECK_FALSE(verifySnapshotFile(fx.snap, fx.programs.loader()));
}

TEST_CASE("every truncation of a snapshot is rejected", "[snapshot][corrupt]") {
  Fixture fx;
  for (std::size_t length = 0; length < fx.text.size(); ++length) {
    INFO("truncated to " << length << " bytes");
    REQUIRE_FALSE(parseSnapshot(std::string_view(fx.text).substr(0, length), "t.json").ok());
  }
  CHECK(parseSnapshot(fx.text, "t.json").ok());
}

TEST_CASE("a flipped byte anywhere is rejected", "[snapshot][corrupt]") {
  Fixture fx;
  for (std::size_t at = 0; at < fx.text.size(); ++at) {
    for (unsigned char mask : {0x01, 0x20, 0x80}) {
      std::string flipped = fx.text;
      flipped[at] = static_cast<char>(flipped[at] ^ mask);
      INFO("byte " << at << " ^ " << int(mask));
      Result<SnapshotData> read = parseSnapshot(flipped, "t.json");
      REQUIRE_FALSE(read.ok());
    }
  }
  std::string body = fx.text;
  body[body.size() / 2] ^= 1;
  std::string message = fx.rejected(body);
  CHECK(message.find("checksum mismatch") != std::string::npos);
}

TEST_CASE("a newer format version is named", "[snapshot][corrupt]") {
  Fixture fx;
  std::string newer = fx.text;
  std::string current = "\"version\": " + std::to_string(kSnapshotVersion);
  std::string next = std::to_string(kSnapshotVersion + 1);
  newer.replace(newer.find(current), current.size(), "\"version\": " + next);
  CHECK(fx.rejected(newer).find("unsupported snapshot version " + next) != std::string::npos);
  CHECK(fx.rejected("").find("empty") != std::string::npos);
  CHECK(fx.rejected("{\"state\": 1}").find("not a shapevm snapshot") != std::string::npos);
}

TEST_CASE("hostile content behind a valid checksum is rejected", "[snapshot][corrupt]") {
  Fixture fx;
  // The entry function's frame: the only one, so its ip is the top frame's.
  Program program = compileOrFail(kSmall);
  const Function& entry = program.functions[program.entry];
  uint32_t twoWord = 0;
  for (uint32_t at = 0; at < entry.code.size(); at += instrWords(instrOp(entry.code[at]))) {
    if (instrWords(instrOp(entry.code[at])) == 2) twoWord = at;
  }
  REQUIRE(twoWord > 0);
  std::string framePrefix = R"re(("function": "<main>", "id": \d+, "hash": "[0-9a-f]+", ))re";

  SECTION("ip inside an instruction") {
    std::string message = fx.rejected(editRegex(fx.text, framePrefix + R"("ip": \d+)",
                                                "$1\"ip\": " + std::to_string(twoWord + 1)));
    CHECK(message.find("inside an instruction") != std::string::npos);
  }
  SECTION("ip out of range") {
    std::string message =
        fx.rejected(editRegex(fx.text, framePrefix + R"("ip": \d+)", "$1\"ip\": 100000"));
    CHECK(message.find("outside the function") != std::string::npos);
  }
  SECTION("ip at another instruction boundary, where the stack depth differs") {
    std::string message =
        fx.rejected(editRegex(fx.text, framePrefix + R"("ip": \d+)", "$1\"ip\": 0"));
    CHECK(message.find("expects") != std::string::npos);
  }
  SECTION("base pointer moved") {
    std::string message = fx.rejected(editRegex(fx.text, R"("base": 1,)", "\"base\": 2,"));
    CHECK(message.find("base 2 should be 1") != std::string::npos);
  }
  SECTION("an extra stack slot") {
    std::string message =
        fx.rejected(editSnapshot(fx.text, "\"stack\": [\n", "\"stack\": [\n  7,\n"));
    CHECK(message.find("the stack holds") != std::string::npos);
  }
  SECTION("reference past the last object") {
    std::string message = fx.rejected(editRegex(fx.text, R"(\{"ref": \d+\})", "{\"ref\": 99999}"));
    CHECK(message.find("refers to object 99999") != std::string::npos);
    CHECK(message.find("state.") != std::string::npos);  // names the JSON path
  }
  SECTION("closure upvalue that is not an upvalue") {
    std::string message =
        fx.rejected(editRegex(fx.text, R"("upvalues": \[\d+\])", "\"upvalues\": [0]"));
    CHECK(message.find("where a upvalue is required") != std::string::npos);
  }
  SECTION("a map key that cannot be a key") {
    std::string message =
        fx.rejected(editRegex(fx.text, R"(\[\{"ref": (\d+)\}, 1\])", "[{\"ref\": 0}, 1]"));
    CHECK(message.find("cannot be a map key") != std::string::npos);
  }
  SECTION("the same map key twice") {
    std::string message =
        fx.rejected(editSnapshot(fx.text, "{\"string\": \"b\"}", "{\"string\": \"a\"}"));
    CHECK(message.find("twice") != std::string::npos);
  }
  SECTION("handler catching in the middle of an instruction") {
    std::string message = fx.rejected(
        editRegex(fx.text, R"("catch": \d+)", "\"catch\": " + std::to_string(twoWord + 1)));
    CHECK(message.find("catch target") != std::string::npos);
  }
  SECTION("handler with the wrong stack size") {
    std::string message =
        fx.rejected(editRegex(fx.text, R"("stack_size": \d+)", "\"stack_size\": 1"));
    CHECK(message.find("stack_size 1 should be") != std::string::npos);
  }
  SECTION("handler of a frame that does not exist") {
    std::string message = fx.rejected(editRegex(fx.text, R"("frame": 0)", "\"frame\": 7"));
    CHECK(message.find("frame 7 does not exist") != std::string::npos);
  }
  SECTION("huge numbers") {
    CHECK(fx.rejected(editRegex(fx.text, R"("capacity": \d+)", "\"capacity\": 1099511627776"))
              .find("too large") != std::string::npos);
    CHECK(fx.rejected(editRegex(fx.text, R"("base": 1,)", "\"base\": 18446744073709551615,"))
              .find("too large") != std::string::npos);
    CHECK(fx.rejected(editRegex(fx.text, R"("total_steps": \d+)", "\"total_steps\": 1e400"))
              .find("state.total_steps") != std::string::npos);
    std::string bigInt = fx.rejected(editRegex(fx.text, R"(\[1, )", "[99999999999999999999999, "));
    CHECK(bigInt.find("state.objects[1].array[0]: expected a number") != std::string::npos);
  }
  SECTION("capacity that is not a power of two") {
    CHECK(fx.rejected(editRegex(fx.text, R"("capacity": \d+)", "\"capacity\": 12"))
              .find("power of two") != std::string::npos);
  }
  SECTION("wrong types") {
    CHECK(fx.rejected(editRegex(fx.text, R"("total_steps": \d+)", "\"total_steps\": \"12\""))
              .find("expected a non-negative integer") != std::string::npos);
    CHECK(fx.rejected(editRegex(fx.text, R"("rng": \[)", "\"rng\": {")).find("state.rng") !=
          std::string::npos);
    CHECK(fx.rejected(editRegex(fx.text, R"(\{"string": "a"\})", "{\"string\": 5}"))
              .find("expected a string") != std::string::npos);
    CHECK(fx.rejected(editRegex(fx.text, R"(\{"string": "a"\})", "{\"array\": [], \"slot\": 1}"))
              .find("malformed array") != std::string::npos);
  }
  SECTION("a missing member") {
    CHECK(fx.rejected(editRegex(fx.text, R"("stdin": "",)", "")).find("missing member \"stdin\"") !=
          std::string::npos);
  }
  SECTION("deep nesting") {
    std::string deep(100000, '[');
    CHECK_FALSE(fx.rejected(editRegex(fx.text, R"("args": \[\])", "\"args\": " + deep)).empty());
  }
  SECTION("open upvalue missing from the open list") {
    // Declaring the open upvalue closed but keeping its slot is malformed.
    std::string message = fx.rejected(editRegex(fx.text, R"("upvalue": "closed", "value": [^}]*\})",
                                                "\"upvalue\": \"open\", \"slot\": 0}"));
    CHECK(message.find("open_upvalues") != std::string::npos);
  }
  SECTION("unknown built-in") {
    CHECK(fx.rejected(editRegex(fx.text, R"(\{"ref": \d+\})", "{\"native\": \"launch_missiles\"}"))
              .find("unknown built-in") != std::string::npos);
  }
  SECTION("trailing content") {
    CHECK(fx.rejected(fixChecksum(fx.text + "{}")).find("after the snapshot") != std::string::npos);
  }
}

TEST_CASE("a version 1 snapshot's changed program is refused without --program",
          "[snapshot][corrupt]") {
  Fixture fx;
  // Version 1 snapshots do not carry their program, so they reload its file.
  writeFile(fx.snap, asVersion1(fx.text));
  fx.programs.sources["small.shape"] = std::string(kSmall) + "print(\"more\")\n";
  std::string message = resumeFailure(fx.programs, fx.snap, ResumeFailure::BadInput);
  CHECK(message.find("has changed since the snapshot was taken") != std::string::npos);
  CHECK(verifySnapshotFile(fx.snap, fx.programs.loader()));
}

TEST_CASE("inspect summarizes a snapshot", "[snapshot][inspect]") {
  Fixture fx;
  Result<std::string> summary = inspectSnapshot(fx.snap);
  REQUIRE(summary.ok());
  CHECK(summary.value().find("status:   suspended (suspend_call)") != std::string::npos);
  CHECK(summary.value().find("<main> (line 14)") != std::string::npos);
  CHECK(summary.value().find("items = <array of 3>") != std::string::npos);
  CHECK(summary.value().find("1 closures") != std::string::npos);
  writeFile(fx.snap, fx.text.substr(0, 100));
  CHECK_FALSE(inspectSnapshot(fx.snap).ok());
}

}  // namespace
}  // namespace shapevm::test
