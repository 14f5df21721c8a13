// `shapevm inspect SNAP`: a human-readable summary of a snapshot, from the
// file alone (frames carry their function names and source lines; the
// program embedded in the snapshot, when it has debug information, names
// each frame's locals). Values are described at most one level deep, never
// by walking the heap, so any snapshot prints in time linear in its size.
#include <fmt/format.h>

#include <array>

#include "bytecode/builtin_names.h"
#include "bytecode/debug_info.h"
#include "bytecode/sbc.h"
#include "snapshot/snapshot.h"
#include "snapshot/snapshot_reader.h"

namespace shapevm {

namespace {

constexpr std::size_t kMaxShownString = 60;

std::string quotedBytes(std::string_view bytes) {
  std::string out = "\"";
  for (std::size_t i = 0; i < bytes.size() && i < kMaxShownString; ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (bytes.size() > kMaxShownString) out += "...";
  return out + "\"";
}

// `v` in a few words; a record with `fields` also shows its fields' values
// (described without fields themselves).
std::string describe(const SnapshotData& data, const SValue& v, bool fields = false) {
  switch (v.kind) {
    case SValueKind::None:
    case SValueKind::Hole:
      return "none";
    case SValueKind::Bool:
      return v.as.b ? "true" : "false";
    case SValueKind::Int:
      return fmt::format("{}", v.as.i);
    case SValueKind::Float:
      return fmt::format("{}", v.as.f);
    case SValueKind::Function:
      return fmt::format("<function {}>", data.functionNames[v.as.index]);
    case SValueKind::Native:
      return fmt::format("<function {}>", kBuiltinInfo[v.as.index].name);
    case SValueKind::Ref:
      break;
  }
  const SObject& o = data.objects[v.as.index];
  switch (o.kind) {
    case ObjKind::String:
      return quotedBytes(o.text);
    case ObjKind::Array:
      return fmt::format("<array of {}>", o.valueCount);
    case ObjKind::Map: {
      std::span<const SValue> values = data.valuesOf(o);
      std::size_t live = 0;
      for (std::size_t i = 0; i < values.size(); i += 2) live += values[i].kind != SValueKind::Hole;
      return fmt::format("<map of {}>", live);
    }
    case ObjKind::Record: {
      if (!fields) return fmt::format("<{} object>", o.text);
      std::span<const SValue> values = data.valuesOf(o);
      std::span<const std::string_view> names = data.namesOf(o);
      std::string text = fmt::format("{}{{", o.text);
      for (std::size_t i = 0; i < values.size() && i < names.size(); ++i) {
        text += fmt::format("{}{}: {}", i > 0 ? ", " : "", names[i], describe(data, values[i]));
      }
      return text + "}";
    }
    case ObjKind::Closure:
      return fmt::format("<function {}>", data.closureOf(o).function.name);
    case ObjKind::Upvalue:
      return "<upvalue>";
    case ObjKind::File:
      return fmt::format("<file {} ({})>", quotedBytes(o.text), o.open ? "open" : "closed");
  }
  return "?";
}

// "  p = Point{x: 4, y: 8}  i = 2": the named locals of `frame` at its
// instruction, when the embedded program has debug information for it.
std::string describeLocals(const SnapshotData& data, const Program* program, std::size_t index) {
  const SFrame& frame = data.frames[index];
  if (program == nullptr || !frame.function.hasHash) return {};
  const Function* function = nullptr;
  for (const Function& f : program->functions) {
    if (f.hash == frame.function.hash) function = &f;
  }
  if (function == nullptr) return {};
  // A caller is inside the call instruction that ends at its ip.
  bool top = index + 1 == data.frames.size();
  uint32_t at = top || frame.ip == 0 ? frame.ip : frame.ip - 1;
  std::string text;
  for (const LocalInfo* local : liveLocals(*function, at)) {
    std::size_t slot = std::size_t{frame.base} + local->slot;
    if (isHiddenLocal(*local) || slot >= data.stack.size()) continue;
    text += fmt::format("  {} = {}", local->name, describe(data, data.stack[slot], true));
  }
  return text;
}

}  // namespace

Result<std::string> inspectSnapshot(const std::string& path) {
  Result<SnapshotData> read = readSnapshotFile(path);
  if (!read) return read.error();
  const SnapshotData& data = read.value();
  std::string out;
  auto line = [&]<typename... Args>(fmt::format_string<Args...> pattern, Args&&... args) {
    out += fmt::format(pattern, std::forward<Args>(args)...);
    out += '\n';
  };
  line("snapshot: {} (format version {})", path, data.version);
  line("status:   {} ({})", data.status, data.reason);
  line("steps:    {}", data.totalSteps);
  if (data.programCode.empty()) {
    line("program:  {} (hash {})", data.programPath, data.programHash.hex());
  } else {
    line("program:  {} (hash {}; its {} bytes of .sbc are in the snapshot)", data.programPath,
         data.programHash.hex(), data.programCode.size());
  }
  // The embedded program names locals; one that does not read is not used.
  std::optional<Program> program;
  if (!data.programCode.empty()) {
    Result<Program> embedded = readSbc(data.programCode, path + " (embedded program)");
    if (embedded) program = std::move(embedded.value());
  }
  line("frames:   {} (innermost first)", data.frames.size());
  for (std::size_t i = data.frames.size(); i-- > 0;) {
    const SFrame& frame = data.frames[i];
    if (frame.line > 0) {
      line("  #{:<4} {} (line {}){}", i, frame.function.name, frame.line,
           describeLocals(data, program ? &*program : nullptr, i));
    } else {
      line("  #{:<4} {} (built-in)", i, frame.function.name);
    }
  }
  line("globals:  {}", data.globals.size());
  for (const SGlobal& global : data.globals) {
    line("  {} = {}", global.name, describe(data, global.value));
  }
  std::array<std::size_t, 7> counts{};
  std::size_t stringBytes = 0, openFiles = 0;
  for (const SObject& o : data.objects) {
    ++counts[static_cast<std::size_t>(o.kind)];
    if (o.kind == ObjKind::String) stringBytes += o.text.size();
    if (o.kind == ObjKind::File && o.open) ++openFiles;
  }
  line(
      "heap:     {} objects: {} strings ({} bytes), {} arrays, {} maps, {} records, {} closures, "
      "{} upvalues, {} files ({} open)",
      data.objects.size(), counts[0], stringBytes, counts[1], counts[2], counts[3], counts[4],
      counts[5], counts[6], openFiles);
  line("stack:    {} slots, {} exception handlers, {} open upvalues", data.stack.size(),
       data.handlers.size(), data.openUpvalues.size());
  if (!data.args.empty()) {
    std::string args;
    for (const std::string& a : data.args) {
      if (!args.empty()) args += ' ';
      args += quotedBytes(a);
    }
    line("args:     {}", args);
  }
  if (!data.stdinBuffer.empty()) line("stdin:    {} bytes read ahead", data.stdinBuffer.size());
  return out;
}

}  // namespace shapevm
