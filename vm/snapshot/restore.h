// Rebuilding a VM from validated snapshot data and a relocation plan. Every
// check that needs the program happens here before the VM is touched: frames'
// ips are reachable instruction boundaries, each return address follows a
// call, frame bases and the stack top match the operand depths the verifier
// proved for those positions, handlers catch at valid targets with the right
// stack size, closures run by frames belong to them. Only then is the heap
// rebuilt (objects first as empty shells, then filled, with collection
// paused until the restored roots hold them), and last, with side effects on
// disk, open files are reopened.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/huge_vector.h"
#include "snapshot/relocation.h"
#include "snapshot/snapshot_data.h"

namespace shapevm {

enum class RestoreMode {
  Run,     // reopen files (truncating written ones back to their saved length)
  Verify,  // check everything, touch no file
};

// How many map entries of spare capacity (beyond what the entries need) a
// snapshot may ask for in total: 16 Mi entries, 512 MiB.
inline constexpr std::size_t kMapCapacityBudget = std::size_t{1} << 24;

// A saved value as the VM holds it, for every kind but a function value and a
// reference, which need the relocation plan and the heap.
inline Value plainValue(const SValue& v) {
  switch (v.kind) {
    case SValueKind::None:
      return Value::none();
    case SValueKind::Bool:
      return Value::boolean(v.as.b);
    case SValueKind::Int:
      return Value::integer(v.as.i);
    case SValueKind::Float:
      return Value::floating(v.as.f);
    case SValueKind::Native:
      return Value::native(v.as.index);
    case SValueKind::Hole:
      return Value::empty();
    case SValueKind::Function:
    case SValueKind::Ref:
      break;
  }
  return Value::none();
}

// A File object that was open, as reopening it needs it.
struct OpenFileObject {
  std::size_t id;
  std::string_view path;  // as the program gave it (version 2 and older reopen it)
  uint64_t offset;
};

// A heap already rebuilt in the VM (straight_heap.h), every object checked:
// its objects by id, and the open files among them.
struct BuiltHeap {
  HugeVector<Obj*> objects;
  std::vector<OpenFileObject> openFiles;
};

// `vm` has loaded the program `plan` was made for and has not started.
// `mappings` (--map-path) say where the job's files are now. With `built`,
// the heap is that one (data.objects is then empty and `plan` has no entry
// per object) instead of rebuilt from `data`.
std::optional<Diagnostic> restoreVm(const SnapshotData& data, const RelocationPlan& plan, VM& vm,
                                    RestoreMode mode, const std::vector<PathMapping>& mappings,
                                    BuiltHeap* built = nullptr);

}  // namespace shapevm
