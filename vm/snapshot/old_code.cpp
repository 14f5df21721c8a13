// Old code kept running after a relocation (see old_code.h).
#include "snapshot/old_code.h"

#include <fmt/format.h>

#include <unordered_map>

namespace shapevm {

std::string oldCodeName(std::string_view name) {
  return std::string(baseFunctionName(name)) + std::string(kOldCodeSuffix);
}

bool isOldCodeName(std::string_view name) {
  return name.size() > kOldCodeSuffix.size() && name.ends_with(kOldCodeSuffix);
}

std::string_view baseFunctionName(std::string_view name) {
  return isOldCodeName(name) ? name.substr(0, name.size() - kOldCodeSuffix.size()) : name;
}

namespace {

// Copies old functions into the new program, re-pointing their references by
// name. Copies are made on demand, so a closure created by old code is copied
// only when the new program's function of that name captures differently.
class OldCodeCopier {
 public:
  OldCodeCopier(Program& program, const Program& old, std::vector<std::string>& report)
      : program_(program), old_(old), report_(report) {
    for (std::size_t i = 0; i < program.functions.size(); ++i) {
      functions_.emplace(program.functions[i].name, static_cast<uint32_t>(i));
    }
    for (std::size_t i = 0; i < program.globals.size(); ++i) {
      globals_.emplace(program.globals[i].name, static_cast<uint32_t>(i));
    }
    for (std::size_t i = 0; i < program.types.size(); ++i) {
      types_.emplace(program.types[i].name, static_cast<uint32_t>(i));
    }
  }

  // The index of the copy of old function `oldIndex` in the program.
  uint32_t copy(uint32_t oldIndex) {
    if (auto it = copies_.find(oldIndex); it != copies_.end()) return it->second;
    Function function = old_.functions[oldIndex];
    function.name = oldCodeName(function.name);
    if (functions_.count(function.name)) {
      problems_.push_back(
          fmt::format("the new program already has a function named '{}'", function.name));
      return functions_[function.name];
    }
    auto index = add(std::move(function));
    copies_.emplace(oldIndex, index);
    // Re-pointing may copy more functions and grow the table: work on the code.
    std::vector<Instr> code = program_.functions[index].code;
    for (std::size_t o = 0; o < code.size(); o += instrWords(instrOp(code[o]))) {
      Op op = instrOp(code[o]);
      uint32_t a = instrA(code[o]);
      switch (opInfo(op).operand) {
        case Operand::Global:
          code[o] = makeInstr(op, global(a));
          break;
        case Operand::Func:
          code[o] = makeInstr(op, closureFunction(a));
          break;
        case Operand::Type:
          code[o] = makeInstr(op, type(a, op == Op::BuildRecord, oldIndex));
          break;
        default:
          break;
      }
    }
    program_.functions[index].code = std::move(code);
    return index;
  }

  std::vector<std::string> problems() { return std::move(problems_); }

 private:
  uint32_t add(Function function) {
    auto index = static_cast<uint32_t>(program_.functions.size());
    functions_.emplace(function.name, index);
    program_.functions.push_back(std::move(function));
    return index;
  }

  // The global of the same name; one the new program lacks is added: it
  // takes its saved value, or for a removed function a stand-in that raises.
  uint32_t global(uint32_t oldIndex) {
    const GlobalDecl& declared = old_.globals[oldIndex];
    if (auto it = globals_.find(declared.name); it != globals_.end()) return it->second;
    GlobalDecl added{declared.name, -1};
    if (declared.function >= 0) {
      const Function& removed = old_.functions[static_cast<std::size_t>(declared.function)];
      std::string name(baseFunctionName(removed.name));
      if (auto it = functions_.find(name); it != functions_.end()) {
        added.function = static_cast<int32_t>(it->second);
      } else {
        added.function = static_cast<int32_t>(add(standIn(name, removed.arity)));
        report_.push_back(fmt::format(
            "function {} removed: old code that still calls it raises NameError", name));
      }
    } else {
      report_.push_back(
          fmt::format("global {} removed: kept, with its value, for old code", declared.name));
    }
    auto index = static_cast<uint32_t>(program_.globals.size());
    globals_.emplace(added.name, index);
    program_.globals.push_back(std::move(added));
    return index;
  }

  static Function standIn(const std::string& name, uint32_t arity) {
    Function f;
    f.name = name;
    f.arity = arity;
    f.numLocals = arity;
    f.constants.push_back(Constant::ofString(fmt::format(
        "NameError: function '{}' was removed from the program, and old code still calls it",
        name)));
    f.code.push_back(makeInstr(Op::RaiseError, 0));
    return f;
  }

  // A closure created by old code: of the new function of that name when it
  // captures exactly the same slots, else of a copy of the old one.
  uint32_t closureFunction(uint32_t oldIndex) {
    const Function& nested = old_.functions[oldIndex];
    auto it = functions_.find(std::string(baseFunctionName(nested.name)));
    if (it != functions_.end() && program_.functions[it->second].captures == nested.captures) {
      return it->second;
    }
    return copy(oldIndex);
  }

  // The type of the same name. Old code may test for a type whose fields
  // changed, but not build one: its record would have the old fields.
  uint32_t type(uint32_t oldIndex, bool builds, uint32_t oldFunction) {
    const TypeDecl& declared = old_.types[oldIndex];
    auto it = types_.find(declared.name);
    if (it == types_.end()) {
      auto index = static_cast<uint32_t>(program_.types.size());
      types_.emplace(declared.name, index);
      program_.types.push_back(declared);
      report_.push_back(fmt::format("type {} removed: kept for old code", declared.name));
      return index;
    }
    if (builds && program_.types[it->second].fields != declared.fields) {
      problems_.push_back(
          fmt::format("the old code of {} builds records of type {}, whose fields changed",
                      baseFunctionName(old_.functions[oldFunction].name), declared.name));
    }
    return it->second;
  }

  Program& program_;
  const Program& old_;
  std::vector<std::string>& report_;
  std::vector<std::string> problems_;
  std::unordered_map<std::string, uint32_t> functions_, globals_, types_;
  std::unordered_map<uint32_t, uint32_t> copies_;  // old function -> its copy
};

}  // namespace

std::vector<std::string> addOldCode(Program& program, const Program& old,
                                    const std::vector<OldCodeUse>& uses,
                                    std::vector<std::string>& report) {
  OldCodeCopier copier(program, old, report);
  for (const OldCodeUse& use : uses) copier.copy(use.oldFunction);
  return copier.problems();
}

void pointAtOldCode(SnapshotData& data, const Program& loaded, const Program& old,
                    const std::vector<OldCodeUse>& uses) {
  for (const OldCodeUse& use : uses) {
    std::string name = oldCodeName(old.functions[use.oldFunction].name);
    int index = loaded.findFunction(name);
    if (index < 0) continue;  // a name clash addOldCode reported
    FunctionRef copy{data.text.store(name), true,
                     loaded.functions[static_cast<std::size_t>(index)].hash, false, 0};
    if (use.isClosure) {
      data.closures[data.objects[use.index].closure].function = copy;
      continue;
    }
    SFrame& frame = data.frames[use.index];
    frame.function = copy;
    for (SHandler& handler : data.handlers) {
      if (handler.frame != use.index) continue;
      handler.hasHash = true;
      handler.hash = copy.hash;
    }
    if (frame.closure >= 0) {
      const SObject& object = data.objects[static_cast<std::size_t>(frame.closure)];
      if (object.kind == ObjKind::Closure) data.closures[object.closure].function = copy;
    }
  }
}

}  // namespace shapevm
