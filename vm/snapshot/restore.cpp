// Rebuilding a VM from snapshot data (see restore.h).
#include "snapshot/restore.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_map>

#include "core/config.h"
#include "core/run_beside.h"
#include "snapshot/code_shape.h"

namespace shapevm {

namespace {

class Restorer {
 public:
  Restorer(const SnapshotData& data, const RelocationPlan& plan, VM& vm)
      : data_(data), plan_(plan), vm_(vm) {}
  // The heap is `built`, not rebuilt from the data.
  void adopt(BuiltHeap&& built) {
    objects_ = std::move(built.objects);
    openFiles_ = std::move(built.openFiles);
    built_ = true;
  }

  std::optional<Diagnostic> checkFrames();
  std::optional<Diagnostic> checkHandlers();
  std::optional<Diagnostic> buildHeap();
  void installState();
  std::optional<Diagnostic> reopenFiles(const std::vector<PathMapping>& mappings);
  void truncateStdout();

 private:
  const CodeShape& shapeOf(uint32_t function) {
    auto it = shapes_.find(function);
    if (it == shapes_.end()) {
      it = shapes_.emplace(function, analyzeCode(vm_.program, function)).first;
    }
    return it->second;
  }
  Diagnostic bad(std::string message) const {
    return Diagnostic::inFile(data_.file, std::move(message));
  }
  Value decode(const SValue& v) const {
    if (v.kind == SValueKind::Function) return Value::function(plan_.functionValues[v.as.index]);
    if (v.kind == SValueKind::Ref) return Value::object(objects_[v.as.index]);
    return plainValue(v);
  }
  // The function of closure `id`: planned, or the built closure's.
  uint32_t closureFunction(std::size_t id) const {
    return built_ ? static_cast<const Closure*>(objects_[id])->function
                  : plan_.closureFunctions[id];
  }
  Obj* shell(std::size_t id, Heap& heap, std::vector<OpenFileObject>& openFiles, bool hashStrings);
  std::optional<Diagnostic> fill(std::size_t id);
  Map* newMap(const SObject& saved, Heap& heap, std::size_t* budget);
  void makeAddedFieldValues();
  Value addedFieldValue(const RecordType* type, std::size_t field) const;
  std::optional<Diagnostic> fillMap(std::size_t id, Map* map);

  const SnapshotData& data_;
  const RelocationPlan& plan_;
  VM& vm_;
  std::unordered_map<uint32_t, CodeShape> shapes_;
  HugeVector<Obj*> objects_;  // by id
  // By program type: what each field starts as in a saved record that lacks
  // it (relocation added it to the type): its declared default, else none.
  // Empty for a type without defaults.
  std::vector<std::vector<Value>> addedFieldValues_;
  // The open files, listed as they are rebuilt so that reopening them needs
  // no third pass over all objects.
  std::vector<OpenFileObject> openFiles_;
  bool built_ = false;  // adopt()ed
};

std::optional<Diagnostic> Restorer::checkFrames() {
  std::size_t expectedBase = 1;  // the entry frame's callee slot is stack[0]
  for (std::size_t i = 0; i < data_.frames.size(); ++i) {
    const SFrame& frame = data_.frames[i];
    uint32_t index = plan_.frameFunctions[i];
    const Function& f = vm_.program.functions[index];
    const CodeShape& shape = shapeOf(index);
    std::string where = fmt::format("frame #{} (function '{}')", i, f.name);
    if (frame.ip >= f.code.size()) {
      return bad(fmt::format("{}: ip {} is outside the function ({} words)", where, frame.ip,
                             f.code.size()));
    }
    if (!shape.isInstruction(frame.ip)) {
      return bad(
          fmt::format("{}: ip {} is inside an instruction, not at its start", where, frame.ip));
    }
    if (!shape.isReachable(frame.ip)) {
      return bad(fmt::format("{}: ip {} is unreachable code", where, frame.ip));
    }
    bool top = i + 1 == data_.frames.size();
    if (!top) {
      // A caller waits just after the call instruction that made the next frame.
      int32_t call = shape.previous[frame.ip];
      Op op = call >= 0 ? instrOp(f.code[call]) : Op::Halt;
      if (op != Op::Call && op != Op::CallMethod) {
        return bad(fmt::format("{}: ip {} does not follow a call, yet frame #{} is above it", where,
                               frame.ip, i + 1));
      }
    }
    if (frame.base != expectedBase) {
      return bad(fmt::format("{}: base {} should be {} (just above the caller's operands)", where,
                             frame.base, expectedBase));
    }
    std::size_t localsEnd = std::size_t{frame.base} + f.numLocals;
    if (localsEnd + f.maxStack + kStackSlack > kMaxStackSlots) {
      return bad(fmt::format("{}: the frame does not fit in the value stack", where));
    }
    std::size_t operandsEnd = localsEnd + static_cast<std::size_t>(shape.depth[frame.ip]);
    expectedBase = operandsEnd;
    if (top && operandsEnd != data_.stack.size()) {
      return bad(fmt::format("{}: the stack holds {} slots but ip {} expects {}", where,
                             data_.stack.size(), frame.ip, operandsEnd));
    }
    if (!top && operandsEnd > data_.stack.size()) {
      return bad(fmt::format("{}: the frame extends past the stack top", where));
    }
    bool needsClosure = !f.captures.empty();
    if (needsClosure != (frame.closure >= 0)) {
      return bad(fmt::format("{}: {}", where,
                             needsClosure
                                 ? "the function captures variables but the frame has no closure"
                                 : "the frame has a closure but its function captures nothing"));
    }
    if (frame.closure >= 0 && closureFunction(static_cast<std::size_t>(frame.closure)) != index) {
      return bad(
          fmt::format("{}: its closure (object {}) is of another function", where, frame.closure));
    }
  }
  return std::nullopt;
}

std::optional<Diagnostic> Restorer::checkHandlers() {
  for (std::size_t i = 0; i < data_.handlers.size(); ++i) {
    const SHandler& h = data_.handlers[i];
    const SFrame& frame = data_.frames[h.frame];
    uint32_t index = plan_.frameFunctions[h.frame];
    const Function& f = vm_.program.functions[index];
    std::string where = fmt::format("handler #{} (frame #{}, function '{}')", i, h.frame, f.name);
    if (h.hasHash && frame.function.hasHash && !(h.hash == frame.function.hash)) {
      return bad(fmt::format("{}: its hash is not the hash of its frame's function", where));
    }
    const CodeShape& shape = shapeOf(index);
    if (!shape.isReachable(h.catchOffset)) {
      return bad(
          fmt::format("{}: catch target {} is not a reachable instruction", where, h.catchOffset));
    }
    // Unwinding cuts the stack to stackSize and pushes the exception: that
    // must be exactly the depth the catch block was verified with.
    std::size_t expected = std::size_t{frame.base} + f.numLocals +
                           static_cast<std::size_t>(shape.depth[h.catchOffset]) - 1;
    if (shape.depth[h.catchOffset] < 1 || h.stackSize != expected) {
      return bad(fmt::format("{}: stack_size {} should be {}", where, h.stackSize, expected));
    }
    std::size_t limit =
        h.frame + 1 < data_.frames.size() ? data_.frames[h.frame + 1].base - 1 : data_.stack.size();
    if (h.stackSize > limit) {
      return bad(
          fmt::format("{}: stack_size {} is above its frame's operands", where, h.stackSize));
    }
  }
  return std::nullopt;
}

Map* Restorer::newMap(const SObject& saved, Heap& heap, std::size_t* budget) {
  std::span<const SValue> values = data_.valuesOf(saved);
  std::size_t entries = values.size() / 2;
  std::size_t natural = Heap::mapCapacityFor(entries);
  // The saved capacity decides when a later insertion squeezes out deleted
  // entries, so it is restored exactly, unless the snapshot claims more spare
  // room than the budget allows (then the map gets the capacity its entries
  // need; only the timing of that squeeze can differ).
  std::size_t capacity = natural;
  if (saved.number > natural && saved.number - natural <= *budget) {
    capacity = saved.number;
    *budget -= saved.number - natural;
  }
  // Inserting the keys in order keeps a map dense exactly when entry e holds
  // the int key e (Heap::mapAppend): the map gets that form from the start.
  bool dense = true;
  for (std::size_t e = 0; e < entries && dense; ++e) {
    const SValue& key = values[2 * e];
    dense = key.kind == SValueKind::Int && key.as.i == static_cast<int64_t>(e);
  }
  return heap.newMapOfShape(capacity, dense);
}

std::optional<Diagnostic> Restorer::fillMap(std::size_t id, Map* map) {
  std::span<const SValue> values = data_.valuesOf(data_.objects[id]);
  std::size_t count = values.size() / 2;
  for (std::size_t e = 0; e < count; ++e) {
    Value key = decode(values[2 * e]);
    // Look for a duplicate before the entry is stored: the lookup may find a
    // key at its own position (an int k at entry k), which must not be itself.
    Value existing;
    if (!key.isEmpty() && vm_.heap.mapGet(map, key, &existing)) {
      return bad(fmt::format("object {} (map) has the key {} twice", id, vm_.describeValue(key)));
    }
    vm_.heap.mapAppend(map, key, key.isEmpty() ? Value::none() : decode(values[2 * e + 1]));
  }
  return std::nullopt;
}

void Restorer::makeAddedFieldValues() {
  addedFieldValues_.resize(vm_.program.types.size());
  for (std::size_t t = 0; t < vm_.program.types.size(); ++t) {
    const TypeDecl& type = vm_.program.types[t];
    if (type.defaults.empty()) continue;
    std::vector<Value>& values = addedFieldValues_[t];
    values.assign(type.fields.size(), Value::none());
    for (const FieldDefault& fieldDefault : type.defaults) {
      Value& value = values[fieldDefault.field];
      const Constant& constant = fieldDefault.constant;
      switch (fieldDefault.kind) {
        case FieldDefault::Kind::None:
          break;
        case FieldDefault::Kind::False:
        case FieldDefault::Kind::True:
          value = Value::boolean(fieldDefault.kind == FieldDefault::Kind::True);
          break;
        case FieldDefault::Kind::Constant:
          if (constant.kind == ConstantKind::Int) value = Value::integer(constant.intValue);
          if (constant.kind == ConstantKind::Float) value = Value::floating(constant.floatValue);
          if (constant.kind == ConstantKind::String) {
            value = Value::object(vm_.heap.intern(constant.stringValue));
          }
          break;
      }
    }
  }
}

Value Restorer::addedFieldValue(const RecordType* type, std::size_t field) const {
  if (type == &vm_.errorType) return Value::none();
  const std::vector<Value>& values = addedFieldValues_[type - vm_.types.data()];
  return values.empty() ? Value::none() : values[field];
}

// Pass 1 for one object other than a map: its shell, and a container's
// storage, allocated in `heap`. An open file's id is added to `openFiles`.
// With `hashStrings` (the heap rebuilt on two threads), a string is hashed
// now, by the thread that made it: filling a map on either thread then reads
// a key's hash and never writes it.
Obj* Restorer::shell(std::size_t id, Heap& heap, std::vector<OpenFileObject>& openFiles,
                     bool hashStrings) {
  const SObject& o = data_.objects[id];
  switch (o.kind) {
    case ObjKind::String: {
      String* string = heap.newString(o.text);
      if (hashStrings) string->hashValue();
      return string;
    }
    case ObjKind::Array:
      return heap.newArray(o.valueCount);
    case ObjKind::Record:
      return heap.newRecord(plan_.recordTypes[id]);
    case ObjKind::Closure:
      return heap.newClosure(plan_.closureFunctions[id],
                             static_cast<uint32_t>(data_.closureOf(o).upvalueCount));
    case ObjKind::Upvalue: {
      Upvalue* u = heap.newUpvalue(vm_.stack + (o.open ? o.number : 0));
      if (!o.open) u->location = &u->closed;
      return u;
    }
    case ObjKind::File:
      if (o.open) openFiles.push_back(OpenFileObject{id, o.text, o.number});
      return heap.newFile(nullptr, std::string(o.text), std::string(o.text), o.mode);
    case ObjKind::Map:
      break;
  }
  return nullptr;  // maps are newMap's
}

// Pass 2 for one object: its contents. Nothing here allocates: a map was
// made with room for its entries. (On two threads its string keys were
// hashed in pass 1; on one, they are hashed here.)
std::optional<Diagnostic> Restorer::fill(std::size_t id) {
  const SObject& o = data_.objects[id];
  const std::vector<int32_t>* order = nullptr;
  if (!plan_.slotOrder.empty() && (o.kind == ObjKind::Record || o.kind == ObjKind::Closure)) {
    auto moved = plan_.slotOrder.find(id);
    if (moved != plan_.slotOrder.end()) order = &moved->second;
  }
  std::span<const SValue> values = data_.valuesOf(o);
  switch (o.kind) {
    case ObjKind::Array: {
      auto* array = static_cast<Array*>(objects_[id]);
      for (const SValue& v : values) array->items[array->count++] = decode(v);
      break;
    }
    case ObjKind::Map:
      return fillMap(id, static_cast<Map*>(objects_[id]));
    case ObjKind::Record: {
      auto* record = static_cast<Record*>(objects_[id]);
      for (std::size_t i = 0; i < record->type->fields.size(); ++i) {
        int32_t from = order == nullptr ? static_cast<int32_t>(i) : (*order)[i];
        record->fields()[i] = from < 0 ? addedFieldValue(record->type, i) : decode(values[from]);
      }
      break;
    }
    case ObjKind::Closure: {
      auto* closure = static_cast<Closure*>(objects_[id]);
      std::span<const uint32_t> upvalues = data_.upvaluesOf(o);
      for (uint32_t i = 0; i < closure->upvalueCount; ++i) {
        uint32_t from = order == nullptr ? i : static_cast<uint32_t>((*order)[i]);
        closure->upvalues()[i] = static_cast<Upvalue*>(objects_[upvalues[from]]);
      }
      break;
    }
    case ObjKind::Upvalue:
      if (!o.open) static_cast<Upvalue*>(objects_[id])->closed = decode(values[0]);
      break;
    default:
      break;
  }
  return std::nullopt;
}

// Two passes: every object as a shell, then the contents, which refer to any
// object. A large heap takes its pools' memory in huge-page regions from the
// start (a page fault costs about 10 µs here, and 4 KiB chunks cost one per
// 4 KiB), and is rebuilt on two threads: the objects from the middle id on,
// maps aside, are allocated in a heap of their own, which the VM's heap then
// adopts, and the second thread fills them while this one fills the rest.
// Map capacities come from one budget, taken in id order. When the maps'
// saved capacities add up to no more than the budget, every map gets its own
// in any order, and maps are made with the other objects on both threads;
// otherwise on this thread, in id order. So the heap is the same, object for
// object, on one thread or two.
std::optional<Diagnostic> Restorer::buildHeap() {
  // Collection is paused (restoreVm), so nothing needs rooting until the
  // state is installed.
  std::size_t count = data_.objects.size();
  objects_.resize(count);
  bool large = count >= kMinObjectsOnTwoThreads;
  std::size_t split = large ? count / 2 : count;
  if (large) vm_.heap.preferHugePages();
  bool mapsInIdOrder = data_.mapCapacities > kMapCapacityBudget;
  std::size_t budgets[2] = {kMapCapacityBudget, kMapCapacityBudget};  // this thread's, the other's
  // Maps are made only when given a budget.
  auto shells = [&](std::size_t from, std::size_t to, Heap& heap,
                    std::vector<OpenFileObject>& openFiles, std::size_t* budget) {
    for (std::size_t id = from; id < to; ++id) {
      if (data_.objects[id].kind != ObjKind::Map) {
        objects_[id] = shell(id, heap, openFiles, large);
      } else if (budget != nullptr) {
        objects_[id] = newMap(data_.objects[id], heap, budget);
      }
    }
  };
  if (split == count) {
    shells(0, count, vm_.heap, openFiles_, &budgets[0]);
  } else {
    Heap beside(vm_.heap.maxMemory());
    beside.preferHugePages();
    std::vector<OpenFileObject> openFilesBeside;
    {
      Heap::CollectionPause pause(beside);
      runBeside(
          [&] {
            shells(split, count, beside, openFilesBeside, mapsInIdOrder ? nullptr : &budgets[1]);
          },
          [&] { shells(0, split, vm_.heap, openFiles_, &budgets[0]); });
    }
    vm_.heap.adopt(beside);
    openFiles_.insert(openFiles_.end(), openFilesBeside.begin(), openFilesBeside.end());
    for (std::size_t id = split; id < count && mapsInIdOrder; ++id) {
      if (data_.objects[id].kind == ObjKind::Map) {
        objects_[id] = newMap(data_.objects[id], vm_.heap, &budgets[0]);
      }
    }
  }
  // A relocated record may gain fields; their values are made (a string
  // default allocates) before pass 2.
  if (!plan_.slotOrder.empty()) makeAddedFieldValues();
  // Pass 2. Only a map can be wrong (a key twice); each thread stops at its
  // first, and the one with the lower id is reported, as on one thread.
  std::optional<Diagnostic> errors[2];
  overObjectHalves(count, [&](std::size_t from, std::size_t to, int half) {
    std::optional<Diagnostic> error;  // a local: the two halves' share a cache line
    for (std::size_t id = from; id < to && !error; ++id) error = fill(id);
    errors[half] = std::move(error);
  });
  return errors[0] ? errors[0] : errors[1];
}

void Restorer::installState() {
  for (std::size_t i = 0; i < data_.stack.size(); ++i) vm_.stack[i] = decode(data_.stack[i]);
  vm_.sp = vm_.stack + data_.stack.size();
  for (std::size_t i = 0; i < data_.frames.size(); ++i) {
    const SFrame& saved = data_.frames[i];
    uint32_t function = plan_.frameFunctions[i];
    vm_.frames[i] =
        Frame{function, vm_.functions[function].exec.data() + saved.ip, vm_.stack + saved.base,
              saved.closure >= 0 ? static_cast<Closure*>(objects_[saved.closure]) : nullptr};
  }
  vm_.frameCount = static_cast<uint32_t>(data_.frames.size());
  vm_.handlers.clear();
  for (const SHandler& h : data_.handlers) {
    vm_.handlers.push_back(Handler{h.frame, h.stackSize, h.catchOffset});
  }
  for (std::size_t g = 0; g < vm_.globals.size(); ++g) {
    int64_t source = plan_.globalSources[g];
    if (source >= 0) {
      vm_.globals[g] = decode(data_.globals[source].value);
    } else if (source == RelocationPlan::kBindFunction) {
      vm_.globals[g] = Value::function(static_cast<uint32_t>(vm_.program.globals[g].function));
    } else {
      vm_.globals[g] = Value::none();
    }
  }
  Upvalue* next = nullptr;
  for (std::size_t i = data_.openUpvalues.size(); i-- > 0;) {
    auto* u = static_cast<Upvalue*>(objects_[data_.openUpvalues[i]]);
    u->nextOpen = next;
    next = u;
  }
  vm_.openUpvalues = next;
  for (int i = 0; i < 4; ++i) vm_.rng.state[i] = data_.rng[i];
  vm_.args = data_.args;
  vm_.stdinBuffer = data_.stdinBuffer;
  vm_.totalSteps = data_.totalSteps;
}

// Two passes, so that nothing is truncated unless every file checks out: the
// first finds each file (by its absolute path, mapped) and checks it is the
// job's own, the second truncates and opens.
std::optional<Diagnostic> Restorer::reopenFiles(const std::vector<PathMapping>& mappings) {
  std::unordered_map<uint32_t, const SOpenFile*> identities;
  for (const SOpenFile& identity : data_.host.files) identities.emplace(identity.object, &identity);
  std::vector<std::string> paths;
  for (const OpenFileObject& open : openFiles_) {
    auto found = identities.find(static_cast<uint32_t>(open.id));
    const SOpenFile* identity = found == identities.end() ? nullptr : found->second;
    // Version 2 and older: the path as the program gave it, from here.
    std::string path = identity != nullptr ? mapPath(std::string(identity->absolutePath), mappings)
                                           : std::string(open.path);
    if (path.find('\0') != std::string::npos) return bad("a file path contains a NUL byte");
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
      return bad(
          fmt::format("cannot reopen file \"{}\" (it was open when the snapshot was taken): {}",
                      path, std::strerror(errno)));
    }
    if (!S_ISREG(info.st_mode)) {
      return bad(fmt::format("cannot reopen file \"{}\": not a regular file", path));
    }
    uint64_t needed = identity != nullptr ? identity->fingerprint.length : open.offset;
    if (static_cast<uint64_t>(info.st_size) < needed) {
      return bad(fmt::format(
          "cannot reopen file \"{}\": it has {} bytes, fewer than the {} it had when the snapshot "
          "was taken",
          path, info.st_size, needed));
    }
    if (identity != nullptr && fingerprintPath(path, needed) != identity->fingerprint) {
      return bad(fmt::format(
          "file \"{}\" is not the one the job left: its first {} bytes differ from those recorded "
          "in the snapshot, so resume leaves it untouched (if the job's files have moved, say "
          "where "
          "with --map-path OLD=NEW)",
          path, needed));
    }
    paths.push_back(std::move(path));
  }
  for (std::size_t i = 0; i < openFiles_.size(); ++i) {
    auto* file = static_cast<File*>(objects_[openFiles_[i].id]);
    const std::string& path = paths[i];
    auto failure = [&](std::string_view what) {
      return bad(
          fmt::format("cannot reopen file \"{}\" ({}): {}", path, what, std::strerror(errno)));
    };
    auto offset = static_cast<off_t>(openFiles_[i].offset);
    std::FILE* handle = nullptr;
    if (file->mode == FileMode::Read) {
      handle = std::fopen(path.c_str(), "rb");
      if (handle == nullptr) return failure("for reading");
    } else {
      // Whatever was written after the snapshot is cut off, so the resumed
      // run writes it again exactly once.
      if (::truncate(path.c_str(), offset) != 0) return failure("truncating");
      handle = std::fopen(path.c_str(), file->mode == FileMode::Write ? "r+b" : "ab");
      if (handle == nullptr) return failure("for writing");
    }
    if (::fseeko(handle, offset, SEEK_SET) != 0) {
      std::fclose(handle);
      return failure("seeking");
    }
    file->handle = handle;
    *file->absolutePath = path;
  }
  truncateStdout();
  return std::nullopt;
}

// stdout written after the snapshot is cut off too, when stdout is still the
// regular file the job wrote to (the same bytes up to the recorded length):
// a run resumed from a checkpoint after SIGKILL then prints everything once.
// A pipe, a terminal or another file is left as it is.
void Restorer::truncateStdout() {
  if (!data_.host.stdoutFile || vm_.outputSink != nullptr) return;
  const FileFingerprint& recorded = *data_.host.stdoutFile;
  struct stat info {};
  if (::fstat(STDOUT_FILENO, &info) != 0 || !S_ISREG(info.st_mode) ||
      static_cast<uint64_t>(info.st_size) < recorded.length) {
    return;
  }
  if (fingerprintPath("/proc/self/fd/1", recorded.length) != recorded) return;
  if (::ftruncate(STDOUT_FILENO, static_cast<off_t>(recorded.length)) == 0 &&
      (::fcntl(STDOUT_FILENO, F_GETFL) & O_APPEND) == 0) {
    ::lseek(STDOUT_FILENO, static_cast<off_t>(recorded.length), SEEK_SET);
  }
}

}  // namespace

std::optional<Diagnostic> restoreVm(const SnapshotData& data, const RelocationPlan& plan, VM& vm,
                                    RestoreMode mode, const std::vector<PathMapping>& mappings,
                                    BuiltHeap* built) {
  Restorer restorer(data, plan, vm);
  if (built != nullptr) restorer.adopt(std::move(*built));
  if (auto error = restorer.checkFrames()) return error;
  if (auto error = restorer.checkHandlers()) return error;
  if (built != nullptr) {
    restorer.installState();
  } else {
    // Every object rebuilt is live, so collecting while the heap is rebuilt
    // would free nothing; the pause ends once the restored roots hold them.
    Heap::CollectionPause pause(vm.heap);
    try {
      if (auto error = restorer.buildHeap()) return error;
    } catch (const OutOfMemory&) {
      return Diagnostic::inFile(
          data.file, "the snapshot's heap does not fit in the memory limit (--max-memory)");
    }
    restorer.installState();
  }
  if (mode == RestoreMode::Run) return restorer.reopenFiles(mappings);
  return std::nullopt;
}

}  // namespace shapevm
