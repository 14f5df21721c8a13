// Writing a snapshot: the VM state, stopped at an instruction boundary, as
// JSON (docs/snapshot-format.md) built by hand in one buffer, then replaced
// atomically on disk.
//
// The heap is written as a graph: every object reachable from the roots (value
// stack, frames' closures, globals, open upvalues) gets exactly one id, in the
// order it is first met, and every reference is {"ref": id}, so sharing and
// cycles survive. Objects are emitted from a work list in id order, so nothing
// recurses over guest data and arbitrarily deep structures are fine.
//
// Speed (a snapshot is about 100 bytes per object, so per-object costs
// dominate):
// - object ids live in per-page blocks (object_ids.h), not a map keyed by
//   address: lookups follow allocation order instead of missing the cache;
// - fresh memory is taken on huge pages (the id blocks, the list of objects
//   in id order, reserved once from the heap's size) and the next objects'
//   cache misses are taken ahead: a page fault costs more than encoding an
//   object's line;
// - text is written straight into the buffer's spare room (Encoder::room), a
//   bounds check and a memcpy per piece; numbers are formatted in place, an
//   integer by writeDecimal, a float with few decimals by writeShortFloat
//   (fmt's general algorithm only for the others), and only text that needs
//   escaping or checking (names, guest strings that are not plain ASCII)
//   goes through a scratch string first;
// - the constant text of a closure (its function's name, id, hash, captures)
//   and of a record (type name, field keys) is built once per function / type;
// - writeSnapshot streams: the buffer is hashed (XXH3 streaming) and written
//   every kSpillBytes, so a 100 MB snapshot is never held, reallocated or
//   copied whole; the checksum is patched into the first line at the end.
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <type_traits>
#include <unordered_map>

#include "bytecode/builtin_names.h"
#include "bytecode/sbc.h"
#include "core/huge_pages.h"
#include "snapshot/atomic_file.h"
#include "snapshot/base64.h"
#include "snapshot/file_identity.h"
#include "snapshot/json_text.h"
#include "snapshot/object_ids.h"
#include "snapshot/snapshot.h"
#include "snapshot/snapshot_data.h"
#include "snapshot/snapshot_keys.h"

namespace shapevm {

namespace key = snapshot_key;

namespace {

const char* reasonName(SnapshotReason reason) {
  switch (reason) {
    case SnapshotReason::StepBudget:
      return "step_budget";
    case SnapshotReason::Signal:
      return "signal";
    case SnapshotReason::Checkpoint:
      return "checkpoint";
    case SnapshotReason::PeriodicCheckpoint:
      return "periodic_checkpoint";
    case SnapshotReason::SuspendCall:
      return "suspend_call";
  }
  return "?";
}

// How much text the writer buffers before handing it to the file.
constexpr std::size_t kSpillBytes = std::size_t{1} << 20;

// The whole of a file open in this process as it is now: its size and the
// fingerprint of that many bytes, read through /proc/self/fd so that a file
// opened write-only, renamed or deleted is still the one read. Nullopt with
// errno set if it cannot be read.
std::optional<FileFingerprint> fingerprintOpenFile(int fd) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return std::nullopt;
  std::optional<FileFingerprint> print =
      fingerprintPath(fmt::format("/proc/self/fd/{}", fd), static_cast<uint64_t>(info.st_size));
  if (!print && errno == 0) errno = EIO;
  return print;
}

// Writes `n` in decimal at `out` and returns the end: the length from the
// number's bit width, then two digits at a time from a table, from the last.
// std::to_chars took about 90 instructions for an object id, and a snapshot
// is mostly integers (object ids above all).
char* writeDecimal(uint64_t n, char* out) {
  static constexpr uint64_t kPowersOfTen[] = {1,
                                              10,
                                              100,
                                              1000,
                                              10000,
                                              100000,
                                              1000000,
                                              10000000,
                                              100000000,
                                              1000000000,
                                              10000000000,
                                              100000000000,
                                              1000000000000,
                                              10000000000000,
                                              100000000000000,
                                              1000000000000000,
                                              10000000000000000,
                                              100000000000000000,
                                              1000000000000000000,
                                              10000000000000000000u};
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  // log10(2) ~ 1233 / 4096: the number of digits is `t` or `t + 1`.
  int t = (std::bit_width(n | 1) * 1233) >> 12;
  char* end = out + t + ((n | 1) >= kPowersOfTen[t]);
  char* at = end;
  while (n >= 100) {
    uint64_t pair = n % 100;
    n /= 100;
    at -= 2;
    std::memcpy(at, kPairs + 2 * pair, 2);
  }
  if (n >= 10) {
    std::memcpy(at - 2, kPairs + 2 * n, 2);
  } else {
    at[-1] = static_cast<char>('0' + n);
  }
  return end;
}

// Writes at `out` the text fmt's "{}" gives `x`, its shortest form that reads
// back as x, when x has at most 3 decimals and 15 digits (2.5, 10.25: most
// floats of a program), and returns the end; nullptr for any other float,
// left to fmt, whose general algorithm costs ten times as much. Why it is
// the same text: a decimal of at most 15 significant digits is the only one
// of its length or shorter that reads back as its double (DBL_DIG), and fmt
// writes numbers from 1e-4 to below 1e16 without an exponent.
char* writeShortFloat(double x, char* out) {
  static constexpr double kScales[] = {1, 10, 100, 1000};
  double magnitude = std::fabs(x);
  if (!(magnitude < 1e15)) return nullptr;  // NaN too
  for (int decimals = 0; decimals < 4; ++decimals) {
    double scaled = magnitude * kScales[decimals];
    if (scaled >= 1e15) return nullptr;
    auto digits = static_cast<uint64_t>(scaled);
    // Both operands exact, the quotient correctly rounded, as reading the
    // decimal digits * 10^-decimals back would be.
    if (static_cast<double>(digits) != scaled ||
        static_cast<double>(digits) / kScales[decimals] != magnitude) {
      continue;
    }
    int shown = decimals;
    while (shown > 0 && digits % 10 == 0) {
      digits /= 10;
      --shown;
    }
    if (std::signbit(x)) *out++ = '-';
    char text[24];
    char* end = writeDecimal(digits, text);
    auto length = static_cast<int>(end - text);
    if (length <= shown) {  // 0.05: zeros after the point
      *out++ = '0';
      *out++ = '.';
      for (int i = length; i < shown; ++i) *out++ = '0';
      return std::copy(text, end, out);
    }
    out = std::copy(text, end - shown, out);
    *out++ = '.';
    if (shown == 0) {
      *out++ = '0';
      return out;
    }
    return std::copy(end - shown, end, out);
  }
  return nullptr;
}

class Encoder {
 public:
  // Appends to `out`. `spill`, if set, is given the text whenever
  // kSpillBytes or more are buffered, and the buffer starts over.
  Encoder(const VM& vm, std::string& out, std::function<void(std::string_view)> spill)
      : vm_(vm), out_(out), used_(out.size()), spill_(std::move(spill)) {}
  // Leaves `out` holding exactly the text not yet spilled.
  void finish() { out_.resize(used_); }
  // Inlined: most pieces are constants, whose copy then compiles to a few moves.
  [[gnu::always_inline]] void raw(std::string_view text) {
    std::memcpy(room(text.size()), text.data(), text.size());
    used_ += text.size();
  }

  // Appends the "state" object; `error` is set if an open file's position is unknown.
  void encodeState(const std::string& snapshotPath, const std::string& programPath,
                   SnapshotReason reason, std::optional<std::string>* error);

 private:
  uint32_t idOf(const Obj* object) {
    bool added;
    uint32_t id = ids_.find(object, static_cast<uint32_t>(order_.size()), &added);
    if (added) order_.push_back(object);
    return id;
  }

  // out_ is kept longer than the text in it (used_ bytes): the rest is room
  // to write into. Returns where `bytes` bytes can be written.
  [[gnu::always_inline]] char* room(std::size_t bytes) {
    if (__builtin_expect(out_.size() - used_ < bytes, 0)) grow(bytes);
    return out_.data() + used_;
  }
  [[gnu::noinline]] void grow(std::size_t bytes) {
    out_.resize(std::max(used_ + bytes, 2 * out_.size() + 4096));
  }
  // Appends what `append` adds to a string (the json_text.h functions).
  template <typename Append>
  void through(Append&& append) {
    scratch_.clear();
    append(scratch_);
    raw(scratch_);
  }
  void jsonString(std::string_view bytes) {
    through([&](std::string& s) { appendJsonString(s, bytes); });
  }
  void text(std::string_view bytes) {
    if (isPlainText(bytes)) {  // copied straight into the buffer
      char* at = room(bytes.size() + 2);
      *at = '"';
      std::memcpy(at + 1, bytes.data(), bytes.size());
      at[bytes.size() + 1] = '"';
      used_ += bytes.size() + 2;
      return;
    }
    through([&](std::string& s) { appendText(s, bytes); });
  }
  void hex64(uint64_t value) {
    through([&](std::string& s) { appendHex64(s, value); });
  }
  template <typename... Args>
  void format(fmt::format_string<Args...> pattern, Args&&... args) {
    through([&](std::string& s) {
      fmt::format_to(std::back_inserter(s), pattern, std::forward<Args>(args)...);
    });
  }
  template <typename Int>
  void integer(Int n) {
    constexpr std::size_t kDigits = 24;
    char* at = room(kDigits);
    uint64_t magnitude = static_cast<uint64_t>(n);
    if constexpr (std::is_signed_v<Int>) {
      if (n < 0) {
        *at++ = '-';
        magnitude = 0 - magnitude;
      }
    }
    used_ = static_cast<std::size_t>(writeDecimal(magnitude, at) - out_.data());
  }
  void hash(const FunctionHash& h) {
    hex64(h.high);
    hex64(h.low);
  }
  void spillIfFull() {
    if (spill_ && used_ >= kSpillBytes) {
      spill_(std::string_view(out_.data(), used_));
      used_ = 0;
    }
  }

  void value(Value v);
  void object(const Obj* object, std::optional<std::string>* error);
  void fingerprintMembers(const FileFingerprint& print) {
    raw(key::kLength.member());
    integer(print.length);
    raw(key::kHead.following());
    raw("\"");
    hex64(print.head);
    raw("\"");
    raw(key::kTail.following());
    raw("\"");
    hex64(print.tail);
    raw("\"");
  }
  void host(const std::string& snapshotPath);
  void functionIdentity(uint32_t index);
  const std::string& closureHead(uint32_t function);
  const std::vector<std::string>& recordKeys(const RecordType* type);

  const VM& vm_;
  std::string& out_;
  std::size_t used_;
  std::function<void(std::string_view)> spill_;
  std::string scratch_;
  ObjectIds ids_;
  std::vector<const Obj*> order_;
  std::vector<std::string> closureHeads_;  // per function; empty until first used
  std::unordered_map<const RecordType*, std::vector<std::string>> recordKeys_;
};

// `{"closure": NAME, "id": N, "hash": "...", "captures": [...], "upvalues": [`
const std::string& Encoder::closureHead(uint32_t function) {
  if (closureHeads_.empty()) closureHeads_.resize(vm_.program.functions.size());
  std::string& head = closureHeads_[function];
  if (!head.empty()) return head;
  const Function& f = vm_.program.functions[function];
  head = key::kClosure.opening();
  appendJsonString(head, f.name);
  head += fmt::format("{}{}{}\"{}\"{}[", key::kId.following(), function, key::kHash.following(),
                      f.hash.hex(), key::kCaptures.following());
  for (std::size_t i = 0; i < f.captures.size(); ++i) {
    if (i > 0) head += ", ";
    appendJsonString(head, f.captures[i].name);
  }
  head += "]";
  head += key::kUpvalues.following();
  head += "[";
  return head;
}

// [0]: `{"record": NAME, "fields": {`; [i + 1]: field i's key, `"x": `, after
// a ", " for all but the first.
const std::vector<std::string>& Encoder::recordKeys(const RecordType* type) {
  auto [it, added] = recordKeys_.try_emplace(type);
  std::vector<std::string>& keys = it->second;
  if (!added) return keys;
  keys.emplace_back(key::kRecord.opening());
  appendJsonString(keys[0], type == &vm_.errorType ? key::kErrorTypeName.text() : type->name);
  keys[0] += key::kFields.following();
  keys[0] += "{";
  for (std::size_t i = 0; i < type->fields.size(); ++i) {
    std::string key = i > 0 ? ", " : "";
    appendJsonString(key, type->fields[i]);
    key += ": ";
    keys.push_back(std::move(key));
  }
  return keys;
}

void Encoder::value(Value v) {
  switch (v.type) {
    case ValueType::None:
    case ValueType::Empty:  // never stored outside map holes, which are written as []
      raw("null");
      return;
    case ValueType::Bool:
      raw(v.as.b ? "true" : "false");
      return;
    case ValueType::Int:
      integer(v.as.i);
      return;
    case ValueType::Float: {
      if (!std::isfinite(v.as.f)) {
        raw(key::kFloat.opening());
        raw("\"");
        hex64(std::bit_cast<uint64_t>(v.as.f));
        raw("\"}");
        return;
      }
      // Shortest text that reads back to the same double; a '.' or exponent
      // marks it as a float (an integer token is an int).
      constexpr std::size_t kShortFloat = 24;  // '-', 15 digits, '.', zeros
      char* at = room(kShortFloat);
      if (char* end = writeShortFloat(v.as.f, at)) {
        used_ = static_cast<std::size_t>(end - out_.data());
        return;
      }
      char text[32];
      char* end = fmt::format_to(text, "{}", v.as.f);
      std::string_view digits(text, static_cast<std::size_t>(end - text));
      raw(digits);
      if (digits.find_first_of(".e") == std::string_view::npos) raw(".0");
      return;
    }
    case ValueType::Function:
      raw(key::kFn.opening());
      jsonString(vm_.program.functions[v.as.index].name);
      raw("}");
      return;
    case ValueType::Native:
      raw(key::kNative.opening());
      jsonString(kBuiltinInfo[v.as.index].name);
      raw("}");
      return;
    case ValueType::Object: {
      // The commonest value: `{"ref": ID}` written in one piece of room.
      constexpr std::string_view kOpening = key::kRef.opening();
      uint32_t id = idOf(v.as.obj);
      char* at = room(kOpening.size() + 24);
      std::memcpy(at, kOpening.data(), kOpening.size());
      at = writeDecimal(id, at + kOpening.size());
      *at++ = '}';
      used_ = static_cast<std::size_t>(at - out_.data());
      return;
    }
  }
}

void Encoder::functionIdentity(uint32_t index) {
  const Function& f = vm_.program.functions[index];
  raw(key::kFunction.member());
  jsonString(f.name);
  raw(key::kId.following());
  integer(index);
  raw(key::kHash.following());
  raw("\"");
  hash(f.hash);
  raw("\"");
}

void Encoder::object(const Obj* object, std::optional<std::string>* error) {
  switch (object->kind) {
    case ObjKind::String:
      raw(key::kString.opening());
      text(static_cast<const String*>(object)->view());
      raw("}");
      return;
    case ObjKind::Array: {
      const auto* array = static_cast<const Array*>(object);
      raw(key::kArray.opening());
      raw("[");
      for (std::size_t i = 0; i < array->count; ++i) {
        if (i > 0) raw(", ");
        value(array->items[i]);
        spillIfFull();
      }
      raw("]}");
      return;
    }
    case ObjKind::Map: {
      const auto* map = static_cast<const Map*>(object);
      // Every entry position is kept, deleted ones as [], so a for-loop's
      // position inside the map means the same entry after resume.
      raw(key::kCapacity.opening());
      integer(map->entryCapacity);
      raw(key::kMap.following());
      raw("[");
      for (std::size_t i = 0; i < map->entryCount; ++i) {
        if (i > 0) raw(", ");
        Value key = mapKeyAt(map, i);
        if (key.isEmpty()) {
          raw("[]");
          continue;
        }
        raw("[");
        value(key);
        raw(", ");
        value(mapValueAt(map, i));
        raw("]");
        spillIfFull();
      }
      raw("]}");
      return;
    }
    case ObjKind::Record: {
      const auto* record = static_cast<const Record*>(object);
      const std::vector<std::string>& keys = recordKeys(record->type);
      raw(keys[0]);
      for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
        raw(keys[i + 1]);
        value(record->fields()[i]);
      }
      raw("}}");
      return;
    }
    case ObjKind::Closure: {
      const auto* closure = static_cast<const Closure*>(object);
      raw(closureHead(closure->function));
      for (uint32_t i = 0; i < closure->upvalueCount; ++i) {
        if (i > 0) raw(", ");
        integer(idOf(closure->upvalues()[i]));
      }
      raw("]}");
      return;
    }
    case ObjKind::Upvalue: {
      const auto* upvalue = static_cast<const Upvalue*>(object);
      if (upvalue->location != &upvalue->closed) {
        raw(key::kUpvalue.opening());
        raw(key::kOpenUpvalue.quoted());
        raw(key::kSlot.following());
        integer(upvalue->location - vm_.stack);
        raw("}");
        return;
      }
      raw(key::kUpvalue.opening());
      raw(key::kClosedUpvalue.quoted());
      raw(key::kValue.following());
      value(upvalue->closed);
      raw("}");
      return;
    }
    case ObjKind::File: {
      const auto* file = static_cast<const File*>(object);
      const char* mode = file->mode == FileMode::Read    ? "r"
                         : file->mode == FileMode::Write ? "w"
                                                         : "a";
      raw(key::kFile.opening());
      text(*file->path);
      raw(key::kMode.following());
      format("\"{}\"", mode);
      if (file->handle == nullptr) {
        raw(key::kOpen.following());
        raw("false}");
        return;
      }
      // Written data must reach the file before its length is recorded: resume
      // truncates the file back to this length.
      std::fflush(file->handle);
      long offset = std::ftell(file->handle);
      if (offset < 0 && !*error) {
        *error = fmt::format("cannot find the position in file \"{}\": {}", *file->path,
                             std::strerror(errno));
      }
      raw(key::kOpen.following());
      raw("true");
      raw(key::kOffset.following());
      integer(offset < 0 ? 0 : offset);
      raw(key::kAbsolute.following());
      text(*file->absolutePath);
      std::optional<FileFingerprint> print = fingerprintOpenFile(fileno(file->handle));
      if (!print && !*error) {
        *error = fmt::format("cannot read file \"{}\" back to fingerprint it: {}", *file->path,
                             std::strerror(errno));
      }
      raw(", ");
      fingerprintMembers(print.value_or(FileFingerprint{}));
      raw("}");
      return;
    }
  }
}

// The run's place in the file system: its working directory, where this
// snapshot goes, and stdout when it is a regular file (resume truncates it
// back, as it does files from open()).
void Encoder::host(const std::string& snapshotPath) {
  std::error_code ignored;
  raw(",\n");
  raw(key::kHost.member());
  raw(key::kCwd.opening());
  text(std::filesystem::current_path(ignored).string());
  raw(key::kWrittenTo.following());
  text(std::filesystem::absolute(snapshotPath, ignored).lexically_normal().string());
  raw(key::kStdout.following());
  struct stat info {};
  std::optional<FileFingerprint> print;
  if (vm_.outputSink == nullptr && ::fstat(STDOUT_FILENO, &info) == 0 && S_ISREG(info.st_mode)) {
    print = fingerprintOpenFile(STDOUT_FILENO);
  }
  if (print) {
    raw("{");
    fingerprintMembers(*print);
    raw("}}");
  } else {
    raw("null}");
  }
}

void Encoder::encodeState(const std::string& snapshotPath, const std::string& programPath,
                          SnapshotReason reason, std::optional<std::string>* error) {
  // Every object takes at least 16 bytes of the heap, which bounds the ids to
  // come: room for that many costs only address space until written, on
  // huge pages, and spares order_ its growth by copying into fresh 4 KiB
  // pages (page faults were a fifth of writing a large heap). A hint: if the
  // address space is refused, order_ grows as usual.
  try {
    order_.reserve(vm_.heap.bytesAllocated() / 16 + 1);
  } catch (const std::bad_alloc&) {
  }
  adviseHugePages(order_.data(), order_.capacity() * sizeof(const Obj*));
  raw(key::kStatus.opening());
  raw(continuesAfter(reason) ? key::kCheckpointStatus.quoted() : key::kSuspendedStatus.quoted());
  raw(key::kReason.following());
  format("\"{}\",\n", reasonName(reason));
  raw(key::kProgram.member());
  raw(key::kHash.opening());
  raw("\"");
  raw(programIdentity(vm_.program).hex());
  raw("\"");
  raw(key::kPath.following());
  text(programPath);
  raw(key::kCode.following());
  raw("\"");
  through([&](std::string& s) {
    appendBase64(s, embeddedProgram(vm_.program, vm_.userFunctionCount));
  });
  raw("\"},\n");
  raw(key::kTotalSteps.member());
  integer(vm_.totalSteps);
  raw(",\n");
  raw(key::kRng.member());
  raw("[");
  for (int i = 0; i < 4; ++i) {
    raw(i > 0 ? ", \"" : "\"");
    hex64(vm_.rng.state[i]);
    raw("\"");
  }
  raw("],\n");
  raw(key::kArgs.member());
  raw("[");
  for (std::size_t i = 0; i < vm_.args.size(); ++i) {
    if (i > 0) raw(", ");
    text(vm_.args[i]);
  }
  raw("],\n");
  raw(key::kStdin.member());
  text(vm_.stdinBuffer);
  host(snapshotPath);

  raw(",\n");
  raw(key::kGlobals.member());
  raw("[");
  for (std::size_t i = 0; i < vm_.globals.size(); ++i) {
    raw(i > 0 ? ",\n  " : "\n  ");
    raw(key::kName.opening());
    jsonString(vm_.program.globals[i].name);
    raw(key::kValue.following());
    value(vm_.globals[i]);
    raw("}");
  }

  raw("],\n");
  raw(key::kFrames.member());
  raw("[");
  for (uint32_t i = 0; i < vm_.frameCount; ++i) {
    const Frame& frame = vm_.frames[i];
    raw(i > 0 ? ",\n  {" : "\n  {");
    functionIdentity(frame.function);
    raw(key::kIp.following());
    integer(frame.ip - vm_.functions[frame.function].exec.data());
    raw(key::kBase.following());
    integer(frame.base - vm_.stack);
    raw(key::kClosure.following());
    if (frame.closure != nullptr) {
      integer(idOf(frame.closure));
    } else {
      raw("null");
    }
    raw(key::kLine.following());
    integer(frame.function < vm_.userFunctionCount ? vm_.currentLine(frame) : 0);
    raw("}");
  }

  raw("],\n");
  raw(key::kHandlers.member());
  raw("[");
  for (std::size_t i = 0; i < vm_.handlers.size(); ++i) {
    const Handler& h = vm_.handlers[i];
    const Function& f = vm_.program.functions[vm_.frames[h.frameDepth].function];
    raw(i > 0 ? ",\n  " : "\n  ");
    raw(key::kFrame.opening());
    integer(h.frameDepth);
    raw(key::kStackSize.following());
    integer(h.stackSize);
    raw(key::kHash.following());
    raw("\"");
    raw(f.hash.hex());
    raw("\"");
    raw(key::kCatch.following());
    integer(h.catchOffset);
    raw("}");
  }

  raw("],\n");
  raw(key::kOpenUpvalues.member());
  raw("[");
  bool first = true;
  for (const Upvalue* u = vm_.openUpvalues; u != nullptr; u = u->nextOpen) {
    if (!first) raw(", ");
    first = false;
    integer(idOf(u));
  }

  raw("],\n");
  raw(key::kStack.member());
  raw("[");
  for (const Value* slot = vm_.stack; slot < vm_.sp; ++slot) {
    raw(slot > vm_.stack ? ",\n  " : "\n  ");
    value(*slot);
    spillIfFull();
  }

  raw("],\n");
  raw(key::kObjects.member());
  raw("[");
  // order_ grows while objects are written: a breadth-first walk of the heap.
  // The objects to write next are already known, so their cache misses are
  // taken ahead, overlapped, instead of one at a time: an object 16 ahead,
  // the items or entries of an array or map 8 ahead (their object then
  // fetched).
  for (std::size_t i = 0; i < order_.size(); ++i) {
    if (i + 16 < order_.size()) __builtin_prefetch(order_[i + 16]);
    if (i + 8 < order_.size()) {
      const Obj* ahead = order_[i + 8];
      if (ahead->kind == ObjKind::Array) {
        __builtin_prefetch(static_cast<const Array*>(ahead)->items);
      } else if (ahead->kind == ObjKind::Map) {
        __builtin_prefetch(static_cast<const Map*>(ahead)->entries);
      }
    }
    raw(i > 0 ? ",\n  " : "\n  ");
    object(order_[i], error);
    spillIfFull();
  }
  raw("]}");
}

}  // namespace

FunctionHash programIdentity(const Program& program) {
  Program unnamed = program;
  unnamed.sourceFile.clear();
  return programHash(unnamed);
}

std::vector<uint8_t> embeddedProgram(const Program& program, uint32_t userFunctionCount) {
  Program own;
  own.sourceFile = program.sourceFile;
  own.types = program.types;
  own.globals = program.globals;
  own.entry = program.entry;
  own.functions.assign(program.functions.begin(), program.functions.begin() + userFunctionCount);
  return writeSbc(own);
}

namespace {

// The first line up to the checksum's 16 digits, which follow at its end.
std::string headerPrefix() {
  return fmt::format("{}\"{}\"{}{}{}\"", key::kFormat.opening(), kSnapshotFormatName,
                     key::kVersion.following(), kSnapshotVersion, key::kChecksum.following());
}
constexpr std::string_view kHeaderEnd = "0000000000000000\",\n";

// Everything after the first line.
void encodeBody(const VM& vm, const std::string& snapshotPath, const std::string& programPath,
                SnapshotReason reason, std::string& out,
                std::function<void(std::string_view)> spill, std::optional<std::string>* error) {
  Encoder encoder(vm, out, std::move(spill));
  encoder.raw(key::kState.member());
  encoder.encodeState(snapshotPath, programPath, reason, error);
  encoder.raw("}\n");
  encoder.finish();
}

}  // namespace

std::string encodeSnapshot(const VM& vm, const std::string& snapshotPath,
                           const std::string& programPath, SnapshotReason reason,
                           std::optional<std::string>* error) {
  // The checksum covers every byte after the first line; it is patched into
  // the first line once the rest is known.
  std::string text = headerPrefix();
  std::size_t checksumAt = text.size();
  text += kHeaderEnd;
  std::size_t bodyAt = text.size();
  encodeBody(vm, snapshotPath, programPath, reason, text, nullptr, error);
  std::string checksum;
  appendHex64(checksum, XXH3_64bits(text.data() + bodyAt, text.size() - bodyAt));
  text.replace(checksumAt, checksum.size(), checksum);
  return text;
}

std::optional<std::string> writeSnapshot(const VM& vm, const std::string& path,
                                         const std::string& programPath, SnapshotReason reason) {
  std::optional<std::string> error;
  auto produce = [&](int fd, const std::string& temp) -> std::optional<std::string> {
    std::string text = headerPrefix();
    auto checksumAt = static_cast<off_t>(text.size());
    text += kHeaderEnd;
    std::size_t hashFrom = text.size();  // the first spill skips the first line
    text.reserve(kSpillBytes + kSpillBytes / 4);
    XXH3_state_t* state = XXH3_createState();
    if (state == nullptr) throw std::bad_alloc();
    XXH3_64bits_reset(state);
    std::optional<std::string> writeError;
    auto spill = [&](std::string_view chunk) {
      XXH3_64bits_update(state, chunk.data() + hashFrom, chunk.size() - hashFrom);
      hashFrom = 0;
      if (!writeError && !writeAll(fd, chunk)) {
        writeError = fmt::format("cannot write {}: {}", temp, std::strerror(errno));
      }
    };
    encodeBody(vm, path, programPath, reason, text, spill, &error);
    spill(text);
    std::string checksum;
    appendHex64(checksum, XXH3_64bits_digest(state));
    XXH3_freeState(state);
    if (error) return error;
    if (writeError) return writeError;
    if (!pwriteAll(fd, checksum, checksumAt)) {
      return fmt::format("cannot write {}: {}", temp, std::strerror(errno));
    }
    return std::nullopt;
  };
  return writeFileAtomically(path, produce);
}

RunOutcome runSavingSnapshots(VM& vm, const SnapshotSaver& save) {
  for (;;) {
    RunOutcome outcome = vm.run();
    if (!outcome.snapshotPoint) return outcome;
    if (std::optional<std::string> error = save(vm, *outcome.snapshotPoint)) {
      return RunOutcome{RunStatus::Error, 1, "snapshot failed: " + *error, {}};
    }
    if (outcome.status != RunStatus::CheckpointDue) return outcome;
  }
}

}  // namespace shapevm
