// Live relocation of frames (see frame_remap.h for the rules).
#include "snapshot/frame_remap.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <memory>
#include <optional>
#include <unordered_map>

#include "bytecode/builtin_names.h"
#include "bytecode/debug_info.h"
#include "bytecode/instruction_flow.h"
#include "interp/vm.h"
#include "snapshot/code_shape.h"
#include "snapshot/old_code.h"

namespace shapevm {

namespace {

constexpr int32_t kBody = -1;  // the function body, parent of its top statements

// One function's code seen statement by statement. Its debug information has
// passed the verifier (ranges nested and ordered) but is not trusted to match
// the code: every question that depends on that match can fail.
class StatementView {
 public:
  StatementView(const Program& program, uint32_t index)
      : program_(program), f_(program.functions[index]), shape_(analyzeCode(program, index)) {
    children_.resize(f_.statements.size() + 1);
    for (std::size_t i = 0; i < f_.statements.size(); ++i) {
      children_[static_cast<std::size_t>(f_.statements[i].parent + 1)].push_back(
          static_cast<int32_t>(i));
    }
    slotLocals_.resize(f_.numLocals);
    for (const LocalInfo& local : f_.locals) slotLocals_[local.slot].push_back(&local);
  }

  const Program& program() const { return program_; }
  const Function& function() const { return f_; }
  const CodeShape& shape() const { return shape_; }
  bool hasDebugInfo() const { return !f_.statements.empty() || !f_.locals.empty(); }
  uint32_t start(int32_t s) const { return s == kBody ? 0 : f_.statements[s].start; }
  uint32_t end(int32_t s) const {
    return s == kBody ? static_cast<uint32_t>(f_.code.size()) : f_.statements[s].end;
  }
  int32_t parent(int32_t s) const { return f_.statements[s].parent; }
  const std::vector<int32_t>& children(int32_t s) const {
    return children_[static_cast<std::size_t>(s + 1)];
  }

  // The instruction starts of `s` outside its children; nullopt if a child
  // does not begin and end at instruction boundaries.
  std::optional<std::vector<uint32_t>> own(int32_t s) const {
    std::vector<uint32_t> offsets;
    const std::vector<int32_t>& inner = children(s);
    std::size_t next = 0;
    uint32_t o = start(s);
    while (o < end(s)) {
      if (next < inner.size() && start(inner[next]) <= o) {
        if (start(inner[next]) != o) return std::nullopt;
        o = end(inner[next++]);
        continue;
      }
      if (!shape_.isInstruction(o)) return std::nullopt;
      offsets.push_back(o);
      o += instrWords(instrOp(f_.code[o]));
    }
    if (o != end(s) || next != inner.size()) return std::nullopt;
    return offsets;
  }

  // The own code of `s` in a form that two versions of the function share
  // when the statement did not change (see frame_remap.h); nullopt as own().
  std::optional<std::string> ownShape(int32_t s) const {
    std::optional<std::vector<uint32_t>> offsets = own(s);
    if (!offsets) return std::nullopt;
    std::unordered_map<uint32_t, std::size_t> ownIndex;
    for (std::size_t i = 0; i < offsets->size(); ++i) ownIndex[(*offsets)[i]] = i;
    const std::vector<int32_t>& inner = children(s);
    auto target = [&](uint32_t t) -> std::string {
      if (auto it = ownIndex.find(t); it != ownIndex.end()) return fmt::format("@{}", it->second);
      for (std::size_t k = 0; k < inner.size(); ++k) {
        if (start(inner[k]) == t) return fmt::format("c{}", k);
      }
      if (t == end(s)) return "end";
      return "out";  // break and continue: the loops around are compared too
    };
    std::string text;
    for (uint32_t o : *offsets) {
      Instr word = f_.code[o];
      Op op = instrOp(word);
      uint32_t a = instrA(word);
      uint32_t b = instrWords(op) == 2 ? f_.code[o + 1] : 0;
      uint32_t last = o + instrWords(op) - 1;  // a fused store declares its local here
      text += opInfo(op).mnemonic;
      switch (opInfo(op).operand) {
        case Operand::None:
        case Operand::Int:
        case Operand::Count:
          text += fmt::format(" {}", a);
          break;
        case Operand::Const:
        case Operand::ConstJump:
          text += " " + constant(a);
          break;
        case Operand::Local:
          text += " " + localName(a, last);
          break;
        case Operand::Upval:
          text += " ^" + (a < f_.captures.size() ? f_.captures[a].name : std::to_string(a));
          break;
        case Operand::Global:
          text += " " + program_.globals[a].name;
          break;
        case Operand::Func:  // old code's copy of a function stands for it
          text += " " + std::string(baseFunctionName(program_.functions[a].name));
          break;
        case Operand::Type: {
          const TypeDecl& type = program_.types[a];
          text += " " + type.name;
          for (const std::string& field : type.fields) text += "," + field;
          break;
        }
        case Operand::Builtin:
          text += fmt::format(" {}", kBuiltinInfo[a].name);
          break;
        case Operand::Jump:
          text += " " + target(a);
          break;
        case Operand::Method:
          text += fmt::format(" {} {}", a, constant(b));
          break;
        case Operand::Iter:
          text += " " + localName(a, o) + " " + localName(a + 1, o) + " " + target(b);
          break;
        case Operand::LocalPair:
        case Operand::LocalPairJump:
        case Operand::LocalPairStore:
          text += " " + localName(firstField(a), o) + " " + localName(secondField(a), o);
          break;
        case Operand::LocalConst:
        case Operand::LocalConstJump:
        case Operand::LocalConstStore:
          text += " " + localName(firstField(a), o) + " " + constant(secondField(a));
          break;
      }
      if (hasTargetInB(opInfo(op).operand)) {
        if (opInfo(op).operand != Operand::Iter) text += " " + target(b);
      } else if (opInfo(op).operand == Operand::LocalPairStore ||
                 opInfo(op).operand == Operand::LocalConstStore) {
        text += " " + localName(b, last);
      }
      text += ';';
    }
    return text;
  }

  // Whether `s` is a loop (it branches backwards) or a `try`.
  bool isLoopOrTry(int32_t s) const {
    std::optional<std::vector<uint32_t>> offsets = own(s);
    if (!offsets) return true;
    for (uint32_t o : *offsets) {
      Op op = instrOp(f_.code[o]);
      if (op == Op::TryBegin || op == Op::ForIter) return true;
      InstructionFlow flow = instructionFlow(program_, f_.code, o);
      if (flow.branches && flow.target <= o) return true;
    }
    return false;
  }

  // The name of the variable in `slot` at `offset` ("#slot" if none).
  std::string localName(uint32_t slot, uint32_t offset) const {
    if (slot >= slotLocals_.size()) return fmt::format("#{}", slot);
    const LocalInfo* found = nullptr;
    for (const LocalInfo* local : slotLocals_[slot]) {
      if (local->start <= offset && offset < local->end) found = local;
    }
    return found ? found->name : fmt::format("#{}", slot);
  }

 private:
  std::string constant(uint32_t index) const {
    if (index >= f_.constants.size()) return "?";
    const Constant& c = f_.constants[index];
    switch (c.kind) {
      case ConstantKind::Int:
        return fmt::format("i{}", c.intValue);
      case ConstantKind::Float:
        return fmt::format("f{:x}", std::bit_cast<uint64_t>(c.floatValue));
      case ConstantKind::String:
        return fmt::format("s{}:{}", c.stringValue.size(), c.stringValue);
    }
    return "?";
  }

  const Program& program_;
  const Function& f_;
  CodeShape shape_;
  std::vector<std::vector<int32_t>> children_;             // by statement + 1
  std::vector<std::vector<const LocalInfo*>> slotLocals_;  // by slot
};

// The hash of each statement's own code and everything nested in it, so
// unchanged statements are recognised whole. Statements come after their
// parents, so a reverse pass sees every child before its parent.
std::vector<uint64_t> contentHashes(const StatementView& view) {
  std::size_t count = view.function().statements.size();
  std::vector<uint64_t> hashes(count, 0);
  for (std::size_t i = count; i-- > 0;) {
    auto s = static_cast<int32_t>(i);
    std::string text = view.ownShape(s).value_or("?");
    for (int32_t child : view.children(s)) text += fmt::format("|{:x}", hashes[child]);
    hashes[i] = XXH3_64bits(text.data(), text.size());
  }
  return hashes;
}

// One frame's way into the new code.
struct FrameMove {
  uint32_t ip = 0;
  std::vector<std::pair<uint32_t, uint32_t>> locals;   // new slot <- old slot
  std::vector<std::string> kept, added, dropped;       // named locals, for the report
  std::vector<std::pair<uint32_t, uint32_t>> catches;  // old catch offset -> new
};

// Whether a frame's handlers must all move (a saved frame), or only those
// that can are listed (a place in old code: the VM checks the handlers a
// frame has when it gets there, CodeMove in interp/vm.h).
enum class Handlers { AllMove, AsFound };

class FrameMover {
 public:
  FrameMover(const Program& old, uint32_t oldIndex, const Program& target, uint32_t newIndex)
      : old_(old, oldIndex),
        new_(target, newIndex),
        oldHashes_(contentHashes(old_)),
        newHashes_(contentHashes(new_)) {}

  // Where the frame at `ip` (the top frame when `top`) goes, or why it cannot.
  std::variant<FrameMove, std::string> move(uint32_t ip, bool top,
                                            const std::vector<uint32_t>& catchOffsets,
                                            Handlers handlers = Handlers::AllMove) {
    if (!old_.hasDebugInfo() || !new_.hasDebugInfo()) {
      return std::string("its code has no debug information (compiled from .sasm?)");
    }
    const CodeShape& oldShape = old_.shape();
    if (!oldShape.isReachable(ip)) return std::string("its instruction is not in the old code");
    uint32_t anchor = ip;
    if (!top) {
      int32_t call = oldShape.previous[ip];
      if (call < 0) return std::string("it does not wait in a call");
      anchor = static_cast<uint32_t>(call);
    }
    parentMap_ = {{kBody, kBody}};  // this frame's statements only

    // The statements around the instruction, outermost first.
    std::vector<int32_t> chain;
    for (int32_t s = innermostStatement(old_.function(), anchor); s != kBody; s = old_.parent(s)) {
      chain.push_back(s);
    }
    std::reverse(chain.begin(), chain.end());
    int32_t parent = kBody;
    for (std::size_t level = 0; level < chain.size(); ++level) {
      int32_t s = chain[level];
      bool active = level + 1 == chain.size();
      // A statement around the frame may change (an `if`'s condition, say)
      // unless it is a loop or try, or its own code left operands below the
      // statement the frame is in (a block used as a value).
      bool mustMatch =
          active || old_.isLoopOrTry(s) ||
          oldShape.depth[old_.start(s)] != oldShape.depth[old_.start(chain[level + 1])];
      std::variant<int32_t, std::string> found = matchChild(parent, s, active, mustMatch);
      if (auto* why = std::get_if<std::string>(&found)) return *why;
      parent = s;
    }
    int32_t active = chain.empty() ? kBody : chain.back();
    int32_t newActive = parentMap_.at(active);
    if (old_.ownShape(active) != new_.ownShape(newActive) || !old_.ownShape(active)) {
      return fmt::format("the statement at line {} changed", lineOf(old_, active, anchor));
    }
    std::vector<uint32_t> oldOwn = *old_.own(active);
    std::vector<uint32_t> newOwn = *new_.own(newActive);
    std::size_t at = std::find(oldOwn.begin(), oldOwn.end(), anchor) - oldOwn.begin();
    if (at == oldOwn.size()) return std::string("its instruction is not in a statement");
    FrameMove result;
    uint32_t newAnchor = newOwn[at];
    result.ip = newAnchor + (ip - anchor);
    const CodeShape& newShape = new_.shape();
    if (!newShape.isReachable(result.ip) || newShape.depth[result.ip] != oldShape.depth[ip]) {
      return fmt::format("the operand stack at line {} differs", lineOf(old_, active, anchor));
    }

    // Handlers move with their try, which is around the instruction.
    for (uint32_t catchOffset : catchOffsets) {
      int32_t tryStatement = innermostStatement(old_.function(), catchOffset);
      auto it = parentMap_.find(tryStatement);
      std::optional<std::vector<uint32_t>> tryOld = old_.own(tryStatement);
      if (it == parentMap_.end() || !tryOld) {
        if (handlers == Handlers::AsFound) continue;
        return std::string("a try around it cannot be found");
      }
      std::optional<std::vector<uint32_t>> tryNew = new_.own(it->second);
      std::size_t k = std::find(tryOld->begin(), tryOld->end(), catchOffset) - tryOld->begin();
      // The catch block must expect the same operands (the try's depth plus
      // the raised value): the handler's saved stack height moves unchanged.
      if (!tryNew || k == tryOld->size() || tryNew->size() != tryOld->size() ||
          oldShape.depth[catchOffset] != new_.shape().depth[(*tryNew)[k]]) {
        if (handlers == Handlers::AsFound) continue;
        return std::string("a try around it changed");
      }
      result.catches.emplace_back(catchOffset, (*tryNew)[k]);
    }

    // Locals by name: of several with one name, the innermost pair up first.
    std::vector<const LocalInfo*> oldLive = liveLocals(old_.function(), anchor);
    std::vector<const LocalInfo*> newLive = liveLocals(new_.function(), newAnchor);
    std::vector<bool> taken(oldLive.size(), false);
    for (std::size_t n = newLive.size(); n-- > 0;) {
      const LocalInfo* local = newLive[n];
      bool found = false;
      for (std::size_t o = oldLive.size(); o-- > 0 && !found;) {
        if (taken[o] || oldLive[o]->name != local->name) continue;
        taken[o] = found = true;
        result.locals.emplace_back(local->slot, oldLive[o]->slot);
      }
      if (!isHiddenLocal(*local)) (found ? result.kept : result.added).push_back(local->name);
    }
    for (std::size_t o = 0; o < oldLive.size(); ++o) {
      if (!taken[o] && !isHiddenLocal(*oldLive[o])) result.dropped.push_back(oldLive[o]->name);
    }
    std::reverse(result.kept.begin(), result.kept.end());
    std::reverse(result.added.begin(), result.added.end());
    return result;
  }

  // The places in the old code where a frame running it can continue in the
  // new code: the statement starts and loop heads from which move()
  // succeeds, in code order. Handlers move as found: the VM checks the ones
  // a frame has when it gets there.
  std::vector<std::pair<uint32_t, FrameMove>> boundaries() {
    const Function& f = old_.function();
    const CodeShape& shape = old_.shape();
    std::vector<uint32_t> candidates, catches;
    for (const StatementInfo& statement : f.statements) candidates.push_back(statement.start);
    for (uint32_t o = 0; o < f.code.size(); o += instrWords(instrOp(f.code[o]))) {
      if (!shape.isReachable(o)) continue;
      if (instrOp(f.code[o]) == Op::TryBegin) catches.push_back(instrA(f.code[o]));
      InstructionFlow flow = instructionFlow(old_.program(), f.code, o);
      if (flow.branches && flow.target <= o) candidates.push_back(flow.target);
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    std::vector<std::pair<uint32_t, FrameMove>> found;
    for (uint32_t at : candidates) {
      if (!shape.isReachable(at)) continue;
      auto moved = move(at, true, catches, Handlers::AsFound);
      if (auto* m = std::get_if<FrameMove>(&moved)) found.emplace_back(at, std::move(*m));
    }
    return found;
  }

 private:
  static uint32_t lineOf(const StatementView& view, int32_t s, uint32_t offset) {
    return s == kBody ? view.function().lineAt(offset) : view.function().statements[s].line;
  }

  // The new statement that old statement `s` (a child of `parent`, which is
  // mapped) became. `active`: the statement the frame is in.
  std::variant<int32_t, std::string> matchChild(int32_t parent, int32_t s, bool active,
                                                bool mustMatch) {
    int32_t newParent = parentMap_.at(parent);  // parents are matched first
    const std::vector<int32_t>& before = old_.children(parent);
    const std::vector<int32_t>& after = new_.children(newParent);
    std::size_t prefix = 0;
    while (prefix < before.size() && prefix < after.size() &&
           oldHashes_[before[prefix]] == newHashes_[after[prefix]]) {
      ++prefix;
    }
    std::size_t suffix = 0;
    while (suffix < before.size() - prefix && suffix < after.size() - prefix &&
           oldHashes_[before[before.size() - 1 - suffix]] ==
               newHashes_[after[after.size() - 1 - suffix]]) {
      ++suffix;
    }
    std::size_t position = std::find(before.begin(), before.end(), s) - before.begin();
    int32_t found = -1;
    if (position < prefix) {
      found = after[position];
    } else if (position >= before.size() - suffix) {
      found = after[after.size() - (before.size() - position)];
    } else {
      // In the changed middle: the new statement with the same own code, or
      // when the statement itself may change (an if or block around the
      // frame), the one at the same place among the changed ones.
      std::size_t oldMiddle = before.size() - suffix - prefix;
      std::size_t newMiddle = after.size() - suffix - prefix;
      std::optional<std::string> shape = old_.ownShape(s);
      for (std::size_t k = prefix; k < prefix + newMiddle && found < 0; ++k) {
        if (shape && new_.ownShape(after[k]) == shape) found = after[k];
      }
      if (found < 0 && !mustMatch && oldMiddle == newMiddle) found = after[position];
      if (found < 0) {
        uint32_t line = old_.function().statements[s].line;
        if (active) return fmt::format("the statement at line {} changed", line);
        return fmt::format("the {} around it (line {}) changed",
                           old_.isLoopOrTry(s) ? "loop or try" : "statement", line);
      }
    }
    parentMap_[s] = found;
    return found;
  }

  StatementView old_;
  StatementView new_;
  std::vector<uint64_t> oldHashes_, newHashes_;  // contentHashes() of each version
  std::unordered_map<int32_t, int32_t> parentMap_{{kBody, kBody}};  // old statement -> new
};

// Whether `after` captures the variables `before` did, in any order (a
// closure's upvalues are re-ordered by name, relocation.h).
bool sameCaptureNames(const Function& before, const Function& after) {
  if (before.captures.size() != after.captures.size()) return false;
  for (const Capture& capture : after.captures) {
    bool found = false;
    for (const Capture& was : before.captures) found = found || was.name == capture.name;
    if (!found) return false;
  }
  return true;
}

constexpr uint32_t kNoPlace = UINT32_MAX;  // a function with no place to move at

// The places of `places` (sorted) that the code reaches first from `from`,
// following every branch (calls return, exceptions are not followed).
std::vector<uint32_t> firstReached(const Program& program, const Function& function, uint32_t from,
                                   const std::vector<uint32_t>& places) {
  std::vector<uint32_t> reached;
  std::vector<bool> seen(function.code.size(), false);
  std::vector<uint32_t> work = {from};
  auto isPlace = [&](uint32_t at) { return std::binary_search(places.begin(), places.end(), at); };
  while (!work.empty()) {
    uint32_t at = work.back();
    work.pop_back();
    if (at >= function.code.size() || seen[at]) continue;
    seen[at] = true;
    if (isPlace(at)) {
      reached.push_back(at);
      continue;
    }
    if (at + instrWords(instrOp(function.code[at])) > function.code.size()) continue;
    InstructionFlow flow = instructionFlow(program, function.code, at);
    if (flow.fallsThrough) work.push_back(flow.next);
    if (flow.branches) work.push_back(flow.target);
  }
  return reached;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

}  // namespace

FrameRemap remapFrames(SnapshotData& data, const Program& old, const Program& target,
                       std::vector<std::string>& report) {
  std::unordered_map<FunctionHash, uint32_t, FunctionHash::Hasher> oldByHash, newByHash;
  for (std::size_t i = 0; i < old.functions.size(); ++i) {
    oldByHash.emplace(old.functions[i].hash, static_cast<uint32_t>(i));
  }
  for (std::size_t i = 0; i < target.functions.size(); ++i) {
    newByHash.emplace(target.functions[i].hash, static_cast<uint32_t>(i));
  }
  struct Plan {
    const Function* function = nullptr;     // the new function, when the frame moves
    const Function* oldFunction = nullptr;  // and the old one
    FrameMove move;
  };
  std::vector<Plan> plans(data.frames.size());
  std::unordered_map<uint32_t, std::unique_ptr<FrameMover>> movers;  // by old function
  // By old function: the places where its old code moves to the new code.
  std::unordered_map<uint32_t, std::vector<uint32_t>> boundaries;
  FrameRemap result;
  // Per frame, innermost first: what happens to it, after "frame #N ".
  std::vector<std::string> decisions;
  for (std::size_t i = data.frames.size(); i-- > 0;) {
    const SFrame& frame = data.frames[i];
    std::string where = fmt::format("{} (line {})", frame.function.name, frame.line);
    if (!frame.function.hasHash || newByHash.count(frame.function.hash)) {
      decisions.push_back(where + ": same");
      continue;
    }
    auto oldIt = oldByHash.find(frame.function.hash);
    if (oldIt == oldByHash.end()) {
      decisions.push_back(where + ": cannot move: the snapshot does not hold its code");
      result.problems.push_back(
          fmt::format("frame #{} {}: the snapshot does not hold its code", i, where));
      continue;
    }
    int newIndex = target.findFunction(baseFunctionName(frame.function.name));
    std::unique_ptr<FrameMover>* mover = nullptr;
    if (newIndex >= 0) {
      // One mover per function: its analysis serves every frame of it (a
      // recursion 1000 frames deep analyses the function once).
      mover = &movers[oldIt->second];
      if (!*mover) {
        *mover = std::make_unique<FrameMover>(old, oldIt->second, target,
                                              static_cast<uint32_t>(newIndex));
      }
      std::vector<uint32_t> catches;
      for (const SHandler& handler : data.handlers) {
        if (handler.frame == i) catches.push_back(handler.catchOffset);
      }
      auto moved = (*mover)->move(frame.ip, i + 1 == data.frames.size(), catches);
      if (auto* m = std::get_if<FrameMove>(&moved)) {
        plans[i] = Plan{&target.functions[static_cast<std::size_t>(newIndex)],
                        &old.functions[oldIt->second], std::move(*m)};
        const FrameMove& move = plans[i].move;
        std::string text = fmt::format("{} (line {} -> {}): remapped", frame.function.name,
                                       frame.line, plans[i].function->lineAt(move.ip));
        if (!move.kept.empty()) text += "; locals " + joined(move.kept) + " kept";
        for (const std::string& name : move.added) text += "; new local " + name + " = none";
        if (!move.dropped.empty()) text += "; locals " + joined(move.dropped) + " dropped";
        decisions.push_back(text);
        continue;
      }
    }
    // The frame runs on in its old code, into the new code where it can.
    result.oldCode.push_back(OldCodeUse{false, i, oldIt->second});
    const Function& oldFunction = old.functions[oldIt->second];
    if (newIndex < 0) {
      decisions.push_back(
          fmt::format("{}: old code until it returns (the new program has no function '{}')", where,
                      baseFunctionName(frame.function.name)));
      continue;
    }
    std::vector<uint32_t>& places = boundaries[oldIt->second];
    if (places.empty()) {
      for (const auto& [at, move] : (*mover)->boundaries()) places.push_back(at);
      if (places.empty()) places.push_back(kNoPlace);
    }
    std::vector<uint32_t> lines;
    for (uint32_t at : firstReached(old, oldFunction, frame.ip, places)) {
      lines.push_back(oldFunction.lineAt(at));
    }
    std::sort(lines.begin(), lines.end());
    lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
    if (lines.empty()) {
      decisions.push_back(where +
                          ": old code until it returns (no statement ahead of it maps "
                          "to the new code)");
      continue;
    }
    std::string list;
    for (std::size_t k = 0; k < lines.size(); ++k) {
      list += fmt::format("{}{}", k == 0 ? "" : k + 1 == lines.size() ? " or " : ", ", lines[k]);
    }
    decisions.push_back(
        fmt::format("{}: old code until line {}, where it moves to the new code", where, list));
  }
  // Runs of frames with one decision (deep recursion) take one line.
  for (std::size_t first = 0; first < decisions.size();) {
    std::size_t last = first;
    while (last + 1 < decisions.size() && decisions[last + 1] == decisions[first]) ++last;
    std::size_t top = decisions.size() - 1 - first;
    if (last == first) {
      report.push_back(fmt::format("frame #{} {}", top, decisions[first]));
    } else {
      report.push_back(
          fmt::format("frames #{} to #{} {}", top, top - (last - first), decisions[first]));
    }
    first = last + 1;
  }
  // A closure whose function now captures other variables cannot be re-bound
  // (relocation.h): it keeps its old code. One that a moved frame runs
  // cannot, and relocation refuses it.
  enum class RunBy : uint8_t { None, MovedFrame, OldCodeFrame };
  std::vector<RunBy> runBy(data.objects.size(), RunBy::None);
  for (std::size_t i = 0; i < data.frames.size(); ++i) {
    if (data.frames[i].closure < 0) continue;
    runBy[static_cast<std::size_t>(data.frames[i].closure)] =
        plans[i].function != nullptr ? RunBy::MovedFrame : RunBy::OldCodeFrame;
  }
  for (std::size_t id = 0; id < data.objects.size(); ++id) {
    const SObject& object = data.objects[id];
    if (object.kind != ObjKind::Closure || runBy[id] == RunBy::MovedFrame) continue;
    const FunctionRef& function = data.closures[object.closure].function;
    if (!function.hasHash || newByHash.count(function.hash)) continue;
    auto oldIt = oldByHash.find(function.hash);
    if (oldIt == oldByHash.end()) continue;  // relocation reports it
    int newIndex = target.findFunction(baseFunctionName(function.name));
    if (newIndex >= 0 && sameCaptureNames(old.functions[oldIt->second],
                                          target.functions[static_cast<std::size_t>(newIndex)])) {
      continue;
    }
    result.oldCode.push_back(OldCodeUse{true, id, oldIt->second});
    if (runBy[id] == RunBy::None) {  // a frame's closure goes with its frame's report
      report.push_back(fmt::format("closure of '{}' (object {}): keeps its old code ({})",
                                   function.name, id,
                                   newIndex < 0 ? "the new program has no function of that name"
                                                : "the new function captures other variables"));
    }
  }
  if (!result.problems.empty()) return result;

  // Rewrite the stack frame by frame: each frame's locals take the new
  // function's layout; operands are copied as they are.
  HugeVector<SValue> stack(
      data.stack.begin(),
      data.stack.begin() + (data.frames.empty() ? data.stack.size() : data.frames[0].base));
  std::vector<int64_t> slotMoves(data.stack.size(), -1);  // old slot -> new slot
  for (std::size_t s = 0; s < stack.size(); ++s) slotMoves[s] = static_cast<int64_t>(s);
  std::vector<uint32_t> oldLocalsEnd(data.frames.size()), newLocalsEnd(data.frames.size());
  for (std::size_t i = 0; i < data.frames.size(); ++i) {
    SFrame& frame = data.frames[i];
    std::size_t oldBase = frame.base;
    std::size_t regionEnd =
        i + 1 < data.frames.size() ? data.frames[i + 1].base : data.stack.size();
    auto newBase = static_cast<uint32_t>(stack.size());
    std::size_t oldLocals = regionEnd - oldBase;  // until known: the whole region
    if (plans[i].function != nullptr) {
      oldLocals = plans[i].oldFunction->numLocals;
      const FrameMove& m = plans[i].move;
      stack.resize(newBase + plans[i].function->numLocals, SValue{});
      for (auto [to, from] : m.locals) {
        stack[newBase + to] = data.stack[oldBase + from];
        slotMoves[oldBase + from] = newBase + to;
      }
      for (std::size_t o = oldBase + oldLocals; o < regionEnd; ++o) {
        slotMoves[o] = static_cast<int64_t>(stack.size());
        stack.push_back(data.stack[o]);
      }
      frame.function = FunctionRef{data.text.store(plans[i].function->name), true,
                                   plans[i].function->hash, false, 0};
      frame.ip = m.ip;
      frame.line = plans[i].function->lineAt(m.ip);
    } else {
      for (std::size_t o = oldBase; o < regionEnd; ++o) {
        slotMoves[o] = static_cast<int64_t>(stack.size());
        stack.push_back(data.stack[o]);
      }
    }
    oldLocalsEnd[i] = static_cast<uint32_t>(oldBase + oldLocals);
    newLocalsEnd[i] = static_cast<uint32_t>(
        newBase + (plans[i].function ? plans[i].function->numLocals : oldLocals));
    frame.base = newBase;
  }
  for (std::size_t h = 0; h < data.handlers.size(); ++h) {
    SHandler& handler = data.handlers[h];
    std::size_t i = handler.frame;
    handler.stackSize =
        static_cast<uint32_t>(int64_t{handler.stackSize} - oldLocalsEnd[i] + newLocalsEnd[i]);
    if (plans[i].function == nullptr) continue;
    for (auto [before, after] : plans[i].move.catches) {
      if (before != handler.catchOffset) continue;
      handler.catchOffset = after;
      break;
    }
    handler.hasHash = true;
    handler.hash = plans[i].function->hash;
  }
  // Open upvalues follow their slot; one whose local was dropped is closed.
  std::vector<uint32_t> stillOpen;
  for (uint32_t id : data.openUpvalues) {
    SObject& upvalue = data.objects[id];
    int64_t to = upvalue.number < slotMoves.size() ? slotMoves[upvalue.number] : -1;
    if (to >= 0) {
      upvalue.number = static_cast<uint64_t>(to);
      stillOpen.push_back(id);
      continue;
    }
    upvalue.open = false;
    upvalue.firstValue = data.values.size();
    upvalue.valueCount = 1;
    data.values.push_back(data.stack[upvalue.number]);
  }
  std::sort(stillOpen.begin(), stillOpen.end(), [&](uint32_t a, uint32_t b) {
    return data.objects[a].number > data.objects[b].number;
  });
  data.openUpvalues = std::move(stillOpen);
  data.stack = std::move(stack);
  return result;
}

void installCodeMoves(VM& vm) {
  for (uint32_t i = 0; i < vm.userFunctionCount; ++i) {
    const Function& copy = vm.program.functions[i];
    if (!isOldCodeName(copy.name)) continue;
    int target = vm.program.findFunction(baseFunctionName(copy.name));
    if (target < 0) continue;
    // A closure's frame keeps its closure: the new code must find the same
    // variables at the same upvalue indexes.
    const Function& next = vm.program.functions[static_cast<std::size_t>(target)];
    bool sameCaptures = copy.captures.size() == next.captures.size();
    for (std::size_t c = 0; sameCaptures && c < copy.captures.size(); ++c) {
      sameCaptures = copy.captures[c].name == next.captures[c].name;
    }
    if (!sameCaptures) continue;
    FrameMover mover(vm.program, i, vm.program, static_cast<uint32_t>(target));
    for (auto& [at, move] : mover.boundaries()) {
      vm.addCodeMove(CodeMove{i, static_cast<uint32_t>(target), at, move.ip, std::move(move.locals),
                              std::move(move.catches)});
    }
  }
}

}  // namespace shapevm
