// Fuzz target: the snapshot reader and restorer. Most mutations break the
// checksum, so by default the checksum of each input is also recomputed and
// the input read again, which takes mutations past it into the structure and
// cross-reference checks (SHAPEVM_FUZZ_KEEP_CHECKSUM=1 turns that off). A
// snapshot that restores runs, bounded, and every snapshot the VM then writes
// must read back. A heap the restorer decodes straight into heap objects is
// decoded through its pools too, and the two VMs must be the same. The
// programs snapshots name are the examples, by file name.
#include <xxhash.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "fuzz_programs.h"
#include "fuzz_support.h"
#include "snapshot/json_text.h"
#include "snapshot/snapshot_data.h"
#include "snapshot/snapshot_reader.h"

using namespace shapevm;

namespace {

// `text` with the header's checksum made to match its body, when it has the
// shape of a header at all.
std::optional<std::string> withRecomputedChecksum(std::string text) {
  std::size_t newline = text.find('\n');
  if (newline == std::string::npos) return std::nullopt;
  std::size_t at = text.find("\"checksum\": \"");
  if (at == std::string::npos || at > newline || at + 13 + 16 > newline) return std::nullopt;
  std::string hex;
  appendHex64(hex, XXH3_64bits(text.data() + newline + 1, text.size() - newline - 1));
  text.replace(at + 13, 16, hex);
  return text;
}

bool isNativeOpen(const SValue& value) {
  static const uint32_t kOpen = static_cast<uint32_t>(findBuiltin("open"));
  return value.kind == SValueKind::Native && value.as.index == kOpen;
}

// Restoring reopens the files a snapshot names and running may write to
// them: only relative paths without "..", which resolve inside the fuzzer's
// scratch directory (scripts/fuzz runs it there), and running only without
// open() reachable from the snapshot's values.
bool staysInScratchDirectory(const SnapshotData& data, bool* mayOpen) {
  for (const SObject& object : data.objects) {
    if (object.kind != ObjKind::File) continue;
    std::filesystem::path path(std::string(object.text));
    if (path.empty() || path.is_absolute()) return false;
    for (const auto& part : path) {
      if (part == "..") return false;
    }
  }
  auto anyOpen = [](const auto& values) {
    for (const auto& v : values) {
      if (isNativeOpen(v)) return true;
    }
    return false;
  };
  *mayOpen = anyOpen(data.values) || anyOpen(data.stack);
  for (const SGlobal& global : data.globals) *mayOpen = *mayOpen || isNativeOpen(global.value);
  return true;
}

// What the VM `resumed` would write as its snapshot now.
std::string snapshotOf(const ResumedVM& resumed) {
  std::optional<std::string> error;
  return encodeSnapshot(*resumed.vm, fuzz::scratchSnapshotPath(), resumed.programPath,
                        SnapshotReason::SuspendCall, &error);
}

// A heap decoded straight into heap objects must be the heap decoded through
// its pools (vm/snapshot/straight_heap.h): the two VMs, restored without
// reopening files, write the same snapshot.
void checkStraightHeap(ResumeRequest request) {
  request.dryRun = true;
  auto straight = resumeSnapshot(request);
  auto* fast = std::get_if<ResumedVM>(&straight);
  if (fast == nullptr || !fast->heapStraight) return;
  request.heapStraight = false;
  auto pooled = resumeSnapshot(request);
  auto* general = std::get_if<ResumedVM>(&pooled);
  if (general == nullptr || snapshotOf(*fast) != snapshotOf(*general)) std::abort();
}

void restoreAndRun(const std::string& text) {
  Result<SnapshotData> data = parseSnapshot(text, "fuzz.snap.json");
  if (!data) return;
  bool mayOpen = false;
  if (!staysInScratchDirectory(data.value(), &mayOpen)) return;
  {
    std::ofstream out(fuzz::scratchSnapshotPath(), std::ios::binary | std::ios::trunc);
    out << text;
  }
  ResumeRequest request;
  request.snapshotPath = fuzz::scratchSnapshotPath();
  request.options = fuzz::boundedOptions();
  request.loadProgram = fuzz::exampleLoader();
  checkStraightHeap(request);
  auto resumed = resumeSnapshot(request);
  auto* ready = std::get_if<ResumedVM>(&resumed);
  if (ready == nullptr || mayOpen || fuzz::mayOpenFiles(ready->vm->program)) return;
  fuzz::runBounded(*ready->vm, ready->programPath, request.loadProgram);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static const bool keepChecksum = std::getenv("SHAPEVM_FUZZ_KEEP_CHECKSUM") != nullptr;
  std::string text(reinterpret_cast<const char*>(data), size);
  restoreAndRun(text);
  if (keepChecksum) return 0;
  std::optional<std::string> fixed = withRecomputedChecksum(text);
  if (fixed && *fixed != text) restoreAndRun(*fixed);
  return 0;
}
