// Queries over debug information (see debug_info.h). Linear scans: they run
// once per frame of a snapshot, never while a program runs.
#include "bytecode/debug_info.h"

#include <algorithm>

namespace shapevm {

std::vector<const LocalInfo*> liveLocals(const Function& function, uint32_t offset) {
  std::vector<const LocalInfo*> live;
  for (const LocalInfo& local : function.locals) {
    if (local.start > offset || offset >= local.end) continue;
    auto sameSlot = std::find_if(live.begin(), live.end(),
                                 [&](const LocalInfo* other) { return other->slot == local.slot; });
    if (sameSlot == live.end()) {
      live.push_back(&local);
    } else if ((*sameSlot)->start <= local.start) {
      *sameSlot = &local;
    }
  }
  std::stable_sort(live.begin(), live.end(),
                   [](const LocalInfo* a, const LocalInfo* b) { return a->start < b->start; });
  return live;
}

int32_t innermostStatement(const Function& function, uint32_t offset) {
  // Statements come after their parents and siblings do not overlap, so the
  // last one that contains the offset is the innermost.
  int32_t found = -1;
  for (std::size_t i = 0; i < function.statements.size(); ++i) {
    const StatementInfo& s = function.statements[i];
    if (s.start <= offset && offset < s.end) found = static_cast<int32_t>(i);
  }
  return found;
}

}  // namespace shapevm
