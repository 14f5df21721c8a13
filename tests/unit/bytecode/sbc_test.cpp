// The .sbc reader and writer: exact round trips, byte-identical rewrites, and
// a reader that rejects every truncation, lying length, trailing byte and bad
// header with a diagnostic, and never crashes on a corrupted byte.
#include "bytecode/sbc.h"

#include <fmt/format.h>
#include <unistd.h>
#include <xxhash.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <tuple>

#include "test_programs.h"

namespace shapevm {
namespace {

using testing::sampleProgram;

void checkSamePrograms(const Program& a, const Program& b) {
  CHECK(a.sourceFile == b.sourceFile);
  CHECK(a.entry == b.entry);
  CHECK(a.types == b.types);
  CHECK(a.globals == b.globals);
  REQUIRE(a.functions.size() == b.functions.size());
  for (std::size_t i = 0; i < a.functions.size(); ++i) {
    const Function& x = a.functions[i];
    const Function& y = b.functions[i];
    INFO(x.name);
    CHECK(x.name == y.name);
    CHECK(x.arity == y.arity);
    CHECK(x.numLocals == y.numLocals);
    CHECK(x.maxStack == y.maxStack);
    CHECK(x.captures == y.captures);
    CHECK(x.constants == y.constants);
    CHECK(x.code == y.code);
    CHECK(x.lines == y.lines);
    CHECK(x.statements == y.statements);
    CHECK(x.locals == y.locals);
    CHECK(x.sourceFile == y.sourceFile);
    CHECK(x.hash == y.hash);
  }
}

void putU32(std::vector<uint8_t>& bytes, uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

// Magic, version, empty source name, entry 0, no types, no globals.
std::vector<uint8_t> headerUpToFunctions() {
  std::vector<uint8_t> bytes(kSbcMagic, kSbcMagic + 4);
  putU32(bytes, kSbcVersion);
  putU32(bytes, 0);  // source file name length
  putU32(bytes, 0);  // entry
  putU32(bytes, 0);  // types
  putU32(bytes, 0);  // globals
  return bytes;
}

std::string errorOf(const std::vector<uint8_t>& bytes) {
  Result<Program> result = readSbc(bytes, "prog.sbc");
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().file == "prog.sbc");
  return result.error().format();
}

}  // namespace

TEST_CASE("sbc: a program survives write and read exactly", "[sbc]") {
  Program program = sampleProgram();
  program.functions[1].sourceFile = "lib/geometry.shape";
  std::vector<uint8_t> bytes = writeSbc(program);
  Result<Program> read = readSbc(bytes, "prog.sbc");
  INFO((read ? std::string() : read.error().format()));
  REQUIRE(read.ok());
  checkSamePrograms(program, read.value());
  // NaN payload and the sign of zero are kept bit for bit.
  CHECK(read->functions[0].constants == program.functions[0].constants);
}

TEST_CASE("sbc: writing is deterministic and programHash identifies the bytes", "[sbc]") {
  Program program = sampleProgram();
  std::vector<uint8_t> first = writeSbc(program);
  CHECK(writeSbc(program) == first);
  Result<Program> read = readSbc(first, "prog.sbc");
  REQUIRE(read.ok());
  CHECK(writeSbc(read.value()) == first);
  CHECK(programHash(program) == programHash(read.value()));

  // Hashes are never written: a stale hash does not change the bytes.
  Program stale = program;
  stale.functions[0].hash = FunctionHash{1, 2};
  CHECK(writeSbc(stale) == first);

  Program edited = program;
  edited.functions[1].constants.push_back(Constant::ofInt(3));
  CHECK_FALSE(programHash(edited) == programHash(program));
  edited = program;
  edited.sourceFile = "other.shape";
  CHECK_FALSE(programHash(edited) == programHash(program));
}

TEST_CASE("sbc: the file starts with the magic and a little-endian version", "[sbc]") {
  std::vector<uint8_t> bytes = writeSbc(sampleProgram());
  REQUIRE(bytes.size() > 8);
  CHECK(std::string(bytes.begin(), bytes.begin() + 4) == "SBC1");
  CHECK(bytes[4] == kSbcVersion);
  CHECK(bytes[5] == 0);
  CHECK(bytes[6] == 0);
  CHECK(bytes[7] == 0);
}

TEST_CASE("sbc: bad magic and unsupported versions are rejected", "[sbc]") {
  std::vector<uint8_t> bytes = writeSbc(sampleProgram());
  std::vector<uint8_t> magic = bytes;
  magic[3] = '2';
  CHECK_THAT(errorOf(magic), Catch::Contains("not a .sbc file"));
  CHECK_THAT(errorOf({}), Catch::Contains("not a .sbc file"));
  std::vector<uint8_t> version = bytes;
  version[4] = kSbcVersion + 1;
  CHECK(errorOf(version) == fmt::format("prog.sbc: unsupported .sbc version {} (this build "
                                        "reads versions 1 to {})",
                                        kSbcVersion + 1, kSbcVersion));
  version[4] = 0;
  CHECK_THAT(errorOf(version), Catch::Contains("unsupported .sbc version 0"));
}

TEST_CASE("sbc: a function's source file is debug information of version 5", "[sbc]") {
  Program program = sampleProgram();
  Program inModule = program;
  inModule.functions[1].sourceFile = "lib/geometry.shape";
  CHECK(programHash(inModule) == programHash(program));
  CHECK(writeSbc(inModule) != writeSbc(program));
  Result<Program> version4 = readSbc(writeSbc(inModule, 4), "prog.sbc");
  REQUIRE(version4.ok());
  CHECK(version4->functions[1].sourceFile.empty());
}

TEST_CASE("sbc: version 1 files (without debug information) are still read", "[sbc]") {
  Program program = sampleProgram();
  std::vector<uint8_t> v1 = writeSbc(program, 1);
  CHECK(v1[4] == 1);
  CHECK(v1.size() < writeSbc(program).size());
  Result<Program> reread = readSbc(v1, "prog.sbc");
  REQUIRE(reread.ok());
  for (const Function& function : reread->functions) {
    CHECK(function.statements.empty());
    CHECK(function.locals.empty());
  }
  CHECK(programHash(reread.value()) == programHash(program));
}

// The sample program whose entry function is `code` alone (one line, no
// statements or locals to match the old code).
Program sampleWithEntryCode(std::vector<Instr> code) {
  Program program = sampleProgram();
  Function& entry = program.functions[program.entry];
  entry.code = std::move(code);
  entry.lines = {LineEntry{0, 1}};
  entry.statements.clear();
  entry.locals.clear();
  return program;
}

TEST_CASE("sbc: a file may use only the opcodes of its version", "[sbc]") {
  Program program = sampleWithEntryCode({makeInstr(Op::RaiseError, 0)});
  program.functions[program.entry].constants = {Constant::ofString("NameError: gone")};
  CHECK(readSbc(writeSbc(program), "prog.sbc").ok());
  CHECK_THAT(errorOf(writeSbc(program, 3)),
             Catch::Contains("code word 0: opcode 133 (raise_error) is not in .sbc version 3"));
}

TEST_CASE("sbc: the _into forms are opcodes of version 7", "[sbc]") {
  Program program =
      sampleWithEntryCode({makeInstr(Op::Int, 1), makeInstr(Op::SetLocal, 0), makeInstr(Op::Int, 2),
                           makeInstr(Op::AddInto, 0), makeInstr(Op::Halt)});
  CHECK(readSbc(writeSbc(program), "prog.sbc").ok());
  CHECK_THAT(errorOf(writeSbc(program, 6)),
             Catch::Contains("code word 3: opcode 169 (add_into) is not in .sbc version 6"));
}

// The sample program with defaults for Point's fields: y = 0 in version 3.
Program sampleWithDefaults() {
  Program program = sampleProgram();
  program.types[0].defaults = {
      FieldDefault{0, FieldDefault::Kind::Constant, Constant::ofString("origin")},
      FieldDefault{1, FieldDefault::Kind::Constant, Constant::ofInt(0)}};
  return program;
}

TEST_CASE("sbc: field defaults round-trip through version 3", "[sbc]") {
  Program program = sampleWithDefaults();
  for (auto [field, kind, constant] :
       {std::tuple{0u, FieldDefault::Kind::None, Constant{}},
        std::tuple{0u, FieldDefault::Kind::False, Constant{}},
        std::tuple{1u, FieldDefault::Kind::True, Constant{}},
        std::tuple{1u, FieldDefault::Kind::Constant, Constant::ofFloat(-0.0)},
        std::tuple{1u, FieldDefault::Kind::Constant, Constant::ofInt(-5)}}) {
    program.types.resize(2);
    program.types.push_back(TypeDecl{"Flags", {"a", "b"}, {FieldDefault{field, kind, constant}}});
    Result<Program> reread = readSbc(writeSbc(program), "prog.sbc");
    if (!reread.ok()) FAIL(reread.error().format());
    checkSamePrograms(program, reread.value());
    CHECK(writeSbc(reread.value()) == writeSbc(program));
  }
}

TEST_CASE("sbc: field defaults are part of the program hash; without them it is unchanged",
          "[sbc]") {
  Program plain = sampleProgram();
  Program withDefaults = sampleWithDefaults();
  // A program without defaults hashes exactly as version 1 always did.
  std::vector<uint8_t> v1 = writeSbc(plain, 1);
  XXH128_hash_t expected = XXH3_128bits(v1.data(), v1.size());
  CHECK(programHash(plain) == FunctionHash{expected.high64, expected.low64});
  CHECK(programHash(withDefaults) != programHash(plain));
  Program otherDefault = withDefaults;
  otherDefault.types[0].defaults[1].constant = Constant::ofInt(1);
  CHECK(programHash(otherDefault) != programHash(withDefaults));
  Result<Program> reread = readSbc(writeSbc(withDefaults), "prog.sbc");
  REQUIRE(reread.ok());
  CHECK(programHash(reread.value()) == programHash(withDefaults));
  // Versions 1 and 2 cannot hold defaults: writing one leaves them out.
  Result<Program> v2 = readSbc(writeSbc(withDefaults, 2), "prog.sbc");
  REQUIRE(v2.ok());
  CHECK(v2->types[0].defaults.empty());
  CHECK(programHash(v2.value()) == programHash(plain));
}

TEST_CASE("sbc: bad field defaults are rejected with what and where", "[sbc]") {
  Program program = sampleProgram();
  program.types[0].defaults = {FieldDefault{1, FieldDefault::Kind::True, {}}};
  std::vector<uint8_t> bytes = writeSbc(program);
  // The default is the only place the bytes 01 00 00 00 02 occur: field 1, kind True.
  const std::vector<uint8_t> needle = {1, 0, 0, 0, 2};
  auto found = std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end());
  REQUIRE(found != bytes.end());
  std::vector<uint8_t> kind = bytes;
  kind[found - bytes.begin() + 4] = 9;
  CHECK_THAT(errorOf(kind), Catch::Contains("type 'Point': unknown field default kind 9 at byte"));
  std::vector<uint8_t> field = bytes;
  field[found - bytes.begin()] = 2;
  CHECK_THAT(errorOf(field),
             Catch::Contains("type 'Point' has a default for field 2, but it has 2 fields"));
  std::vector<uint8_t> count = bytes;
  std::fill_n(count.begin() + (found - bytes.begin()) - 4, 4, 0xff);
  CHECK_THAT(errorOf(count), Catch::Contains("field default count 4294967295"));
}

TEST_CASE("sbc: debug information is part of the file but not of the program hash", "[sbc]") {
  Program program = sampleProgram();
  Program without = program;
  for (Function& function : without.functions) {
    function.statements.clear();
    function.locals.clear();
  }
  CHECK(programHash(program) == programHash(without));
  CHECK(writeSbc(program) != writeSbc(without));
  Result<Program> reread = readSbc(writeSbc(program), "prog.sbc");
  REQUIRE(reread.ok());
  CHECK(reread->functions[4].statements == program.functions[4].statements);
  CHECK(reread->functions[4].locals == program.functions[4].locals);
}

TEST_CASE("sbc: every truncation is rejected", "[sbc][fuzz]") {
  std::vector<uint8_t> bytes = writeSbc(sampleProgram());
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    INFO(length);
    Result<Program> result = readSbc(std::span<const uint8_t>(bytes.data(), length), "prog.sbc");
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().file == "prog.sbc");
    CHECK_FALSE(result.error().message.empty());
  }
}

TEST_CASE("sbc: truncation messages say what and where", "[sbc]") {
  Program program;
  program.sourceFile = "fib.shape";
  testing::CodeBuilder main("fib", 0, 0);
  main.op(Op::None).op(Op::Return);
  program.functions = {main.function};
  testing::finishProgram(program);
  std::vector<uint8_t> bytes = writeSbc(program);
  // Drop the line-table count and the last code word's final two bytes.
  bytes.resize(bytes.size() - 6);
  CHECK_THAT(errorOf(bytes), Catch::Contains("prog.sbc: function 'fib': "));
  CHECK_THAT(errorOf(bytes), Catch::Contains("at byte"));
}

TEST_CASE("sbc: every single-byte corruption is rejected or yields a verified program",
          "[sbc][fuzz]") {
  const std::vector<uint8_t> bytes = writeSbc(sampleProgram());
  int accepted = 0;
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    for (uint8_t mask : {0x01, 0x02, 0x10, 0x80, 0xff}) {
      std::vector<uint8_t> corrupt = bytes;
      corrupt[at] ^= mask;
      Result<Program> result = readSbc(corrupt, "prog.sbc");
      if (result.ok()) {
        ++accepted;
        CHECK_FALSE(verifyProgram(result.value(), "prog.sbc"));
        for (const Function& function : result->functions) {
          CHECK(function.hash == hashFunction(result.value(), function));
        }
      } else {
        CHECK_FALSE(result.error().message.empty());
      }
    }
  }
  // Some flips (in names, line numbers, immediates) leave a valid program.
  CHECK(accepted > 0);
}

TEST_CASE("sbc: lying lengths fail fast without allocating", "[sbc]") {
  std::vector<uint8_t> functions = headerUpToFunctions();
  putU32(functions, 0xffffffff);
  CHECK(errorOf(functions) ==
        "prog.sbc: function count 4294967295 at byte 24 cannot fit in the 0 bytes that remain");

  std::vector<uint8_t> name(kSbcMagic, kSbcMagic + 4);
  putU32(name, kSbcVersion);
  putU32(name, 0xfffffff0);  // source file name length
  CHECK_THAT(errorOf(name), Catch::Contains("truncated source file name at byte 12"));

  std::vector<uint8_t> types(kSbcMagic, kSbcMagic + 4);
  putU32(types, kSbcVersion);
  putU32(types, 0);
  putU32(types, 0);
  putU32(types, 0x40000000);
  CHECK_THAT(errorOf(types), Catch::Contains("type count 1073741824"));

  // A function that claims 2^32-1 words of code.
  Program program = sampleProgram();
  std::vector<uint8_t> bytes = writeSbc(program);
  const Function& square = program.functions[1];
  std::vector<uint8_t> needle;
  putU32(needle, static_cast<uint32_t>(square.code.size()));
  for (Instr word : square.code) putU32(needle, word);
  auto found = std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end());
  REQUIRE(found != bytes.end());
  std::fill(found, found + 4, 0xff);
  CHECK_THAT(errorOf(bytes), Catch::Contains("function 'square': code count 4294967295"));
}

TEST_CASE("sbc: bad enum bytes and trailing bytes are rejected", "[sbc]") {
  Program program = sampleProgram();
  std::vector<uint8_t> bytes = writeSbc(program);

  std::vector<uint8_t> trailing = bytes;
  trailing.push_back(0);
  CHECK_THAT(errorOf(trailing), Catch::Contains("1 unexpected bytes after the program at byte " +
                                                std::to_string(bytes.size())));

  // adder's capture: kind byte 1, index 0, name "base".
  std::vector<uint8_t> capture = {1, 0, 0, 0, 0, 4, 0, 0, 0, 'b', 'a', 's', 'e'};
  auto found = std::search(bytes.begin(), bytes.end(), capture.begin(), capture.end());
  REQUIRE(found != bytes.end());
  std::vector<uint8_t> badCapture = bytes;
  badCapture[found - bytes.begin()] = 2;
  CHECK_THAT(errorOf(badCapture), Catch::Contains("function 'adder': capture kind 2 at byte"));

  // square has no constants: give it one of an unknown kind.
  Program withConstant = program;
  withConstant.functions[1].constants = {Constant::ofInt(0x1122334455667788)};
  std::vector<uint8_t> constantBytes = writeSbc(withConstant);
  std::vector<uint8_t> intConstant = {0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
  found = std::search(constantBytes.begin(), constantBytes.end(), intConstant.begin(),
                      intConstant.end());
  REQUIRE(found != constantBytes.end());
  *found = 3;
  CHECK_THAT(errorOf(constantBytes), Catch::Contains("unknown constant kind 3"));
}

TEST_CASE("sbc: a structurally sound file is still verified", "[sbc]") {
  Program program = sampleProgram();
  program.functions[1].code[0] = makeInstr(Op::GetLocal, 9);
  std::vector<uint8_t> bytes = writeSbc(program);
  Result<Program> result = readSbc(bytes, "prog.sbc");
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().format() ==
        "prog.sbc: function 'square' at offset 0: 'get_local' refers to local 9, but there are 1");
}

TEST_CASE("sbc: loadSbcFile reads files and reports I/O errors", "[sbc]") {
  Result<Program> missing = loadSbcFile("/nonexistent/dir/prog.sbc");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().format() ==
        "/nonexistent/dir/prog.sbc: cannot open: No such file or "
        "directory");

  std::string path =
      (std::filesystem::temp_directory_path() / ("sbc_test_" + std::to_string(::getpid()) + ".sbc"))
          .string();
  std::vector<uint8_t> bytes = writeSbc(sampleProgram());
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  Result<Program> loaded = loadSbcFile(path);
  std::remove(path.c_str());
  REQUIRE(loaded.ok());
  checkSamePrograms(sampleProgram(), loaded.value());
}

}  // namespace shapevm
