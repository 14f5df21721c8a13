// Reading and writing the binary .sbc format (layout in docs/bytecode.md).
//
// Invariants:
// - The writer is a pure function of the Program (hashes and nothing else
//   derived are written), so writing twice gives identical bytes and
//   programHash() is a stable identity.
// - The reader trusts nothing: every length and count is checked against the
//   bytes that remain before anything is allocated for it (each item of a
//   counted list needs at least a known number of bytes), every enum byte is
//   checked, trailing bytes are rejected, and the result is verified
//   (bytecode/verifier.h) and hashed before it is returned. Every problem is a
//   Diagnostic naming the file, the part being read and the byte offset.
#include "bytecode/sbc.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "bytecode/function_hash.h"
#include "bytecode/input_file.h"
#include "bytecode/verifier.h"

namespace shapevm {

namespace {

// The fewest bytes one item of each counted list can take, used to reject a
// count before reserving memory for it.
constexpr std::size_t kMinStringBytes = 4;                         // length
constexpr std::size_t kMinTypeBytes = kMinStringBytes + 4;         // name, field count
constexpr std::size_t kMinDefaultBytes = 4 + 1;                    // field, kind
constexpr std::size_t kMinGlobalBytes = kMinStringBytes + 4;       // name, binding
constexpr std::size_t kMinCaptureBytes = 1 + 4 + kMinStringBytes;  // kind, index, name
constexpr std::size_t kMinConstantBytes = 1 + 4;                   // kind, shortest value
constexpr std::size_t kWordBytes = 4;
constexpr std::size_t kLineEntryBytes = 8;
constexpr std::size_t kStatementBytes = 4 * 4;                   // start, end, line, parent
constexpr std::size_t kMinLocalBytes = kMinStringBytes + 3 * 4;  // name, slot, start, end
constexpr std::size_t kMinFunctionBytes =
    kMinStringBytes + 3 * 4 + 4 * 4;  // name, 3 sizes, 4 counts

class Writer {
 public:
  void bytes(const void* data, std::size_t size) {
    const auto* first = static_cast<const uint8_t*>(data);
    out_.insert(out_.end(), first, first + size);
  }
  void u8(uint8_t value) { out_.push_back(value); }
  void u32(uint32_t value) {
    for (int shift = 0; shift < 32; shift += 8)
      out_.push_back(static_cast<uint8_t>(value >> shift));
  }
  void u64(uint64_t value) {
    for (int shift = 0; shift < 64; shift += 8)
      out_.push_back(static_cast<uint8_t>(value >> shift));
  }
  void count(std::size_t value) { u32(static_cast<uint32_t>(value)); }
  void text(const std::string& value) {
    count(value.size());
    bytes(value.data(), value.size());
  }
  std::vector<uint8_t> take() { return std::move(out_); }

 private:
  std::vector<uint8_t> out_;
};

void writeConstant(Writer& out, const Constant& constant) {
  out.u8(static_cast<uint8_t>(constant.kind));
  switch (constant.kind) {
    case ConstantKind::Int:
      out.u64(static_cast<uint64_t>(constant.intValue));
      break;
    case ConstantKind::Float:
      out.u64(std::bit_cast<uint64_t>(constant.floatValue));
      break;
    case ConstantKind::String:
      out.text(constant.stringValue);
      break;
  }
}

void writeDefaults(Writer& out, const TypeDecl& type) {
  out.count(type.defaults.size());
  for (const FieldDefault& fieldDefault : type.defaults) {
    out.u32(fieldDefault.field);
    out.u8(static_cast<uint8_t>(fieldDefault.kind));
    if (fieldDefault.kind == FieldDefault::Kind::Constant)
      writeConstant(out, fieldDefault.constant);
  }
}

void writeFunction(Writer& out, const Function& function, uint32_t version) {
  out.text(function.name);
  out.u32(function.arity);
  out.u32(function.numLocals);
  out.u32(function.maxStack);
  out.count(function.captures.size());
  for (const Capture& capture : function.captures) {
    out.u8(capture.fromLocal ? 1 : 0);
    out.u32(capture.index);
    out.text(capture.name);
  }
  out.count(function.constants.size());
  for (const Constant& constant : function.constants) writeConstant(out, constant);
  out.count(function.code.size());
  for (Instr word : function.code) out.u32(word);
  out.count(function.lines.size());
  for (const LineEntry& entry : function.lines) {
    out.u32(entry.offset);
    out.u32(entry.line);
  }
  if (version < 2) return;
  out.count(function.statements.size());
  for (const StatementInfo& statement : function.statements) {
    out.u32(statement.start);
    out.u32(statement.end);
    out.u32(statement.line);
    out.u32(static_cast<uint32_t>(statement.parent));
  }
  out.count(function.locals.size());
  for (const LocalInfo& local : function.locals) {
    out.text(local.name);
    out.u32(local.slot);
    out.u32(local.start);
    out.u32(local.end);
  }
  if (version >= 5) out.text(function.sourceFile);
}

// Reads little-endian fields, failing (once) with a message that says what was
// being read and where. After a failure every read returns zero values and
// `failed()` is true; callers check it before using what they read.
class Reader {
 public:
  Reader(std::span<const uint8_t> bytes, const std::string& fileName)
      : bytes_(bytes), fileName_(fileName) {}

  bool failed() const { return error_.has_value(); }
  const Diagnostic& error() const { return *error_; }
  std::size_t position() const { return position_; }
  std::size_t remaining() const { return bytes_.size() - position_; }

  // Names the part being read in later messages ("function 'fib'").
  void setContext(std::string context) { context_ = std::move(context); }

  void fail(std::string message) {
    if (failed()) return;
    std::string prefix = context_.empty() ? "" : context_ + ": ";
    error_ = Diagnostic::inFile(fileName_, prefix + message);
  }

  bool need(std::size_t size, const char* what) {
    if (failed()) return false;
    if (size <= remaining()) return true;
    fail(fmt::format("truncated {} at byte {} (needs {} bytes, {} remain)", what, position_, size,
                     remaining()));
    return false;
  }

  void skip(std::size_t size, const char* what) {
    if (need(size, what)) position_ += size;
  }
  uint8_t u8(const char* what) {
    if (!need(1, what)) return 0;
    return bytes_[position_++];
  }
  uint32_t u32(const char* what) {
    if (!need(4, what)) return 0;
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) value |= uint32_t{bytes_[position_ + i]} << (8 * i);
    position_ += 4;
    return value;
  }
  uint64_t u64(const char* what) {
    if (!need(8, what)) return 0;
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value |= uint64_t{bytes_[position_ + i]} << (8 * i);
    position_ += 8;
    return value;
  }
  std::string text(const char* what) {
    uint32_t length = u32(what);
    if (!need(length, what)) return {};
    std::string value(reinterpret_cast<const char*>(bytes_.data() + position_), length);
    position_ += length;
    return value;
  }
  // A list length whose items take at least `minItemBytes` each; zero (and a
  // failure) when the claimed items cannot fit in what remains.
  uint32_t count(const char* what, std::size_t minItemBytes) {
    std::size_t at = position_;
    uint32_t value = u32(what);
    if (failed()) return 0;
    if (uint64_t{value} * minItemBytes > remaining()) {
      fail(fmt::format("{} count {} at byte {} cannot fit in the {} bytes that remain", what, value,
                       at, remaining()));
      return 0;
    }
    return value;
  }

 private:
  std::span<const uint8_t> bytes_;
  const std::string& fileName_;
  std::size_t position_ = 0;
  std::string context_;
  std::optional<Diagnostic> error_;
};

Constant readConstant(Reader& in) {
  std::size_t at = in.position();
  uint8_t kind = in.u8("constant kind");
  switch (kind) {
    case static_cast<uint8_t>(ConstantKind::Int):
      return Constant::ofInt(static_cast<int64_t>(in.u64("integer constant")));
    case static_cast<uint8_t>(ConstantKind::Float):
      return Constant::ofFloat(std::bit_cast<double>(in.u64("float constant")));
    case static_cast<uint8_t>(ConstantKind::String):
      return Constant::ofString(in.text("string constant"));
    default:
      in.fail(fmt::format("unknown constant kind {} at byte {}", kind, at));
      return {};
  }
}

// Version 3's field defaults of one type (docs/bytecode.md, "Field defaults").
void readDefaults(Reader& in, TypeDecl& type) {
  uint32_t defaults = in.count("field default", kMinDefaultBytes);
  type.defaults.reserve(defaults);
  for (uint32_t i = 0; i < defaults && !in.failed(); ++i) {
    FieldDefault fieldDefault;
    fieldDefault.field = in.u32("field default");
    std::size_t at = in.position();
    uint8_t kind = in.u8("field default kind");
    if (kind > static_cast<uint8_t>(FieldDefault::Kind::Constant)) {
      in.fail(fmt::format("unknown field default kind {} at byte {}", kind, at));
    }
    fieldDefault.kind = static_cast<FieldDefault::Kind>(kind);
    if (fieldDefault.kind == FieldDefault::Kind::Constant) fieldDefault.constant = readConstant(in);
    type.defaults.push_back(std::move(fieldDefault));
  }
}

// Version 2's debug information (docs/bytecode.md, "Debug information").
void readDebugInfo(Reader& in, Function& function) {
  uint32_t statements = in.count("statement", kStatementBytes);
  function.statements.reserve(statements);
  for (uint32_t i = 0; i < statements && !in.failed(); ++i) {
    StatementInfo statement;
    statement.start = in.u32("statement");
    statement.end = in.u32("statement");
    statement.line = in.u32("statement");
    statement.parent = static_cast<int32_t>(in.u32("statement"));
    function.statements.push_back(statement);
  }
  uint32_t locals = in.count("local variable", kMinLocalBytes);
  function.locals.reserve(locals);
  for (uint32_t i = 0; i < locals && !in.failed(); ++i) {
    LocalInfo local;
    local.name = in.text("local variable name");
    local.slot = in.u32("local variable");
    local.start = in.u32("local variable");
    local.end = in.u32("local variable");
    function.locals.push_back(std::move(local));
  }
}

void readFunction(Reader& in, Function& function, uint32_t version) {
  function.name = in.text("function name");
  if (in.failed()) return;
  in.setContext(fmt::format("function '{}'", function.name));
  function.arity = in.u32("arity");
  function.numLocals = in.u32("local count");
  function.maxStack = in.u32("maximum stack depth");
  uint32_t captures = in.count("capture", kMinCaptureBytes);
  function.captures.reserve(captures);
  for (uint32_t i = 0; i < captures && !in.failed(); ++i) {
    Capture capture;
    std::size_t at = in.position();
    uint8_t fromLocal = in.u8("capture kind");
    if (fromLocal > 1)
      in.fail(fmt::format("capture kind {} at byte {} is not 0 or 1", fromLocal, at));
    capture.fromLocal = fromLocal == 1;
    capture.index = in.u32("capture index");
    capture.name = in.text("capture name");
    function.captures.push_back(std::move(capture));
  }
  uint32_t constants = in.count("constant", kMinConstantBytes);
  function.constants.reserve(constants);
  for (uint32_t i = 0; i < constants && !in.failed(); ++i) {
    function.constants.push_back(readConstant(in));
  }
  uint32_t words = in.count("code", kWordBytes);
  function.code.reserve(words);
  for (uint32_t i = 0; i < words && !in.failed(); ++i) function.code.push_back(in.u32("code"));
  // Opcodes newer than the file's version (the verifier checks the rest).
  for (std::size_t at = 0; at < function.code.size() && !in.failed();) {
    uint32_t opcode = function.code[at] & 0xff;
    if (opcode >= kOpCount) break;
    if (opcode >= opcodeCountOfVersion(version)) {
      in.fail(fmt::format("code word {}: opcode {} ({}) is not in .sbc version {}", at, opcode,
                          opInfo(static_cast<Op>(opcode)).mnemonic, version));
    }
    at += instrWords(static_cast<Op>(opcode));
  }
  uint32_t lines = in.count("line table", kLineEntryBytes);
  function.lines.reserve(lines);
  for (uint32_t i = 0; i < lines && !in.failed(); ++i) {
    LineEntry entry;
    entry.offset = in.u32("line table");
    entry.line = in.u32("line table");
    function.lines.push_back(entry);
  }
  if (version >= 2) readDebugInfo(in, function);
  if (version >= 5) function.sourceFile = in.text("function source file");
  in.setContext("");
}

}  // namespace

std::vector<uint8_t> writeSbc(const Program& program, uint32_t version) {
  Writer out;
  out.bytes(kSbcMagic, sizeof kSbcMagic);
  out.u32(version);
  out.text(program.sourceFile);
  out.u32(program.entry);
  out.count(program.types.size());
  for (const TypeDecl& type : program.types) {
    out.text(type.name);
    out.count(type.fields.size());
    for (const std::string& field : type.fields) out.text(field);
    if (version >= 3) writeDefaults(out, type);
  }
  out.count(program.globals.size());
  for (const GlobalDecl& global : program.globals) {
    out.text(global.name);
    out.u32(static_cast<uint32_t>(global.function));
  }
  out.count(program.functions.size());
  for (const Function& function : program.functions) writeFunction(out, function, version);
  return out.take();
}

Result<Program> readSbc(std::span<const uint8_t> bytes, const std::string& fileName) {
  Reader in(bytes, fileName);
  if (bytes.size() < sizeof kSbcMagic ||
      std::memcmp(bytes.data(), kSbcMagic, sizeof kSbcMagic) != 0) {
    return Diagnostic::inFile(fileName, "not a .sbc file (it does not start with \"SBC1\")");
  }
  in.skip(sizeof kSbcMagic, "magic");
  uint32_t version = in.u32("version");
  if (!in.failed() && (version < kOldestSbcVersion || version > kSbcVersion)) {
    return Diagnostic::inFile(fileName, fmt::format("unsupported .sbc version {} (this build "
                                                    "reads versions {} to {})",
                                                    version, kOldestSbcVersion, kSbcVersion));
  }
  Program program;
  program.sourceFile = in.text("source file name");
  program.entry = in.u32("entry function");

  uint32_t types = in.count("type", kMinTypeBytes);
  program.types.reserve(types);
  for (uint32_t i = 0; i < types && !in.failed(); ++i) {
    TypeDecl type;
    type.name = in.text("type name");
    in.setContext(fmt::format("type '{}'", type.name));
    uint32_t fields = in.count("field", kMinStringBytes);
    type.fields.reserve(fields);
    for (uint32_t f = 0; f < fields && !in.failed(); ++f)
      type.fields.push_back(in.text("field name"));
    if (version >= 3) readDefaults(in, type);
    in.setContext("");
    program.types.push_back(std::move(type));
  }

  uint32_t globals = in.count("global", kMinGlobalBytes);
  program.globals.reserve(globals);
  for (uint32_t i = 0; i < globals && !in.failed(); ++i) {
    GlobalDecl global;
    global.name = in.text("global name");
    global.function = static_cast<int32_t>(in.u32("global binding"));
    program.globals.push_back(std::move(global));
  }

  uint32_t functions = in.count("function", kMinFunctionBytes);
  program.functions.resize(functions);
  for (uint32_t i = 0; i < functions && !in.failed(); ++i)
    readFunction(in, program.functions[i], version);

  if (in.failed()) return in.error();
  if (in.remaining() != 0) {
    return Diagnostic::inFile(fileName, fmt::format("{} unexpected bytes after the program at "
                                                    "byte {}",
                                                    in.remaining(), in.position()));
  }
  if (std::optional<Diagnostic> problem = verifyProgram(program, fileName)) return *problem;
  computeHashes(program);
  return program;
}

Result<Program> loadSbcFile(const std::string& path) {
  Result<std::string> bytes = readInputFile(path);
  if (!bytes) return bytes.error();
  const std::string& text = bytes.value();
  return readSbc({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, path);
}

FunctionHash programHash(const Program& program) {
  std::vector<uint8_t> bytes = writeSbc(program, 1);
  // The version 1 encoding is self-delimiting, so appending the defaults
  // keeps programs apart, and a program without any hashes as it always did.
  bool hasDefaults = std::any_of(program.types.begin(), program.types.end(),
                                 [](const TypeDecl& type) { return !type.defaults.empty(); });
  if (hasDefaults) {
    Writer defaults;
    for (const TypeDecl& type : program.types) writeDefaults(defaults, type);
    std::vector<uint8_t> tail = defaults.take();
    bytes.insert(bytes.end(), tail.begin(), tail.end());
  }
  XXH128_hash_t hash = XXH3_128bits(bytes.data(), bytes.size());
  return FunctionHash{hash.high64, hash.low64};
}

}  // namespace shapevm
