// Files are identified by absolute path and fingerprint (docs/snapshot-format.md,
// "Files"): --map-path rewrites whole path components only, a fingerprint
// notices a change at either end, and a snapshot whose file identity is
// missing or malformed is rejected.
#include "snapshot/file_identity.h"

#include <fmt/format.h>

#include <fstream>

#include "snapshot/snapshot_reader.h"
#include "snapshot_support.h"

namespace shapevm::test {
namespace {

TEST_CASE("--map-path replaces whole leading path components", "[snapshot][files]") {
  std::vector<PathMapping> mappings = {{"/jobs/a", "/scratch/b"}};
  CHECK(mapPath("/jobs/a/out.csv", mappings) == "/scratch/b/out.csv");
  CHECK(mapPath("/jobs/a", mappings) == "/scratch/b");
  CHECK(mapPath("/jobs/ab/out.csv", mappings) == "/jobs/ab/out.csv");
  CHECK(mapPath("/other/out.csv", mappings) == "/other/out.csv");
  CHECK(mapPath("/x/y", {{"/", "/mnt"}}) == "/mnt/x/y");
  CHECK(mapPath("/jobs/a/f", {{"/jobs/a", "/jobs/c"}, {"/jobs", "/never"}}) == "/jobs/c/f");
}

TEST_CASE("--map-path takes two absolute paths", "[snapshot][files]") {
  auto mapping = parsePathMapping("/jobs/a/=/scratch//b");
  REQUIRE(mapping);
  CHECK(mapping->from == "/jobs/a");
  CHECK(mapping->to == "/scratch/b");
  auto relative = parsePathMapping("jobs/a=/b");
  REQUIRE_FALSE(relative);
  CHECK(relative.error().message == "OLD and NEW must be absolute paths");
  CHECK(relative.error().format() == "--map-path: OLD and NEW must be absolute paths");
  auto noEquals = parsePathMapping("/a");
  REQUIRE_FALSE(noEquals);
  CHECK(noEquals.error().message == "expected OLD=NEW");
}

TEST_CASE("a fingerprint notices a change at either end", "[snapshot][files]") {
  TempDir dir;
  std::string path = dir.file("data.bin");
  std::string bytes(300 * 1024, 'x');
  writeFile(path, bytes);
  auto original = fingerprintPath(path, bytes.size());
  REQUIRE(original);
  CHECK(original->length == bytes.size());
  CHECK(fingerprintPath(path, bytes.size()) == original);
  // Bytes past the fingerprinted length do not count.
  writeFile(path, bytes + "more");
  CHECK(fingerprintPath(path, bytes.size()) == original);
  // Shorter than the length: no fingerprint.
  writeFile(path, bytes.substr(1));
  CHECK_FALSE(fingerprintPath(path, bytes.size()));
  for (std::size_t at : {std::size_t{0}, bytes.size() - 1}) {
    std::string changed = bytes;
    changed[at] = 'y';
    writeFile(path, changed);
    CHECK(fingerprintPath(path, bytes.size()) != original);
  }
}

const char* const kWriter = R"(
let out = open(args()[0], "w")
out.write("first line\n")
suspend()
out.write("second line\n")
out.close()
)";

struct WriterFixture {
  TempDir dir;
  Programs programs{{{"writer.shape", kWriter}}};
  std::string snap = dir.file("writer.snap.json");
  std::string out = dir.file("out.txt");
  std::string text;

  WriterFixture() {
    RunResult first = startProgram(programs, "writer.shape", snap, std::nullopt, {out});
    REQUIRE(first.outcome.status == RunStatus::Suspended);
    text = readFile(snap);
  }
};

TEST_CASE("a snapshot records where its open files are", "[snapshot][files]") {
  WriterFixture fx;
  Result<SnapshotData> data = parseSnapshot(fx.text, "w.json");
  REQUIRE(data);
  REQUIRE(data->host.present);
  CHECK(data->host.writtenTo == fx.snap);
  REQUIRE(data->host.files.size() == 1);
  CHECK(data->host.files[0].absolutePath == fx.out);
  CHECK(data->host.files[0].fingerprint == *fingerprintPath(fx.out, 11));
  RunResult rest = resumeAndRun(fx.programs, fx.snap);
  CHECK(rest.outcome.status == RunStatus::Finished);
  CHECK(readFile(fx.out) == "first line\nsecond line\n");
}

TEST_CASE("a file with other bytes is refused and left untouched", "[snapshot][files]") {
  WriterFixture fx;
  writeFile(fx.out, "other bytes\nand more of them\n");
  std::string message = resumeFailure(fx.programs, fx.snap, ResumeFailure::BadInput);
  CHECK_THAT(message, Catch::Contains("is not the one the job left"));
  CHECK_THAT(message, Catch::Contains(fx.out));
  CHECK(readFile(fx.out) == "other bytes\nand more of them\n");
}

TEST_CASE("malformed file identities are rejected", "[snapshot][files]") {
  WriterFixture fx;
  auto rejects = [&](const std::string& from, const std::string& to, const std::string& why) {
    std::string edited = editSnapshot(fx.text, from, to);
    Result<SnapshotData> data = parseSnapshot(edited, "w.json");
    REQUIRE_FALSE(data);
    CHECK_THAT(data.error().format(), Catch::Contains(why));
  };
  rejects("\"absolute\": \"/", "\"absolute\": \"", "must be an absolute path");
  rejects(", \"length\": ", ", \"size\": ", "unexpected or repeated member \"size\"");
  rejects("\"cwd\": \"/", "\"cwd\": \"", "expected an absolute path");
  rejects("\"stdout\": null", "\"stdout\": {\"length\": 1}", "needs \"length\", \"head\"");
  rejects(fmt::format("\"version\": {}", kSnapshotVersion), "\"version\": 2",
          "\"host\" is new in version 3");
}

}  // namespace
}  // namespace shapevm::test
