// Decoding a snapshot's heap straight into heap objects (see straight_heap.h).
//
// Two steps. Making: the heap's text is scanned in pieces (one for a small
// heap), two at a time on two threads, and every object is made as soon as
// the scanner hands it over, in the heap of the thread decoding its piece,
// with whatever it refers to still an object id. Resolving: with every object
// made and the program at hand, the ids become pointers, record types and
// closure functions become the program's, maps are indexed, and each check
// the general path makes of the heap is made on the way.
#include "snapshot/straight_heap.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/huge_pages.h"
#include "core/run_beside.h"
#include "snapshot/canonical_objects.h"
#include "snapshot/relocation.h"

namespace shapevm {

namespace {

// A record type as the snapshot names it: the type of the records that name it
// until they are resolved, and then the program's type it matches.
struct SavedType : RecordType {
  bool builtin = false;                 // the VM's own Error type
  const RecordType* program = nullptr;  // set once matched
};

// An object id where a pointer will be: an Object value's payload, or a
// closure's upvalue slot, until resolved.
Value unresolvedRef(uint32_t id) {
  Value ref;
  ref.type = ValueType::Object;
  ref.as.i = id;
  return ref;
}
Upvalue* unresolvedUpvalue(uint32_t id) {
  return reinterpret_cast<Upvalue*>(static_cast<std::uintptr_t>(id));
}

// One piece of the heap made into objects, a batch at a time (take), on the
// thread decoding it and in that thread's heap. Until resolved, references are ids
// (unresolvedRef), a record's type is a SavedType, a closure's function is
// the index of its saved function in `functions`, a function value's index
// is the piece's id for the name, and a map holds its entries as saved,
// unindexed, with entryCount their number.
class PieceBuilder {
 public:
  // With `hashStrings`, each string is hashed as it is made, so that maps
  // may be resolved on two threads with their string keys only read.
  // The piece's text starts at `text`, in `buffer`.
  PieceBuilder(Value* stack, bool hashStrings, huge_blocks::ReleasableBuffer* buffer,
               const char* text)
      : stack_(stack), hashStrings_(hashStrings), buffer_(buffer), read_(text) {}

  // Makes the batch's objects in `heap` (the heap of the thread decoding the
  // piece). The text read so far is released as it goes: its pages are the
  // heap's next (huge_blocks::ReleasableBuffer).
  bool take(Heap& heap, const SnapshotData& batch, const char* readTo) {
    heap_ = &heap;
    if (buffer_ != nullptr) {
      buffer_->releasePages(read_, readTo);
      // On from the page readTo is in, which is released once passed.
      auto page = reinterpret_cast<const char*>(
          alignDownToHugePage(reinterpret_cast<std::uintptr_t>(readTo)));
      read_ = std::max(read_, page);
    }
    try {
      for (const SObject& o : batch.objects) {
        Obj* made = make(o, batch);
        if (made == nullptr) return false;
        objects.push_back(made);
      }
    } catch (const std::bad_alloc&) {  // the memory limit (OutOfMemory) included
      return false;
    }
    return true;
  }

  HugeVector<Obj*> objects;
  std::vector<std::unique_ptr<SavedType>> types;
  std::vector<FunctionRef> functions;
  std::vector<OpenFileObject> openFiles;  // ids counted from the piece's first object
  uint64_t mapCapacities = 0;

 private:
  static Value value(const SValue& v) {
    if (v.kind == SValueKind::Function) return Value::function(v.as.index);
    if (v.kind == SValueKind::Ref) return unresolvedRef(v.as.index);
    return plainValue(v);
  }

  Obj* make(const SObject& o, const SnapshotData& batch) {
    std::span<const SValue> values = batch.valuesOf(o);
    switch (o.kind) {
      case ObjKind::String: {
        String* string = heap_->newString(o.text);
        if (hashStrings_) string->hashValue();
        return string;
      }
      case ObjKind::Array: {
        Array* array = heap_->newArray(values.size());
        for (const SValue& v : values) array->items[array->count++] = value(v);
        return array;
      }
      case ObjKind::Map:
        return map(o, values);
      case ObjKind::Record: {
        const SavedType* type = typeOf(o, batch);
        if (type->fields.size() != values.size()) return nullptr;
        Record* record = heap_->newRecord(type);
        for (std::size_t i = 0; i < values.size(); ++i) record->fields()[i] = value(values[i]);
        return record;
      }
      case ObjKind::Closure: {
        std::span<const uint32_t> upvalues = batch.upvaluesOf(o);
        Closure* closure = heap_->newClosure(functionOf(batch.closureOf(o).function),
                                             static_cast<uint32_t>(upvalues.size()));
        for (std::size_t i = 0; i < upvalues.size(); ++i) {
          closure->upvalues()[i] = unresolvedUpvalue(upvalues[i]);
        }
        return closure;
      }
      case ObjKind::Upvalue: {
        if (!o.open && values.size() != 1) return nullptr;
        // An open upvalue's slot is at most kMaxStackSlots (the scanner's
        // bound): resolving checks it is below the stack top.
        Upvalue* upvalue = heap_->newUpvalue(stack_ + (o.open ? o.number : 0));
        if (!o.open) {
          upvalue->location = &upvalue->closed;
          upvalue->closed = value(values[0]);
        }
        return upvalue;
      }
      case ObjKind::File:
        if (o.open) openFiles.push_back(OpenFileObject{objects.size(), o.text, o.number});
        return heap_->newFile(nullptr, std::string(o.text), std::string(o.text), o.mode);
    }
    return nullptr;
  }

  // The map in the shape restore.cpp gives it: its saved capacity (the
  // budget for spare room is checked over all maps before any is made
  // there, and here as they are made), dense when its keys are 0, 1, 2...
  Map* map(const SObject& o, std::span<const SValue> values) {
    mapCapacities += o.number;
    if (mapCapacities > kMapCapacityBudget) return nullptr;
    std::size_t entries = values.size() / 2;
    bool dense = true;
    for (std::size_t e = 0; e < entries && dense; ++e) {
      const SValue& key = values[2 * e];
      dense = key.kind == SValueKind::Int && key.as.i == static_cast<int64_t>(e);
    }
    std::size_t capacity =
        std::max<std::size_t>(Heap::mapCapacityFor(entries), static_cast<std::size_t>(o.number));
    Map* map = heap_->newMapOfShape(capacity, dense);
    for (std::size_t e = 0; e < entries; ++e) {
      if (dense) {
        map->values[e] = value(values[2 * e + 1]);
      } else {
        map->entries[e] = MapEntry{value(values[2 * e]), value(values[2 * e + 1])};
      }
    }
    map->entryCount = static_cast<uint32_t>(entries);
    return map;
  }

  // The records of one type share their type name and names (the scanner's
  // ranges), so most find their type by those alone; the others by a key of
  // their contents, lengths first so that no two lists give the same key.
  const SavedType* typeOf(const SObject& record, const SnapshotData& batch) {
    if (lastType_ != nullptr && record.builtinType == lastType_->builtin &&
        record.text.data() == lastText_.data() && record.text.size() == lastText_.size() &&
        record.firstName == lastFirstName_ && record.nameCount == lastNameCount_) {
      return lastType_;
    }
    std::span<const std::string_view> names = batch.namesOf(record);
    std::string key(record.builtinType ? "E" : "P");
    auto add = [&key](std::string_view text) {
      std::size_t size = text.size();
      key.append(reinterpret_cast<const char*>(&size), sizeof size);
      key += text;
    };
    add(record.text);
    for (std::string_view name : names) add(name);
    auto [found, added] = typesByKey_.try_emplace(std::move(key), nullptr);
    if (added) {
      auto type = std::make_unique<SavedType>();
      type->name = record.text;
      type->fields.assign(names.begin(), names.end());
      type->builtin = record.builtinType;
      found->second = type.get();
      types.push_back(std::move(type));
    }
    lastType_ = found->second;
    lastText_ = record.text;
    lastFirstName_ = record.firstName;
    lastNameCount_ = record.nameCount;
    return lastType_;
  }

  // Likewise the closures of one function share its name, hash and id.
  uint32_t functionOf(const FunctionRef& function) {
    if (!functions.empty() && function.name.data() == lastFunction_.name.data() &&
        function.name.size() == lastFunction_.name.size() && function.hash == lastFunction_.hash &&
        function.id == lastFunction_.id) {
      return lastFunctionIndex_;
    }
    std::string key(sizeof function.hash + sizeof function.id, '\0');
    std::memcpy(key.data(), &function.hash, sizeof function.hash);
    std::memcpy(key.data() + sizeof function.hash, &function.id, sizeof function.id);
    key += function.name;
    auto [found, added] =
        functionsByKey_.try_emplace(std::move(key), static_cast<uint32_t>(functions.size()));
    if (added) functions.push_back(function);
    lastFunction_ = function;
    lastFunctionIndex_ = found->second;
    return lastFunctionIndex_;
  }

  Heap* heap_ = nullptr;
  Value* stack_;
  bool hashStrings_;
  huge_blocks::ReleasableBuffer* buffer_;
  const char* read_;  // where the text not released yet starts (a page or the piece's start)
  std::unordered_map<std::string, SavedType*> typesByKey_;
  const SavedType* lastType_ = nullptr;
  std::string_view lastText_;
  std::size_t lastFirstName_ = 0;
  std::size_t lastNameCount_ = 0;
  std::unordered_map<std::string, uint32_t> functionsByKey_;
  FunctionRef lastFunction_;
  uint32_t lastFunctionIndex_ = 0;
};

// Resolving: the pieces' saved types and functions matched to the program's
// (as planRelocation matches them when resuming into the snapshot's own
// program, and requiring that no field moves), then every object's
// references, one half of the ids on each thread when there are pieces.
class Resolver {
 public:
  Resolver(const SnapshotData& data, VM& vm, HugeVector<Obj*>& objects,
           const std::vector<StreamedPiece>& pieces)
      : data_(data), vm_(vm), objects_(objects), pieces_(pieces) {}

  // The targets of the pieces' function names, types and functions.
  bool match(const std::vector<std::unique_ptr<PieceBuilder>>& builders) {
    const Program& program = vm_.program;
    std::vector<uint32_t> byName;  // by id in data.functionNames
    for (std::string_view name : data_.functionNames) {
      int found = program.findFunction(name);
      if (found < 0) return false;
      byName.push_back(static_cast<uint32_t>(found));
    }
    FunctionsByHash byHash = functionsByHash(program);
    functionValues_.resize(pieces_.size());
    closureFunctions_.resize(pieces_.size());
    for (std::size_t piece = 0; piece < pieces_.size(); ++piece) {
      for (uint32_t id : pieces_[piece].functionIds) functionValues_[piece].push_back(byName[id]);
      for (const std::unique_ptr<SavedType>& saved : builders[piece]->types) {
        const RecordType* type = savedRecordType(vm_, saved->name, saved->builtin);
        if (type == nullptr || type->fields != saved->fields) return false;
        saved->program = type;
      }
      for (const FunctionRef& ref : builders[piece]->functions) {
        auto found = byHash.find(ref.hash);
        if (found == byHash.end() || ref.id != found->second ||
            program.functions[found->second].name != ref.name) {
          return false;
        }
        closureFunctions_[piece].push_back(found->second);
      }
    }
    return true;
  }

  // Every object's references; false at the first that the general path
  // would refuse. *openUpvalues counts the open upvalues. On two threads,
  // each takes the next 16Ki ids when free: the objects near the start of a
  // snapshot (its large arrays) cost more than those near the end.
  bool objects(bool twoThreads, std::size_t* openUpvalues) {
    std::size_t count = objects_.size();
    if (!twoThreads) return range(0, count, openUpvalues);
    constexpr std::size_t kIds = std::size_t{1} << 14;
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::size_t open[2] = {0, 0};
    auto resolve = [&](int thread) {
      // Counted in a local: the two threads' counts share a cache line.
      std::size_t opened = 0;
      for (std::size_t from; !failed.load(std::memory_order_relaxed) &&
                             (from = next.fetch_add(kIds, std::memory_order_relaxed)) < count;) {
        if (!range(from, std::min(count, from + kIds), &opened)) failed.store(true);
      }
      open[thread] = opened;
    };
    runBeside([&] { resolve(1); }, [&] { resolve(0); });
    *openUpvalues = open[0] + open[1];
    return !failed.load();
  }

  // The references of the rest of the file, as the reader checks them.
  bool rest(std::size_t openUpvalues) const {
    std::size_t count = objects_.size();
    auto valid = [&](const SValue& v) {
      return v.kind != SValueKind::Hole && (v.kind != SValueKind::Ref || v.as.index < count);
    };
    auto is = [&](uint64_t id, ObjKind kind) { return id < count && objects_[id]->kind == kind; };
    if (data_.frames.empty()) return false;
    if (!std::all_of(data_.stack.begin(), data_.stack.end(), valid)) return false;
    for (const SGlobal& global : data_.globals) {
      if (!valid(global.value)) return false;
    }
    for (const SFrame& frame : data_.frames) {
      if (frame.closure >= 0 && !is(static_cast<uint64_t>(frame.closure), ObjKind::Closure)) {
        return false;
      }
    }
    uint32_t lastFrame = 0;
    for (const SHandler& h : data_.handlers) {
      if (h.frame >= data_.frames.size() || h.frame < lastFrame ||
          h.stackSize > data_.stack.size()) {
        return false;
      }
      lastFrame = h.frame;
    }
    if (data_.openUpvalues.size() != openUpvalues) return false;
    const Value* above = nullptr;  // the slot of the entry before
    for (uint32_t id : data_.openUpvalues) {
      if (!is(id, ObjKind::Upvalue)) return false;
      const auto* upvalue = static_cast<const Upvalue*>(objects_[id]);
      if (upvalue->location == &upvalue->closed) return false;
      if (above != nullptr && above <= upvalue->location) return false;
      above = upvalue->location;
    }
    return true;
  }

 private:
  bool reference(Value& v, std::size_t piece) const {
    if (v.type == ValueType::Object) {
      auto id = static_cast<uint64_t>(v.as.i);
      if (id >= objects_.size()) return false;
      v.as.obj = objects_[id];
    } else if (v.type == ValueType::Function) {
      v.as.index = functionValues_[piece][v.as.index];
    }
    return true;
  }

  // The objects [from, to), their open upvalues added to *openUpvalues.
  bool range(std::size_t from, std::size_t to, std::size_t* openUpvalues) {
    for (std::size_t piece = 0; piece < pieces_.size(); ++piece) {
      std::size_t first = std::max(from, pieces_[piece].firstId);
      std::size_t last = std::min(to, pieces_[piece].firstId + pieces_[piece].count);
      for (std::size_t id = first; id < last; ++id) {
        if (!object(objects_[id], piece, openUpvalues)) return false;
      }
    }
    return true;
  }

  bool object(Obj* o, std::size_t piece, std::size_t* openUpvalues) {
    switch (o->kind) {
      case ObjKind::String:
      case ObjKind::File:
        return true;
      case ObjKind::Array: {
        auto* array = static_cast<Array*>(o);
        for (std::size_t i = 0; i < array->count; ++i) {
          if (!reference(array->items[i], piece)) return false;
        }
        return true;
      }
      case ObjKind::Record: {
        auto* record = static_cast<Record*>(o);
        record->type = static_cast<const SavedType*>(record->type)->program;
        for (std::size_t i = 0; i < record->type->fields.size(); ++i) {
          if (!reference(record->fields()[i], piece)) return false;
        }
        return true;
      }
      case ObjKind::Closure: {
        auto* closure = static_cast<Closure*>(o);
        uint32_t function = closureFunctions_[piece][closure->function];
        if (vm_.program.functions[function].captures.size() != closure->upvalueCount) return false;
        closure->function = function;
        for (uint32_t i = 0; i < closure->upvalueCount; ++i) {
          auto id = reinterpret_cast<std::uintptr_t>(closure->upvalues()[i]);
          if (id >= objects_.size() || objects_[id]->kind != ObjKind::Upvalue) return false;
          closure->upvalues()[i] = static_cast<Upvalue*>(objects_[id]);
        }
        return true;
      }
      case ObjKind::Upvalue: {
        auto* upvalue = static_cast<Upvalue*>(o);
        if (upvalue->location == &upvalue->closed) return reference(upvalue->closed, piece);
        ++*openUpvalues;
        return upvalue->location < vm_.stack + data_.stack.size();
      }
      case ObjKind::Map:
        return map(static_cast<Map*>(o), piece);
    }
    return false;
  }

  // The entries appended again in order, as restore.cpp's fillMap appends
  // them, each read just before its place is written.
  bool map(Map* map, std::size_t piece) {
    std::size_t count = map->entryCount;
    map->entryCount = 0;
    for (std::size_t e = 0; e < count; ++e) {
      if (map->dense) {
        Value value = map->values[e];
        if (!reference(value, piece)) return false;
        vm_.heap.mapAppend(map, Value::integer(static_cast<int64_t>(e)), value);
        continue;
      }
      MapEntry entry = map->entries[e];
      if (entry.key.isEmpty()) {  // a deleted entry
        vm_.heap.mapAppend(map, entry.key, Value::none());
        continue;
      }
      if (!reference(entry.key, piece) || !reference(entry.value, piece)) return false;
      bool hashable = entry.key.type == ValueType::None || entry.key.isBool() ||
                      entry.key.isNumber() || isObjKind(entry.key, ObjKind::String);
      Value existing;
      if (!hashable || vm_.heap.mapGet(map, entry.key, &existing)) return false;
      vm_.heap.mapAppend(map, entry.key, entry.value);
    }
    return true;
  }

  const SnapshotData& data_;
  VM& vm_;
  HugeVector<Obj*>& objects_;
  const std::vector<StreamedPiece>& pieces_;
  std::vector<std::vector<uint32_t>> functionValues_;    // by piece and name id
  std::vector<std::vector<uint32_t>> closureFunctions_;  // by piece and saved function
};

}  // namespace

std::optional<BuiltHeap> buildHeapStraight(SnapshotData& data, std::unique_ptr<VM>& vm) {
  DeferredHeap deferred = std::move(*data.deferredHeap);
  data.deferredHeap.reset();
  const char* begin = deferred.text.begin;
  const char* end = deferred.text.end;
  std::vector<const char*> cuts = choosePieceCuts(begin, end);
  bool inPieces = !cuts.empty();
  std::optional<BuiltHeap> built;
  {
    // The builders own the saved types that records point at until resolved:
    // they outlive both heaps' objects (`beside`'s, and the VM's, reset below
    // if anything fails).
    std::vector<std::unique_ptr<PieceBuilder>> builders;
    for (std::size_t piece = 0; piece <= cuts.size(); ++piece) {
      builders.push_back(std::make_unique<PieceBuilder>(vm->stack, inPieces, deferred.buffer.get(),
                                                        piece == 0 ? begin : cuts[piece - 1]));
    }
    Heap beside(vm->heap.maxMemory());
    {
      // Every object made is live, and references are ids until resolved:
      // nothing may be collected meanwhile.
      Heap::CollectionPause pause(vm->heap);
      Heap::CollectionPause pauseBeside(beside);
      if (inPieces) {
        vm->heap.preferHugePages();
        beside.preferHugePages();
      }
      Heap* heaps[2] = {&vm->heap, &beside};  // by thread
      std::vector<StreamedPiece> pieces;
      ObjectBatchSink toBuilders = [&](std::size_t piece, int thread, const SnapshotData& batch,
                                       const char* readTo) {
        return builders[piece]->take(*heaps[thread], batch, readTo);
      };
      uint64_t mapCapacities = 0;
      bool made = streamCanonicalObjects(begin, end, data, deferred.functionNameIds, cuts,
                                         toBuilders, &pieces) == end;
      for (const auto& builder : builders) mapCapacities += builder->mapCapacities;
      made = made && mapCapacities <= kMapCapacityBudget;
      if (made) {
        try {
          vm->heap.adopt(beside);
        } catch (const OutOfMemory&) {
          made = false;
        }
      }
      if (made) {
        HugeVector<Obj*> objects;
        objects.reserve(pieces.empty() ? 0 : pieces.back().firstId + pieces.back().count);
        for (const auto& builder : builders) {
          objects.insert(objects.end(), builder->objects.begin(), builder->objects.end());
        }
        Resolver resolver(data, *vm, objects, pieces);
        std::size_t openUpvalues = 0;
        if (resolver.match(builders) && resolver.objects(inPieces, &openUpvalues) &&
            resolver.rest(openUpvalues)) {
          built.emplace();
          built->objects = std::move(objects);
          for (std::size_t piece = 0; piece < pieces.size(); ++piece) {
            for (OpenFileObject file : builders[piece]->openFiles) {
              file.id += pieces[piece].firstId;
              built->openFiles.push_back(file);
            }
          }
        }
      }
    }
    if (!built) vm.reset();
  }
  return built;
}

}  // namespace shapevm
