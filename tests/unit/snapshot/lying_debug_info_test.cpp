// A snapshot's embedded program is untrusted, and its debug information is
// not covered by the program hash: a snapshot can carry code that verifies
// and has the recorded hash, with statements and locals that lie. Relocating
// it into a new program (`resume --program NEW`) must then either be refused
// (status 3 or 4) or move the frame to a place where every check of restore
// holds, so that the resumed run may compute nonsense but never crashes or
// touches memory it does not own (this test runs under ASan and UBSan).
#include <regex>

#include "snapshot_support.h"

namespace shapevm::test {
namespace {

// `work` is suspended in its loop with locals of every kind (ints, a string,
// an array, a record, the hidden state of a range loop and of a collection
// loop); the new program changes its last line, so its frame is remapped
// using the debug information of both versions.
const char* const kOld = R"(
type Item { name, value }
function work(items, scale) {
  var total = 0
  var label = "sum"
  let seen = []
  for i in 0..len(items) {
    let item = items[i]
    for ch in item.name { seen.push(ch) }
    total = total + item.value * scale
    if i == 2 { suspend() }
  }
  return label + ": " + str(total) + " " + str(len(seen))
}
let items = [Item { name: "ab", value: 1 }, Item { name: "c", value: 2 },
             Item { name: "de", value: 3 }, Item { name: "f", value: 4 }]
print(work(items, 2))
)";

std::string newProgram() {
  return std::regex_replace(kOld, std::regex("\": \" \\+ str\\(total\\)"), "\" = \" + str(total)");
}

struct Mutation {
  std::string what;
  Program program;
};

// Every lie tried: local names swapped, a local moved to another slot or
// made live everywhere, and statements given another statement's range.
std::vector<Mutation> lies(const Program& honest, uint32_t function) {
  std::vector<Mutation> out;
  const Function& f = honest.functions[function];
  for (std::size_t a = 0; a < f.locals.size(); ++a) {
    for (std::size_t b = a + 1; b < f.locals.size(); ++b) {
      if (f.locals[a].name == f.locals[b].name) continue;
      Mutation m{"swap the names of " + f.locals[a].name + " and " + f.locals[b].name, honest};
      std::swap(m.program.functions[function].locals[a].name,
                m.program.functions[function].locals[b].name);
      out.push_back(std::move(m));
    }
    // To the next slot, and to the first: a parameter's.
    for (uint32_t slot : {(f.locals[a].slot + 1) % f.numLocals, 0u}) {
      if (slot == f.locals[a].slot) continue;
      Mutation m{"move " + f.locals[a].name + " to slot " + std::to_string(slot), honest};
      m.program.functions[function].locals[a].slot = slot;
      out.push_back(std::move(m));
    }
    Mutation everywhere{f.locals[a].name + " live over the whole function", honest};
    everywhere.program.functions[function].locals[a].start = 0;
    everywhere.program.functions[function].locals[a].end = static_cast<uint32_t>(f.code.size());
    out.push_back(std::move(everywhere));
  }
  for (std::size_t s = 0; s < f.statements.size(); ++s) {
    for (std::size_t t = 0; t < f.statements.size(); ++t) {
      if (s == t) continue;
      Mutation m{
          "statement " + std::to_string(s) + " covers statement " + std::to_string(t) + "'s code",
          honest};
      StatementInfo& statement = m.program.functions[function].statements[s];
      statement.start = f.statements[t].start;
      statement.end = f.statements[t].end;
      out.push_back(std::move(m));
    }
  }
  return out;
}

TEST_CASE("lying debug information in a snapshot never runs unsafely", "[snapshot][hostile]") {
  TempDir dir;
  Programs programs{{{"job.shape", kOld}}};
  std::string snap = dir.file("job.snap.json");
  RunResult first = startProgram(programs, "job.shape", snap);
  REQUIRE(first.outcome.status == RunStatus::Suspended);
  const std::string text = readFile(snap);
  std::smatch match;
  REQUIRE(std::regex_search(text, match, std::regex(R"re("code": "([A-Za-z0-9+/=]+)")re")));
  const std::string code = match[1].str();
  const Program honest = decodedProgram(code);
  int work = honest.findFunction("work");
  REQUIRE(work >= 0);
  REQUIRE(!honest.functions[work].locals.empty());
  REQUIRE(!honest.functions[work].statements.empty());
  programs.sources["new.shape"] = newProgram();

  // The honest snapshot moves into the new program.
  RunResult moved = resumeAndRun(programs, snap, "new.shape");
  CHECK(moved.outcome.status == RunStatus::Finished);
  CHECK(first.output + moved.output == "sum = 20 6\n");

  int refusedAsCorrupt = 0, refusedToMove = 0, ran = 0;
  for (Mutation& lie : lies(honest, static_cast<uint32_t>(work))) {
    INFO(lie.what);
    writeFile(snap, editSnapshot(text, "\"code\": \"" + code + "\"",
                                 "\"code\": " + encoded(lie.program)));
    auto resumed = resumeFrom(programs, snap, "new.shape", uint64_t{200000});
    if (auto* error = std::get_if<ResumeError>(&resumed)) {
      CHECK(
          (error->kind == ResumeFailure::BadInput || error->kind == ResumeFailure::NotRelocatable));
      CHECK_FALSE(error->diagnostic.message.empty());
      (error->kind == ResumeFailure::BadInput ? refusedAsCorrupt : refusedToMove) += 1;
      continue;
    }
    ResumedVM& vm = std::get<ResumedVM>(resumed);
    RunResult rest = runCaptured(*vm.vm, snap, vm.programPath);
    // Nonsense is allowed (a TypeError, a wrong sum); a crash is not.
    CHECK((rest.outcome.status == RunStatus::Finished || rest.outcome.status == RunStatus::Error ||
           rest.outcome.status == RunStatus::Suspended));
    ++ran;
  }
  INFO(refusedAsCorrupt << " refused as corrupt, " << refusedToMove << " not relocatable, " << ran
                        << " ran");
  // Every kind of outcome happens: the lies are not all caught by one check.
  CHECK(ran > 0);
  CHECK(refusedAsCorrupt + refusedToMove > 0);
}

}  // namespace
}  // namespace shapevm::test
