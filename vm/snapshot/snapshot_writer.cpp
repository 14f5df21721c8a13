// Writing a snapshot: the VM state, stopped at an instruction boundary, as
// JSON (docs/snapshot-format.md) built by hand in one buffer, then replaced
// atomically on disk.
//
// The heap is written as a graph: every object reachable from the roots (value
// stack, frames' closures, globals, open upvalues) gets exactly one id, in the
// order it is first met, and every reference is {"ref": id}, so sharing and
// cycles survive. Objects are emitted from a work list in id order, so nothing
// recurses over guest data and arbitrarily deep structures are fine.
#include <fmt/format.h>
#include <xxhash.h>

#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <iterator>
#include <unordered_map>

#include "bytecode/builtin_names.h"
#include "bytecode/sbc.h"
#include "snapshot/atomic_file.h"
#include "snapshot/json_text.h"
#include "snapshot/snapshot.h"
#include "snapshot/snapshot_data.h"

namespace shapevm {

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

bool keepsRunning(SnapshotReason reason) {
  return reason == SnapshotReason::Checkpoint || reason == SnapshotReason::PeriodicCheckpoint;
}

class Encoder {
 public:
  Encoder(const VM& vm, std::string& out) : vm_(vm), out_(out) {}

  // Appends the "state" object; `error` is set if an open file's position is unknown.
  void encodeState(const std::string& programPath, SnapshotReason reason,
                   std::optional<std::string>* error);

 private:
  uint32_t idOf(const Obj* object) {
    auto [it, inserted] = ids_.try_emplace(object, static_cast<uint32_t>(order_.size()));
    if (inserted) order_.push_back(object);
    return it->second;
  }

  void raw(std::string_view text) { out_ += text; }
  template <typename... Args>
  void format(fmt::format_string<Args...> pattern, Args&&... args) {
    fmt::format_to(std::back_inserter(out_), pattern, std::forward<Args>(args)...);
  }

  void value(Value v);
  void object(const Obj* object, std::optional<std::string>* error);
  void functionIdentity(uint32_t index);

  const VM& vm_;
  std::string& out_;
  std::unordered_map<const Obj*, uint32_t> ids_;
  std::vector<const Obj*> order_;
};

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
      format("{}", v.as.i);
      return;
    case ValueType::Float: {
      if (!std::isfinite(v.as.f)) {
        raw("{\"float\": \"");
        appendHex64(out_, std::bit_cast<uint64_t>(v.as.f));
        raw("\"}");
        return;
      }
      // Shortest text that reads back to the same double; a '.' or exponent
      // marks it as a float (an integer token is an int).
      std::size_t start = out_.size();
      format("{}", v.as.f);
      if (out_.find_first_of(".e", start) == std::string::npos) raw(".0");
      return;
    }
    case ValueType::Function:
      raw("{\"fn\": ");
      appendJsonString(out_, vm_.program.functions[v.as.index].name);
      raw("}");
      return;
    case ValueType::Native:
      raw("{\"native\": ");
      appendJsonString(out_, kBuiltinInfo[v.as.index].name);
      raw("}");
      return;
    case ValueType::Object:
      format("{{\"ref\": {}}}", idOf(v.as.obj));
      return;
  }
}

void Encoder::functionIdentity(uint32_t index) {
  const Function& f = vm_.program.functions[index];
  raw("\"function\": ");
  appendJsonString(out_, f.name);
  format(", \"id\": {}, \"hash\": \"{}\"", index, f.hash.hex());
}

void Encoder::object(const Obj* object, std::optional<std::string>* error) {
  switch (object->kind) {
    case ObjKind::String:
      raw("{\"string\": ");
      appendText(out_, static_cast<const String*>(object)->view());
      raw("}");
      return;
    case ObjKind::Array: {
      const auto* array = static_cast<const Array*>(object);
      raw("{\"array\": [");
      for (std::size_t i = 0; i < array->count; ++i) {
        if (i > 0) raw(", ");
        value(array->items[i]);
      }
      raw("]}");
      return;
    }
    case ObjKind::Map: {
      const auto* map = static_cast<const Map*>(object);
      // Every entry position is kept, deleted ones as [], so a for-loop's
      // position inside the map means the same entry after resume.
      format("{{\"capacity\": {}, \"map\": [", map->entryCapacity);
      for (std::size_t i = 0; i < map->entryCount; ++i) {
        if (i > 0) raw(", ");
        const MapEntry& entry = map->entries[i];
        if (entry.key.isEmpty()) {
          raw("[]");
          continue;
        }
        raw("[");
        value(entry.key);
        raw(", ");
        value(entry.value);
        raw("]");
      }
      raw("]}");
      return;
    }
    case ObjKind::Record: {
      const auto* record = static_cast<const Record*>(object);
      const RecordType* type = record->type;
      raw("{\"record\": ");
      // The VM's own Error type is written as "$Error": no program type can
      // have that name, so it never clashes with a type the program declares.
      appendJsonString(out_, type == &vm_.errorType ? "$Error" : type->name);
      raw(", \"fields\": {");
      for (std::size_t i = 0; i < type->fields.size(); ++i) {
        if (i > 0) raw(", ");
        appendJsonString(out_, type->fields[i]);
        raw(": ");
        value(record->fields()[i]);
      }
      raw("}}");
      return;
    }
    case ObjKind::Closure: {
      const auto* closure = static_cast<const Closure*>(object);
      const Function& f = vm_.program.functions[closure->function];
      raw("{\"closure\": ");
      appendJsonString(out_, f.name);
      format(", \"id\": {}, \"hash\": \"{}\", \"captures\": [", closure->function, f.hash.hex());
      for (std::size_t i = 0; i < f.captures.size(); ++i) {
        if (i > 0) raw(", ");
        appendJsonString(out_, f.captures[i].name);
      }
      raw("], \"upvalues\": [");
      for (uint32_t i = 0; i < closure->upvalueCount; ++i) {
        if (i > 0) raw(", ");
        format("{}", idOf(closure->upvalues()[i]));
      }
      raw("]}");
      return;
    }
    case ObjKind::Upvalue: {
      const auto* upvalue = static_cast<const Upvalue*>(object);
      if (upvalue->location != &upvalue->closed) {
        format("{{\"upvalue\": \"open\", \"slot\": {}}}", upvalue->location - vm_.stack);
        return;
      }
      raw("{\"upvalue\": \"closed\", \"value\": ");
      value(upvalue->closed);
      raw("}");
      return;
    }
    case ObjKind::File: {
      const auto* file = static_cast<const File*>(object);
      const char* mode = file->mode == FileMode::Read    ? "r"
                         : file->mode == FileMode::Write ? "w"
                                                         : "a";
      raw("{\"file\": ");
      appendText(out_, *file->path);
      format(", \"mode\": \"{}\"", mode);
      if (file->handle == nullptr) {
        raw(", \"open\": false}");
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
      format(", \"open\": true, \"offset\": {}}}", offset < 0 ? 0 : offset);
      return;
    }
  }
}

void Encoder::encodeState(const std::string& programPath, SnapshotReason reason,
                          std::optional<std::string>* error) {
  format("{{\"status\": \"{}\", \"reason\": \"{}\",\n",
         keepsRunning(reason) ? "checkpoint" : "suspended", reasonName(reason));
  raw("\"program\": {\"hash\": \"");
  raw(programIdentity(vm_.program).hex());
  raw("\", \"path\": ");
  appendText(out_, programPath);
  format("}},\n\"total_steps\": {},\n\"rng\": [", vm_.totalSteps);
  for (int i = 0; i < 4; ++i) {
    raw(i > 0 ? ", \"" : "\"");
    appendHex64(out_, vm_.rng.state[i]);
    raw("\"");
  }
  raw("],\n\"args\": [");
  for (std::size_t i = 0; i < vm_.args.size(); ++i) {
    if (i > 0) raw(", ");
    appendText(out_, vm_.args[i]);
  }
  raw("],\n\"stdin\": ");
  appendText(out_, vm_.stdinBuffer);

  raw(",\n\"globals\": [");
  for (std::size_t i = 0; i < vm_.globals.size(); ++i) {
    raw(i > 0 ? ",\n  {\"name\": " : "\n  {\"name\": ");
    appendJsonString(out_, vm_.program.globals[i].name);
    raw(", \"value\": ");
    value(vm_.globals[i]);
    raw("}");
  }

  raw("],\n\"frames\": [");
  for (uint32_t i = 0; i < vm_.frameCount; ++i) {
    const Frame& frame = vm_.frames[i];
    const Function& f = vm_.program.functions[frame.function];
    raw(i > 0 ? ",\n  {" : "\n  {");
    functionIdentity(frame.function);
    format(", \"ip\": {}, \"base\": {}, \"closure\": ", frame.ip - f.code.data(),
           frame.base - vm_.stack);
    if (frame.closure != nullptr) {
      format("{}", idOf(frame.closure));
    } else {
      raw("null");
    }
    format(", \"line\": {}}}", frame.function < vm_.userFunctionCount ? vm_.currentLine(frame) : 0);
  }

  raw("],\n\"handlers\": [");
  for (std::size_t i = 0; i < vm_.handlers.size(); ++i) {
    const Handler& h = vm_.handlers[i];
    const Function& f = vm_.program.functions[vm_.frames[h.frameDepth].function];
    format("{}{{\"frame\": {}, \"stack_size\": {}, \"hash\": \"{}\", \"catch\": {}}}",
           i > 0 ? ",\n  " : "\n  ", h.frameDepth, h.stackSize, f.hash.hex(), h.catchOffset);
  }

  raw("],\n\"open_upvalues\": [");
  bool first = true;
  for (const Upvalue* u = vm_.openUpvalues; u != nullptr; u = u->nextOpen) {
    if (!first) raw(", ");
    first = false;
    format("{}", idOf(u));
  }

  raw("],\n\"stack\": [");
  for (const Value* slot = vm_.stack; slot < vm_.sp; ++slot) {
    raw(slot > vm_.stack ? ",\n  " : "\n  ");
    value(*slot);
  }

  raw("],\n\"objects\": [");
  // order_ grows while objects are written: a breadth-first walk of the heap.
  for (std::size_t i = 0; i < order_.size(); ++i) {
    raw(i > 0 ? ",\n  " : "\n  ");
    object(order_[i], error);
  }
  raw("]}");
}

}  // namespace

FunctionHash programIdentity(const Program& program) {
  Program unnamed = program;
  unnamed.sourceFile.clear();
  return programHash(unnamed);
}

std::string encodeSnapshot(const VM& vm, const std::string& programPath, SnapshotReason reason,
                           std::optional<std::string>* error) {
  // The checksum covers every byte after the first line; it is patched into
  // the first line once the rest is known.
  std::string text = fmt::format("{{\"format\": \"{}\", \"version\": {}, \"checksum\": \"",
                                 kSnapshotFormatName, kSnapshotVersion);
  std::size_t checksumAt = text.size();
  text += "0000000000000000\",\n";
  std::size_t bodyAt = text.size();
  text += "\"state\": ";
  Encoder(vm, text).encodeState(programPath, reason, error);
  text += "}\n";
  std::string checksum;
  appendHex64(checksum, XXH3_64bits(text.data() + bodyAt, text.size() - bodyAt));
  text.replace(checksumAt, checksum.size(), checksum);
  return text;
}

std::optional<std::string> writeSnapshot(const VM& vm, const std::string& path,
                                         const std::string& programPath, SnapshotReason reason) {
  std::optional<std::string> error;
  std::string text = encodeSnapshot(vm, programPath, reason, &error);
  if (error) return error;
  return writeFileAtomically(path, text);
}

}  // namespace shapevm
