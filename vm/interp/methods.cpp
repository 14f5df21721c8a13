// Built-in methods of strings, arrays, maps and file handles
// (shared/spec/language.md, "Methods"). map/filter/reduce are not here: they
// call guest functions and run as prelude bytecode (prelude.h).
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "interp/natives.h"
#include "interp/text_budget.h"
#include "interp/vm.h"

namespace shapevm {

MethodId findMethod(std::string_view name) {
#define SHAPEVM_METHOD_MATCH(id, text) \
  if (name == text) return MethodId::id;
  SHAPEVM_METHODS(SHAPEVM_METHOD_MATCH)
#undef SHAPEVM_METHOD_MATCH
  return MethodId::Unknown;
}

namespace {

const char* methodName(MethodId method) {
  static constexpr const char* kNames[] = {
#define SHAPEVM_METHOD_NAME(id, text) text,
      SHAPEVM_METHODS(SHAPEVM_METHOD_NAME)
#undef SHAPEVM_METHOD_NAME
  };
  return kNames[static_cast<int>(method)];
}

NativeStatus ok(Value* result, Value value) {
  *result = value;
  return NativeStatus::Ok;
}

// Sorting checks for a suspend signal this often (in comparisons), so sorting
// a huge array does not delay a suspension.
constexpr std::size_t kSortPollInterval = 1 << 16;

struct MethodCall {
  VM& vm;
  MethodId method;
  Value* slots;  // slots[0] is the receiver, slots[1..argc] the arguments
  uint32_t argc;
  Value* result;

  Value receiver() const { return slots[0]; }
  Value arg(uint32_t i) const { return slots[1 + i]; }

  NativeStatus arity(uint32_t min, uint32_t max) {
    if (argc >= min && argc <= max) return NativeStatus::Ok;
    return raise(
        vm, result, "ArityError",
        fmt::format("{}() takes {} argument{} but {} were given", methodName(method),
                    min == max ? fmt::format("{}", min) : fmt::format("{} to {}", min, max),
                    max == 1 ? "" : "s", argc));
  }

  NativeStatus needString(uint32_t i) {
    if (isObjKind(arg(i), ObjKind::String)) return NativeStatus::Ok;
    return typeError(
        vm, result,
        fmt::format("{}() needs a string argument, not {}", methodName(method), typeName(arg(i))));
  }

  // An index argument in [0, limit].
  NativeStatus needPosition(uint32_t i, std::size_t limit, std::size_t* out) {
    Value v = arg(i);
    if (!v.isInt()) {
      return typeError(
          vm, result,
          fmt::format("{}() needs int positions, not {}", methodName(method), typeName(v)));
    }
    if (v.as.i < 0 || static_cast<uint64_t>(v.as.i) > limit) {
      return raise(vm, result, "IndexError",
                   fmt::format("{}(): position {} out of range (length {})", methodName(method),
                               v.as.i, limit));
    }
    *out = static_cast<std::size_t>(v.as.i);
    return NativeStatus::Ok;
  }

  NativeStatus string(std::string_view text) {
    return ok(result, Value::object(vm.heap.newString(text)));
  }

  NativeStatus unknown() {
    return typeError(
        vm, result, fmt::format("{} has no method '{}'", typeName(receiver()), methodName(method)));
  }

  NativeStatus onString();
  NativeStatus onArray();
  NativeStatus onMap();
  NativeStatus onFile();
  NativeStatus sort(Array* array);
};

#define TRY(expr)                                                    \
  do {                                                               \
    if (NativeStatus s_ = (expr); s_ != NativeStatus::Ok) return s_; \
  } while (0)

NativeStatus MethodCall::onString() {
  std::string_view s = asString(receiver())->view();
  switch (method) {
    case MethodId::Length:
      TRY(arity(0, 0));
      return ok(result, Value::integer(static_cast<int64_t>(s.size())));
    case MethodId::Substring: {
      TRY(arity(1, 2));
      std::size_t from = 0, to = s.size();
      TRY(needPosition(0, s.size(), &from));
      if (argc == 2) TRY(needPosition(1, s.size(), &to));
      if (to < from) to = from;
      return string(s.substr(from, to - from));
    }
    case MethodId::Split: {
      TRY(arity(1, 1));
      TRY(needString(0));
      std::string_view sep = asString(arg(0))->view();
      Array* parts = vm.heap.newArray();
      vm.tempRoots.push_back(Value::object(parts));
      if (sep.empty()) {
        for (char c : s)
          vm.heap.arrayPush(parts, Value::object(vm.charStrings[static_cast<unsigned char>(c)]));
      } else {
        std::size_t start = 0;
        for (;;) {
          std::size_t at = s.find(sep, start);
          std::string_view piece =
              s.substr(start, at == std::string_view::npos ? s.npos : at - start);
          vm.heap.arrayMakeRoom(parts);  // before the string, which is unrooted until stored
          parts->items[parts->count++] = Value::object(vm.heap.newString(piece));
          if (at == std::string_view::npos) break;
          start = at + sep.size();
        }
      }
      vm.tempRoots.pop_back();
      return ok(result, Value::object(parts));
    }
    case MethodId::Contains:
      TRY(arity(1, 1));
      TRY(needString(0));
      return ok(result, Value::boolean(s.find(asString(arg(0))->view()) != s.npos));
    case MethodId::StartsWith:
      TRY(arity(1, 1));
      TRY(needString(0));
      return ok(result, Value::boolean(s.starts_with(asString(arg(0))->view())));
    case MethodId::EndsWith:
      TRY(arity(1, 1));
      TRY(needString(0));
      return ok(result, Value::boolean(s.ends_with(asString(arg(0))->view())));
    case MethodId::IndexOf: {
      TRY(arity(1, 1));
      TRY(needString(0));
      std::size_t at = s.find(asString(arg(0))->view());
      return ok(result, Value::integer(at == s.npos ? -1 : static_cast<int64_t>(at)));
    }
    case MethodId::ToUpper:
    case MethodId::ToLower: {
      TRY(arity(0, 0));
      String* out = vm.heap.newStringUninit(s.size());
      s = asString(receiver())->view();
      for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        out->chars()[i] =
            static_cast<char>(method == MethodId::ToUpper ? std::toupper(c) : std::tolower(c));
      }
      return ok(result, Value::object(out));
    }
    case MethodId::Trim: {
      TRY(arity(0, 0));
      std::size_t begin = 0, end = s.size();
      while (begin < end && std::isspace(static_cast<unsigned char>(s[begin]))) ++begin;
      while (end > begin && std::isspace(static_cast<unsigned char>(s[end - 1]))) --end;
      return string(s.substr(begin, end - begin));
    }
    case MethodId::Replace: {
      TRY(arity(2, 2));
      TRY(needString(0));
      TRY(needString(1));
      std::string_view from = asString(arg(0))->view();
      std::string_view to = asString(arg(1))->view();
      if (from.empty()) return ok(result, receiver());
      // The result is sized first and allocated on the heap, so its size
      // counts against the limit (a MemoryError, not the host's bad_alloc).
      std::size_t matches = 0;
      for (std::size_t at = 0; (at = s.find(from, at)) != s.npos; at += from.size()) ++matches;
      std::size_t length = s.size() - matches * from.size();
      if (to.size() != 0 && matches > (SIZE_MAX - length) / to.size()) throw OutOfMemory();
      String* out = vm.heap.newStringUninit(length + matches * to.size());
      // Re-read after the allocation, as ToUpper does (a collection may run).
      s = asString(receiver())->view();
      from = asString(arg(0))->view();
      to = asString(arg(1))->view();
      char* write = out->chars();
      std::size_t start = 0;
      for (std::size_t at; (at = s.find(from, start)) != s.npos; start = at + from.size()) {
        write = std::copy(s.begin() + start, s.begin() + at, write);
        write = std::copy(to.begin(), to.end(), write);
      }
      std::copy(s.begin() + start, s.end(), write);
      return ok(result, Value::object(out));
    }
    default:
      return unknown();
  }
}

// Bottom-up merge sort of a copy of the array (stable), written back only when
// complete, so an interruption leaves the array exactly as it was.
NativeStatus MethodCall::sort(Array* array) {
  std::size_t n = array->count;
  bool numbers = true, strings = true;
  for (std::size_t i = 0; i < n; ++i) {
    numbers = numbers && array->items[i].isNumber();
    strings = strings && isObjKind(array->items[i], ObjKind::String);
  }
  if (!numbers && !strings) {
    return typeError(vm, result, "sort() needs an array of numbers or an array of strings");
  }
  auto less = [numbers](Value a, Value b) {
    if (numbers) {
      if (a.isInt() && b.isInt()) return a.as.i < b.as.i;
      return a.asNumber() < b.asNumber();
    }
    return asString(a)->view() < asString(b)->view();
  };
  std::vector<Value> from(array->items, array->items + n), to(n);
  std::size_t comparisons = 0;
  for (std::size_t width = 1; width < n; width *= 2) {
    for (std::size_t left = 0; left < n; left += 2 * width) {
      std::size_t mid = std::min(left + width, n), right = std::min(left + 2 * width, n);
      std::size_t i = left, j = mid, k = left;
      while (i < mid && j < right) to[k++] = less(from[j], from[i]) ? from[j++] : from[i++];
      while (i < mid) to[k++] = from[i++];
      while (j < right) to[k++] = from[j++];
      comparisons += right - left;
      if (comparisons >= kSortPollInterval) {
        comparisons = 0;
        if (gSuspendSignal) return NativeStatus::Interrupted;
      }
    }
    std::swap(from, to);
  }
  if (n > 0) std::memcpy(array->items, from.data(), n * sizeof(Value));
  return ok(result, receiver());
}

NativeStatus MethodCall::onArray() {
  Array* array = asArray(receiver());
  switch (method) {
    case MethodId::Push:
      TRY(arity(1, 1));
      vm.heap.arrayPush(array, arg(0));
      return ok(result, receiver());
    case MethodId::Pop:
      TRY(arity(0, 0));
      if (array->count == 0) return raise(vm, result, "IndexError", "pop() from an empty array");
      return ok(result, array->items[--array->count]);
    case MethodId::Length:
      TRY(arity(0, 0));
      return ok(result, Value::integer(static_cast<int64_t>(array->count)));
    case MethodId::Slice: {
      TRY(arity(1, 2));
      std::size_t from = 0, to = array->count;
      TRY(needPosition(0, array->count, &from));
      if (argc == 2) TRY(needPosition(1, array->count, &to));
      if (to < from) to = from;
      Array* out = vm.heap.newArray(to - from);
      if (to > from) std::memcpy(out->items, array->items + from, (to - from) * sizeof(Value));
      out->count = to - from;
      return ok(result, Value::object(out));
    }
    case MethodId::Join: {
      TRY(arity(0, 1));
      std::string_view sep;
      if (argc == 1) {
        TRY(needString(0));
        sep = asString(arg(0))->view();
      }
      TextBudget budget(vm.heap);
      std::string out;
      for (std::size_t i = 0; i < array->count; ++i) {
        prefetchAhead(array->items, i, array->count);
        if (i > 0) out += sep;
        Value item = array->items[i];
        if (isObjKind(item, ObjKind::String)) {
          out += asString(item)->view();
          if (!budget.allows(out)) return NativeStatus::Interrupted;
        } else if (!vm.appendValueText(out, item, budget)) {
          return NativeStatus::Interrupted;
        }
      }
      return string(out);
    }
    case MethodId::Sort:
      TRY(arity(0, 0));
      return sort(array);
    case MethodId::Reverse:
      TRY(arity(0, 0));
      std::reverse(array->items, array->items + array->count);
      return ok(result, receiver());
    case MethodId::Contains:
    case MethodId::IndexOf: {
      TRY(arity(1, 1));
      int64_t found = -1;
      for (std::size_t i = 0; i < array->count; ++i) {
        if (valuesEqual(array->items[i], arg(0))) {
          found = static_cast<int64_t>(i);
          break;
        }
      }
      if (method == MethodId::Contains) return ok(result, Value::boolean(found >= 0));
      return ok(result, Value::integer(found));
    }
    default:
      return unknown();
  }
}

NativeStatus MethodCall::onMap() {
  Map* map = asMap(receiver());
  auto needKey = [&](uint32_t i) {
    if (isHashableKey(arg(i))) return NativeStatus::Ok;
    return typeError(vm, result, fmt::format("{} cannot be a map key", typeName(arg(i))));
  };
  switch (method) {
    case MethodId::Set:
      TRY(arity(2, 2));
      TRY(needKey(0));
      vm.heap.mapSet(map, arg(0), arg(1));
      return ok(result, receiver());
    case MethodId::Get: {
      TRY(arity(1, 2));
      TRY(needKey(0));
      Value found;
      if (vm.heap.mapGet(map, arg(0), &found)) return ok(result, found);
      return ok(result, argc == 2 ? arg(1) : Value::none());
    }
    case MethodId::Has: {
      TRY(arity(1, 1));
      Value found;
      return ok(result,
                Value::boolean(isHashableKey(arg(0)) && vm.heap.mapGet(map, arg(0), &found)));
    }
    case MethodId::Delete:
      TRY(arity(1, 1));
      TRY(needKey(0));
      return ok(result, Value::boolean(vm.heap.mapDelete(map, arg(0))));
    case MethodId::Keys:
    case MethodId::Values: {
      TRY(arity(0, 0));
      Array* out = vm.heap.newArray(map->liveCount);
      for (std::size_t i = 0; i < map->entryCount; ++i) {
        Value key = mapKeyAt(map, i);
        if (!key.isEmpty()) {
          out->items[out->count++] = method == MethodId::Keys ? key : mapValueAt(map, i);
        }
      }
      return ok(result, Value::object(out));
    }
    case MethodId::Length:
      TRY(arity(0, 0));
      return ok(result, Value::integer(static_cast<int64_t>(map->liveCount)));
    default:
      return unknown();
  }
}

NativeStatus MethodCall::onFile() {
  File* file = asFile(receiver());
  if (method != MethodId::ReadLine && method != MethodId::Write && method != MethodId::Close) {
    return unknown();
  }
  if (file->handle == nullptr) {
    return raise(vm, result, "IOError",
                 fmt::format("{}(): file \"{}\" is closed", methodName(method), *file->path));
  }
  switch (method) {
    case MethodId::ReadLine: {
      TRY(arity(0, 0));
      if (file->mode != FileMode::Read) {
        return raise(vm, result, "IOError",
                     fmt::format("read_line(): \"{}\" is not open for reading", *file->path));
      }
      TextBudget budget(vm.heap);
      std::string line;
      int c;
      while ((c = std::fgetc(file->handle)) != EOF && c != '\n') {
        line += static_cast<char>(c);
        // Charged only: what was read cannot be put back for a re-run, so a
        // suspend signal waits for the end of the line.
        (void)budget.allows(line);
      }
      if (std::ferror(file->handle)) {
        return raise(vm, result, "IOError",
                     fmt::format("read_line(): error reading \"{}\"", *file->path));
      }
      if (c == EOF && line.empty()) return ok(result, Value::none());
      return string(line);
    }
    case MethodId::Write: {
      TRY(arity(1, 1));
      if (file->mode == FileMode::Read) {
        return raise(vm, result, "IOError",
                     fmt::format("write(): \"{}\" is not open for writing", *file->path));
      }
      TextBudget budget(vm.heap);
      std::string text;
      if (isObjKind(arg(0), ObjKind::String)) {
        text = asString(arg(0))->view();
      } else if (!vm.appendValueText(text, arg(0), budget)) {
        return NativeStatus::Interrupted;
      }
      if (std::fwrite(text.data(), 1, text.size(), file->handle) != text.size()) {
        return raise(vm, result, "IOError",
                     fmt::format("write(): error writing \"{}\"", *file->path));
      }
      return ok(result, Value::none());
    }
    default: {  // Close
      TRY(arity(0, 0));
      int status = std::fclose(file->handle);
      file->handle = nullptr;
      if (status != 0) {
        return raise(vm, result, "IOError",
                     fmt::format("close(): error closing \"{}\"", *file->path));
      }
      return ok(result, Value::none());
    }
  }
}

#undef TRY

}  // namespace

NativeStatus callMethod(VM& vm, MethodId method, Value* receiverAndArgs, uint32_t argc,
                        Value* result) {
  MethodCall call{vm, method, receiverAndArgs, argc, result};
  Value receiver = receiverAndArgs[0];
  if (receiver.isObject()) {
    switch (receiver.as.obj->kind) {
      case ObjKind::String:
        return call.onString();
      case ObjKind::Array:
        return call.onArray();
      case ObjKind::Map:
        return call.onMap();
      case ObjKind::File:
        return call.onFile();
      default:
        break;
    }
  }
  return call.unknown();
}

}  // namespace shapevm
