// A snapshot carries its program (docs/snapshot-format.md, "program"), so it
// resumes and verifies when the program file is gone or edited; the embedded
// code is untrusted input: it is read and verified like any .sbc and must
// have the recorded hash, or the snapshot is refused with status 3.
#include <regex>

#include "snapshot_support.h"

namespace shapevm::test {
namespace {

const char* const kJob = R"(
type Tally { name, count }
function bump(t) {
  t.count = t.count + 1
  return t.count
}
let t = Tally { name: "jobs", count: 0 }
for i in 0..5 {
  bump(t)
  if i == 2 { suspend() }
}
print(t.name, t.count)
)";

struct Fixture {
  TempDir dir;
  Programs programs{{{"job.shape", kJob}}};
  std::string snap = dir.file("job.snap.json");
  std::string text;

  Fixture() {
    RunResult first = startProgram(programs, "job.shape", snap);
    REQUIRE(first.outcome.status == RunStatus::Suspended);
    text = readFile(snap);
  }

  // The embedded program's base64 text, as written.
  std::string code() const {
    std::smatch match;
    REQUIRE(std::regex_search(text, match, std::regex(R"re("code": "([A-Za-z0-9+/=]+)")re")));
    return match[1].str();
  }

  std::string withCode(const std::string& replacement) const {
    return editSnapshot(text, "\"code\": \"" + code() + "\"", "\"code\": " + replacement);
  }

  std::string rejected(const std::string& edited) {
    writeFile(snap, edited);
    std::string message = resumeFailure(programs, snap, ResumeFailure::BadInput);
    CHECK(message.find(snap) != std::string::npos);
    CHECK(verifySnapshotFile(snap, programs.loader()));
    return message;
  }
};

TEST_CASE("a snapshot resumes without its program file", "[snapshot][embedded]") {
  Fixture fx;
  fx.programs.sources.clear();  // the file is gone
  CHECK_FALSE(verifySnapshotFile(fx.snap, fx.programs.loader()));
  RunResult rest = resumeAndRun(fx.programs, fx.snap);
  CHECK(rest.outcome.status == RunStatus::Finished);
  CHECK(rest.output == "jobs 5\n");
}

TEST_CASE("a snapshot resumes in its own code when the program file was edited",
          "[snapshot][embedded]") {
  Fixture fx;
  fx.programs.sources["job.shape"] = std::regex_replace(kJob, std::regex("\\+ 1"), "+ 100");
  RunResult rest = resumeAndRun(fx.programs, fx.snap);
  CHECK(rest.outcome.status == RunStatus::Finished);
  CHECK(rest.output == "jobs 5\n");
  // --program still moves the run into the edited file.
  Fixture again;
  again.programs.sources["job.shape"] = fx.programs.sources["job.shape"];
  RunResult moved = resumeAndRun(again.programs, again.snap, "job.shape");
  CHECK(moved.output == "jobs 203\n");
}

TEST_CASE("a snapshot written by a resumed run embeds the program again", "[snapshot][embedded]") {
  Fixture fx;
  const char* const twice = "for i in 0..3 { suspend() }\nprint(\"done\")\n";
  fx.programs.sources["twice.shape"] = twice;
  RunResult first = startProgram(fx.programs, "twice.shape", fx.snap);
  REQUIRE(first.outcome.status == RunStatus::Suspended);
  fx.programs.sources.clear();
  for (int i = 0; i < 3; ++i) {
    RunResult next = resumeAndRun(fx.programs, fx.snap);
    CHECK(next.outcome.status == (i < 2 ? RunStatus::Suspended : RunStatus::Finished));
  }
}

TEST_CASE("embedded code that is not canonical base64 is refused", "[snapshot][embedded]") {
  Fixture fx;
  for (const char* bad : {"\"\"", "\"QUJD\"", "\"@@@@\"", "\"QQ\"", "\"QR==\"", "7"}) {
    INFO(bad);
    CHECK_FALSE(fx.rejected(fx.withCode(bad)).empty());
  }
  CHECK(fx.rejected(fx.withCode("\"QUJD\"")).find("(embedded program)") != std::string::npos);
  CHECK(fx.rejected(fx.withCode("\"@@@@\"")).find("base64") != std::string::npos);
}

TEST_CASE("embedded code the verifier refuses is never run", "[snapshot][embedded]") {
  Fixture fx;
  Program hostile = decodedProgram(fx.code());
  Function& entry = hostile.functions[hostile.entry];
  REQUIRE(instrWords(instrOp(entry.code[0])) == 1);
  entry.code[0] = makeInstr(Op::GetLocal, entry.numLocals + 7);
  std::string message = fx.rejected(fx.withCode(encoded(hostile)));
  CHECK(message.find("(embedded program)") != std::string::npos);
  CHECK(message.find("refers to local") != std::string::npos);
}

TEST_CASE("embedded code that verifies but is not the recorded program is refused",
          "[snapshot][embedded]") {
  Fixture fx;
  Program other = decodedProgram(fx.code());
  // Same shape, another constant: a well-formed program with another hash.
  for (Constant& constant : other.functions[other.entry].constants) {
    if (constant.kind == ConstantKind::String) constant.stringValue += "!";
  }
  std::string message = fx.rejected(fx.withCode(encoded(other)));
  CHECK(message.find("not the recorded") != std::string::npos);
}

TEST_CASE("a version 1 snapshot, without embedded code, resumes from its program file",
          "[snapshot][embedded]") {
  Fixture fx;
  std::string old = asVersion1(fx.text);
  writeFile(fx.snap, old);
  RunResult rest = resumeAndRun(fx.programs, fx.snap);
  CHECK(rest.output == "jobs 5\n");
  writeFile(fx.snap, old);
  fx.programs.sources.clear();
  CHECK(resumeFailure(fx.programs, fx.snap, ResumeFailure::BadInput).find("no such test program") !=
        std::string::npos);
  // A version 1 snapshot cannot carry code.
  CHECK(fx.rejected(editSnapshot(old, "\"path\": ", "\"code\": \"QUJD\", \"path\": "))
            .find("unexpected or repeated member \"code\"") != std::string::npos);
}

TEST_CASE("base64 round-trips every length and refuses every non-canonical form",
          "[snapshot][embedded]") {
  std::vector<uint8_t> bytes;
  for (int length = 0; length < 40; ++length) {
    std::string text;
    appendBase64(text, bytes);
    CHECK(text.size() == static_cast<std::size_t>((length + 2) / 3 * 4));
    std::vector<uint8_t> back;
    REQUIRE(decodeBase64(text, &back));
    CHECK(back == bytes);
    bytes.push_back(static_cast<uint8_t>(length * 37 + 11));
  }
  std::vector<uint8_t> out;
  CHECK(decodeBase64("TWFu", &out));
  CHECK(out == std::vector<uint8_t>{'M', 'a', 'n'});
  for (const char* bad : {"TWF", "TW=u", "T===", "TWE=TWFu", "TWF=", "TR==", "TW\n=", "TWF-"}) {
    INFO(bad);
    CHECK_FALSE(decodeBase64(bad, &out));
  }
}

}  // namespace
}  // namespace shapevm::test
