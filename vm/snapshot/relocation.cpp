// Relocation: resolving every identity a snapshot names against the target
// program (see relocation.h for the rules).
#include "snapshot/relocation.h"

#include <fmt/format.h>

#include <set>
#include <unordered_map>

#include "snapshot/repeated_names.h"

namespace shapevm {

FunctionsByHash functionsByHash(const Program& program) {
  FunctionsByHash byHash;
  for (std::size_t i = 0; i < program.functions.size(); ++i) {
    byHash.emplace(program.functions[i].hash, static_cast<uint32_t>(i));
  }
  return byHash;
}

const RecordType* savedRecordType(const VM& vm, std::string_view name, bool builtin) {
  if (builtin) return &vm.errorType;
  const RecordType* type = nullptr;
  for (const RecordType& t : vm.types) {
    if (t.name == name) type = &t;
  }
  return type;
}

namespace {

class Planner {
 public:
  Planner(const SnapshotData& data, const VM& vm, bool relocating, bool live,
          const std::string& programName, std::vector<std::string>& report)
      : data_(data),
        vm_(vm),
        program_(vm.program),
        relocating_(relocating),
        live_(relocating && live),
        programName_(programName),
        report_(report),
        byHash_(functionsByHash(program_)) {}

  std::variant<RelocationPlan, ResumeError> plan();

 private:
  // Why a function reference did not resolve, for the message.
  std::string describeMiss(const FunctionRef& ref) const {
    int byName = program_.findFunction(ref.name);
    if (byName < 0)
      return fmt::format("no function named '{}' exists in {}", ref.name, programName_);
    return fmt::format("function '{}' was changed in {}", ref.name, programName_);
  }
  // What planning a range of objects finds, kept apart per range so that
  // two ranges can be planned at once (overObjectHalves).
  struct ObjectPlans {
    std::unordered_map<std::size_t, std::vector<int32_t>> slotOrder;  // as in RelocationPlan
    std::vector<std::string> problems;
    std::set<std::string> fieldChanges;  // reported once per type and field
    // The last record planned without a problem. The reader gives the records
    // of one type the same type name and name range, so a record that has both
    // gets its plan without looking at a name.
    const SObject* lastRecord = nullptr;
    std::size_t lastRecordId = 0;
    // Likewise the last closure whose function was found by its hash.
    const SClosure* lastClosure = nullptr;
    uint32_t lastClosureFunction = 0;
  };

  std::optional<uint32_t> resolve(const FunctionRef& ref, std::string* why) const;
  std::string startingValue(const RecordType& type, std::size_t field) const;
  void planObjects();
  void planClosure(std::size_t id, const SObject& closure, ObjectPlans& plans);
  void planRecord(std::size_t id, const SObject& record, ObjectPlans& plans);
  void planGlobals();
  void planFunctionValues();
  // A mismatch: corrupt when resuming into the snapshot's own program,
  // not relocatable when resuming into a new one.
  void problem(std::string message) { problems_.push_back(std::move(message)); }

  const SnapshotData& data_;
  const VM& vm_;
  const Program& program_;
  bool relocating_;
  bool live_;
  const std::string& programName_;
  std::vector<std::string>& report_;
  std::set<std::string> fieldChanges_;  // reported once per type and field
  FunctionsByHash byHash_;
  RelocationPlan plan_;
  std::vector<std::string> problems_;
};

std::optional<uint32_t> Planner::resolve(const FunctionRef& ref, std::string* why) const {
  if (ref.hasHash) {
    auto it = byHash_.find(ref.hash);
    if (it == byHash_.end()) {
      *why = describeMiss(ref);
      return std::nullopt;
    }
    const Function& found = program_.functions[it->second];
    // In its own program a snapshot's ids and names must agree with the hash.
    if (!relocating_ && ((ref.hasId && ref.id != it->second) || found.name != ref.name)) {
      *why = fmt::format("function '{}' (id {}) does not match its hash", ref.name, ref.id);
      return std::nullopt;
    }
    return it->second;
  }
  if (ref.hasId) {
    if (ref.id >= program_.functions.size()) {
      *why = fmt::format("function id {} is out of range ({} has {} functions)", ref.id,
                         programName_, program_.functions.size());
      return std::nullopt;
    }
    if (program_.functions[ref.id].name != ref.name) {
      *why = fmt::format("function id {} is '{}' in {}, not '{}'", ref.id,
                         program_.functions[ref.id].name, programName_, ref.name);
      return std::nullopt;
    }
    return ref.id;
  }
  int byName = program_.findFunction(ref.name);  // names are unique in a verified program
  if (byName < 0) {
    *why = fmt::format("no function named '{}' exists in {}", ref.name, programName_);
    return std::nullopt;
  }
  return static_cast<uint32_t>(byName);
}

// What field `field` of `type` starts as in a live record that lacks it, as
// the report shows it: its declared default, or none.
std::string Planner::startingValue(const RecordType& type, std::size_t field) const {
  const FieldDefault* fieldDefault = nullptr;
  if (&type != &vm_.errorType) {
    fieldDefault = program_.types[&type - vm_.types.data()].defaultOf(field);
  }
  if (fieldDefault == nullptr) return "none";
  switch (fieldDefault->kind) {
    case FieldDefault::Kind::None:
      return "none";
    case FieldDefault::Kind::False:
      return "false";
    case FieldDefault::Kind::True:
      return "true";
    case FieldDefault::Kind::Constant:
      break;
  }
  const Constant& constant = fieldDefault->constant;
  switch (constant.kind) {
    case ConstantKind::Int:
      return std::to_string(constant.intValue);
    case ConstantKind::Float:
      return vm_.describeValue(Value::floating(constant.floatValue));
    case ConstantKind::String:
      return fmt::format("{:?}", constant.stringValue);
  }
  return "none";
}

void Planner::planClosure(std::size_t id, const SObject& object, ObjectPlans& plans) {
  const SClosure& closure = data_.closureOf(object);
  if (const SClosure* last = plans.lastClosure;
      last != nullptr && closure.function.hasHash && closure.function.hash == last->function.hash &&
      closure.function.hasId == last->function.hasId && closure.function.id == last->function.id &&
      closure.function.name.data() == last->function.name.data() &&
      closure.function.name.size() == last->function.name.size() &&
      closure.upvalueCount == last->upvalueCount) {
    plan_.closureFunctions[id] = plans.lastClosureFunction;
    return;
  }
  std::span<const std::string_view> names = data_.namesOf(object);
  std::string why;
  if (std::optional<uint32_t> found = resolve(closure.function, &why)) {
    const Function& f = program_.functions[*found];
    if (f.captures.size() != closure.upvalueCount) {
      plans.problems.push_back(
          fmt::format("closure of '{}' (object {}) has {} upvalues but the function captures {}",
                      closure.function.name, id, closure.upvalueCount, f.captures.size()));
      return;
    }
    plan_.closureFunctions[id] = *found;
    if (closure.function.hasHash) {
      plans.lastClosure = &closure;
      plans.lastClosureFunction = *found;
    }
    return;
  }
  // The function changed: re-bind to the function of the same name when it
  // captures the same variables.
  int byName = relocating_ ? program_.findFunction(closure.function.name) : -1;
  if (byName < 0) {
    plans.problems.push_back(
        fmt::format("closure of '{}' (object {}): {}", closure.function.name, id, why));
    return;
  }
  const Function& f = program_.functions[byName];
  std::vector<int32_t> order;
  bool same = f.captures.size() == names.size();
  for (std::size_t i = 0; same && i < f.captures.size(); ++i) {
    int32_t from = -1;
    for (std::size_t j = 0; j < names.size(); ++j) {
      if (names[j] == f.captures[i].name) from = static_cast<int32_t>(j);
    }
    same = from >= 0;
    order.push_back(from);
  }
  if (!same) {
    auto join = [](const auto& names, auto name) {
      std::string text;
      for (const auto& n : names) text += (text.empty() ? "" : ", ") + std::string(name(n));
      return text;
    };
    plans.problems.push_back(fmt::format(
        "closure of '{}' (object {}): the function changed and now captures ({}) instead of ({})",
        closure.function.name, id, join(f.captures, [](const Capture& c) { return c.name; }),
        join(names, [](std::string_view n) { return n; })));
    return;
  }
  plan_.closureFunctions[id] = static_cast<uint32_t>(byName);
  plans.slotOrder[id] = std::move(order);
}

void Planner::planRecord(std::size_t id, const SObject& record, ObjectPlans& plans) {
  if (const SObject* last = plans.lastRecord;
      last != nullptr && record.builtinType == last->builtinType &&
      record.text.data() == last->text.data() && record.text.size() == last->text.size() &&
      record.firstName == last->firstName && record.nameCount == last->nameCount) {
    plan_.recordTypes[id] = plan_.recordTypes[plans.lastRecordId];
    auto order = plans.slotOrder.find(plans.lastRecordId);
    if (order != plans.slotOrder.end()) plans.slotOrder[id] = order->second;
    return;
  }
  const RecordType* type = savedRecordType(vm_, record.text, record.builtinType);
  if (type == nullptr) {
    plans.problems.push_back(fmt::format("record type '{}' (object {}) does not exist in {}",
                                         record.text, id, programName_));
    return;
  }
  std::span<const std::string_view> names = data_.namesOf(record);
  std::vector<int32_t> order;
  bool identity = type->fields.size() == names.size();
  // Saved fields in the type's order (the usual case) need no search;
  // otherwise they are found by name through a hash map (a scan per field
  // made a record of 150k fields take seconds).
  bool sameOrder = identity && std::equal(names.begin(), names.end(), type->fields.begin());
  std::unordered_map<std::string_view, int32_t, SeededNameHash> savedAt;
  if (!sameOrder) {
    for (std::size_t j = 0; j < names.size(); ++j) savedAt[names[j]] = static_cast<int32_t>(j);
  }
  for (std::size_t i = 0; i < type->fields.size(); ++i) {
    int32_t from = static_cast<int32_t>(i);
    if (!sameOrder) {
      auto found = savedAt.find(type->fields[i]);
      from = found == savedAt.end() ? -1 : found->second;
    }
    if (from < 0 && !relocating_) {
      plans.problems.push_back(fmt::format("record of type '{}' (object {}) lacks field '{}'",
                                           record.text, id, type->fields[i]));
      return;
    }
    if (from < 0) {
      plans.fieldChanges.insert(fmt::format("type {}: field {} added (= {} in live objects)",
                                            record.text, type->fields[i], startingValue(*type, i)));
    }
    identity = identity && from == static_cast<int32_t>(i);
    order.push_back(from);
  }
  std::vector<bool> kept(names.size(), false);
  for (int32_t from : order) {
    if (from >= 0) kept[static_cast<std::size_t>(from)] = true;
  }
  for (std::size_t j = 0; j < names.size(); ++j) {
    std::string_view name = names[j];
    if (!kept[j] && live_) {
      plans.fieldChanges.insert(
          fmt::format("type {}: field {} dropped from live objects", record.text, name));
    } else if (!kept[j]) {
      plans.problems.push_back(
          fmt::format("record of type '{}' (object {}) has field '{}', which {} does not declare",
                      record.text, id, name, programName_));
      return;
    }
  }
  plan_.recordTypes[id] = type;
  if (!identity) plans.slotOrder[id] = std::move(order);
  plans.lastRecord = &record;
  plans.lastRecordId = id;
}

// Each object's function or type, on two threads for a large heap: each half
// has its own caches, problems and slot orders, joined in id order, so the
// plan and its messages are the same as on one thread.
void Planner::planObjects() {
  // Two entries an object, on huge pages once large (huge_vector.h).
  std::size_t objects = data_.objects.size();
  plan_.closureFunctions.assign(objects, 0);
  plan_.recordTypes.assign(objects, nullptr);
  ObjectPlans halves[2];
  overObjectHalves(objects, [&](std::size_t from, std::size_t to, int half) {
    for (std::size_t id = from; id < to; ++id) {
      const SObject& o = data_.objects[id];
      if (o.kind == ObjKind::Closure) planClosure(id, o, halves[half]);
      if (o.kind == ObjKind::Record) planRecord(id, o, halves[half]);
    }
  });
  for (ObjectPlans& plans : halves) {
    plan_.slotOrder.merge(plans.slotOrder);
    for (std::string& p : plans.problems) problem(std::move(p));
    fieldChanges_.merge(plans.fieldChanges);
  }
}

void Planner::planGlobals() {
  std::unordered_map<std::string_view, std::size_t> saved;
  for (std::size_t i = 0; i < data_.globals.size(); ++i) saved.emplace(data_.globals[i].name, i);
  plan_.globalSources.assign(program_.globals.size(), RelocationPlan::kStartNone);
  for (std::size_t g = 0; g < program_.globals.size(); ++g) {
    const GlobalDecl& decl = program_.globals[g];
    auto it = saved.find(decl.name);
    if (relocating_ && decl.function >= 0) {
      plan_.globalSources[g] = RelocationPlan::kBindFunction;
    } else if (it != saved.end()) {
      plan_.globalSources[g] = static_cast<int64_t>(it->second);
    } else if (!relocating_) {
      problem(fmt::format("global '{}' is missing", decl.name));
    }
  }
  if (relocating_) {
    for (std::size_t g = 0; g < program_.globals.size(); ++g) {
      if (plan_.globalSources[g] == RelocationPlan::kStartNone) {
        report_.push_back(fmt::format("global {}: new, starts as none", program_.globals[g].name));
      }
    }
    for (const SGlobal& global : data_.globals) {
      if (program_.findGlobal(global.name) < 0) {
        report_.push_back(fmt::format("global {}: dropped", global.name));
      }
    }
  }
  if (!relocating_ && data_.globals.size() != program_.globals.size()) {
    problem(fmt::format("the snapshot has {} globals but the program declares {}",
                        data_.globals.size(), program_.globals.size()));
  }
}

// Function values are matched by name. Only values the resumed VM keeps
// must resolve: a saved global the new program no longer declares is dropped
// with its value.
void Planner::planFunctionValues() {
  std::vector<std::size_t> missing;
  for (std::size_t i = 0; i < data_.functionNames.size(); ++i) {
    int found = program_.findFunction(data_.functionNames[i]);
    if (found < 0) missing.push_back(i);
    plan_.functionValues.push_back(found < 0 ? 0 : static_cast<uint32_t>(found));
  }
  // Only when a name is missing are the values searched for it: a pass over
  // every value of a large heap, which the usual resume does without.
  if (missing.empty()) return;
  std::vector<bool> used(data_.functionNames.size(), false);
  auto use = [&](const SValue& v) {
    if (v.kind == SValueKind::Function) used[v.as.index] = true;
  };
  for (const SValue& v : data_.stack) use(v);
  for (const SValue& v : data_.values) use(v);
  for (int64_t source : plan_.globalSources) {
    if (source >= 0) use(data_.globals[source].value);
  }
  for (std::size_t i : missing) {
    if (used[i]) {
      problem(fmt::format("a function value refers to '{}', which does not exist in {}",
                          data_.functionNames[i], programName_));
    }
  }
}

std::variant<RelocationPlan, ResumeError> Planner::plan() {
  for (std::size_t i = 0; i < data_.frames.size(); ++i) {
    const SFrame& frame = data_.frames[i];
    std::string why;
    std::optional<uint32_t> found = resolve(frame.function, &why);
    if (!found) {
      problem(fmt::format("frame #{} '{}' (line {}): {}", i, frame.function.name, frame.line, why));
      continue;
    }
    plan_.frameFunctions.push_back(*found);
  }
  planObjects();
  planGlobals();
  planFunctionValues();
  report_.insert(report_.end(), fieldChanges_.begin(), fieldChanges_.end());
  if (problems_.empty()) return std::move(plan_);

  std::string message;
  if (relocating_) {
    message = fmt::format("cannot relocate the snapshot into {}:", programName_);
  } else {
    message = fmt::format("the snapshot does not match its program {}:", programName_);
  }
  for (const std::string& p : problems_) message += "\n  " + p;
  return ResumeError{relocating_ ? ResumeFailure::NotRelocatable : ResumeFailure::BadInput,
                     Diagnostic::inFile(data_.file, message),
                     {}};
}

}  // namespace

std::variant<RelocationPlan, ResumeError> planRelocation(const SnapshotData& data, const VM& vm,
                                                         bool relocating, bool live,
                                                         const std::string& programName,
                                                         std::vector<std::string>& report) {
  return Planner(data, vm, relocating, live, programName, report).plan();
}

}  // namespace shapevm
