// Built-in methods of strings, arrays, maps, numbers and file handles
// (docs/language.md, "Methods"). The methods that call guest functions (map,
// filter, sort with a comparator, ...) are not here: they run as prelude
// bytecode (prelude.h).
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "bytecode/builtin_names.h"
#include "core/map.h"
#include "interp/natives.h"
#include "interp/text_budget.h"
#include "interp/vm.h"

namespace shapevm {

MethodId findMethod(std::string_view name) {
#define SHAPEVM_METHOD_MATCH(id, text) \
  if (name == text) return MethodId::id;
  SHAPEVM_METHODS(SHAPEVM_METHOD_MATCH)
  SHAPEVM_METHOD_ALIASES(SHAPEVM_METHOD_MATCH)
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

// Sorting checks for a suspend request this often (in comparisons), so sorting
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
                    min == 1 && max == 1 ? "" : "s", argc));
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
    // A prelude method called with a number of arguments it has no form for.
    const VM::PreludeTable* prelude = isObjKind(receiver(), ObjKind::Array) ? &vm.arrayPrelude
                                      : isObjKind(receiver(), ObjKind::Map) ? &vm.mapPrelude
                                                                            : nullptr;
    if (prelude != nullptr && method != MethodId::Unknown) {
      const auto& forms = (*prelude)[static_cast<std::size_t>(method)];
      uint32_t fewest = VM::kPreludeArgs, most = 0;
      for (uint32_t n = 0; n < VM::kPreludeArgs; ++n) {
        if (forms[n] == VM::kNoPrelude) continue;
        fewest = std::min(fewest, n);
        most = std::max(most, n);
      }
      if (fewest <= most) return arity(fewest, most);
    }
    return typeError(
        vm, result, fmt::format("{} has no method '{}'", typeName(receiver()), methodName(method)));
  }

  NativeStatus needCount(uint32_t i, std::size_t* out);
  NativeStatus sliceBounds(std::size_t length, std::size_t* from, std::size_t* to);
  NativeStatus builtin(BuiltinId id);
  NativeStatus padded(std::string_view s, bool atStart);
  NativeStatus arrayOf(const Value* items, std::size_t count);
  NativeStatus pairs(Array* array, Array* other);
  NativeStatus unique(Array* array);
  NativeStatus sum(Array* array);

  NativeStatus onString();
  NativeStatus onArray();
  NativeStatus onMap();
  NativeStatus onNumber();
  NativeStatus onFile();
  NativeStatus sort(Array* array);
};

#define TRY(expr)                                                    \
  do {                                                               \
    if (NativeStatus s_ = (expr); s_ != NativeStatus::Ok) return s_; \
  } while (0)

// A count argument: an int; a negative count counts as 0.
NativeStatus MethodCall::needCount(uint32_t i, std::size_t* out) {
  Value v = arg(i);
  if (!v.isInt()) {
    return typeError(vm, result,
                     fmt::format("{}() needs an int, not {}", methodName(method), typeName(v)));
  }
  *out = v.as.i < 0 ? 0 : static_cast<std::size_t>(v.as.i);
  return NativeStatus::Ok;
}

// slice(start, end) bounds of a sequence of `length`: a negative position
// counts from the end, and both are clamped to the sequence.
NativeStatus MethodCall::sliceBounds(std::size_t length, std::size_t* from, std::size_t* to) {
  auto position = [&](uint32_t i, std::size_t* out) {
    Value v = arg(i);
    if (!v.isInt()) {
      return typeError(
          vm, result,
          fmt::format("{}() needs int positions, not {}", methodName(method), typeName(v)));
    }
    int64_t p = v.as.i;
    auto n = static_cast<int64_t>(length);
    if (p < 0) p = p + n < 0 ? 0 : p + n;
    *out = static_cast<std::size_t>(p > n ? n : p);
    return NativeStatus::Ok;
  };
  *from = 0;
  *to = length;
  TRY(position(0, from));
  if (argc == 2) TRY(position(1, to));
  if (*to < *from) *to = *from;
  return NativeStatus::Ok;
}

// Delegates to the built-in function of the same meaning, the receiver as its
// first argument (5.abs() is abs(5)).
NativeStatus MethodCall::builtin(BuiltinId id) {
  return kBuiltinFunctions[static_cast<int>(id)](vm, slots, argc + 1, result);
}

NativeStatus MethodCall::padded(std::string_view s, bool atStart) {
  TRY(arity(1, 2));
  std::size_t width = 0;
  TRY(needCount(0, &width));
  std::string_view fill = " ";
  if (argc == 2) {
    TRY(needString(1));
    fill = asString(arg(1))->view();
  }
  if (width <= s.size() || fill.empty()) return ok(result, receiver());
  vm.heap.checkRoom(width);
  std::string padding;
  while (padding.size() < width - s.size()) padding += fill;
  padding.resize(width - s.size());
  s = asString(receiver())->view();
  return string(atStart ? padding + std::string(s) : std::string(s) + padding);
}

NativeStatus MethodCall::onString() {
  std::string_view s = asString(receiver())->view();
  auto isSpace = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  switch (method) {
    case MethodId::Length:
      TRY(arity(0, 0));
      return ok(result, Value::integer(static_cast<int64_t>(s.size())));
    case MethodId::IsEmpty:
      TRY(arity(0, 0));
      return ok(result, Value::boolean(s.empty()));
    case MethodId::ToString:
      TRY(arity(0, 0));
      return ok(result, receiver());
    case MethodId::Substring: {
      TRY(arity(1, 2));
      std::size_t from = 0, to = s.size();
      TRY(needPosition(0, s.size(), &from));
      if (argc == 2) TRY(needPosition(1, s.size(), &to));
      if (to < from) to = from;
      return string(s.substr(from, to - from));
    }
    case MethodId::Slice: {
      TRY(arity(1, 2));
      std::size_t from, to;
      TRY(sliceBounds(s.size(), &from, &to));
      return string(s.substr(from, to - from));
    }
    case MethodId::CharAt: {
      TRY(arity(1, 1));
      std::size_t at = 0;
      TRY(needPosition(0, s.size(), &at));
      if (at == s.size()) {
        return raise(vm, result, "IndexError",
                     fmt::format("charAt(): position {} out of range (length {})", at, s.size()));
      }
      return ok(result, Value::object(vm.charStrings[static_cast<unsigned char>(s[at])]));
    }
    case MethodId::Split: {
      TRY(arity(1, 1));
      TRY(needString(0));
      std::string_view sep = asString(arg(0))->view();
      Array* parts = vm.heap.newArray();
      vm.tempRoots.push_back(Value::object(parts));
      s = asString(receiver())->view();
      if (sep.empty()) {
        for (char c : s)
          vm.heap.arrayPush(parts, Value::object(vm.charStrings[static_cast<unsigned char>(c)]));
      } else {
        std::size_t start = 0;
        for (;;) {
          s = asString(receiver())->view();
          sep = asString(arg(0))->view();
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
    case MethodId::Chars: {
      TRY(arity(0, 0));
      Array* out = vm.heap.newArray(s.size());
      s = asString(receiver())->view();
      for (char c : s) {
        out->items[out->count++] = Value::object(vm.charStrings[static_cast<unsigned char>(c)]);
      }
      return ok(result, Value::object(out));
    }
    case MethodId::Contains:
    case MethodId::Includes:
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
    case MethodId::IndexOf:
    case MethodId::LastIndexOf: {
      TRY(arity(1, 1));
      TRY(needString(0));
      std::string_view needle = asString(arg(0))->view();
      std::size_t at = method == MethodId::IndexOf ? s.find(needle) : s.rfind(needle);
      return ok(result, Value::integer(at == s.npos ? -1 : static_cast<int64_t>(at)));
    }
    case MethodId::IsDigit:
    case MethodId::IsAlpha: {
      TRY(arity(0, 0));
      bool all = !s.empty();
      for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        all = all && (method == MethodId::IsDigit ? std::isdigit(u) : std::isalpha(u)) != 0;
      }
      return ok(result, Value::boolean(all));
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
    case MethodId::Trim:
    case MethodId::TrimStart:
    case MethodId::TrimEnd: {
      TRY(arity(0, 0));
      std::size_t begin = 0, end = s.size();
      if (method != MethodId::TrimEnd) {
        while (begin < end && isSpace(s[begin])) ++begin;
      }
      if (method != MethodId::TrimStart) {
        while (end > begin && isSpace(s[end - 1])) --end;
      }
      return string(s.substr(begin, end - begin));
    }
    case MethodId::PadStart:
    case MethodId::PadEnd:
      return padded(s, method == MethodId::PadStart);
    case MethodId::Repeat: {
      TRY(arity(1, 1));
      if (!arg(0).isInt() || arg(0).as.i < 0) {
        return raise(vm, result, "ValueError",
                     fmt::format("repeat() needs a count >= 0, not {}", vm.describeValue(arg(0))));
      }
      auto times = static_cast<uint64_t>(arg(0).as.i);
      if (s.size() != 0 && times > SIZE_MAX / 2 / s.size()) throw OutOfMemory();
      String* out = vm.heap.newStringUninit(s.size() * times);
      s = asString(receiver())->view();
      for (uint64_t i = 0; i < times; ++i)
        std::memcpy(out->chars() + i * s.size(), s.data(), s.size());
      return ok(result, Value::object(out));
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

// Bottom-up merge sort of a copy of the array (stable) into a new array, so
// an interruption leaves nothing half done and the receiver is never changed.
NativeStatus MethodCall::sort(Array* array) {
  std::size_t n = array->count;
  bool numbers = true, strings = true;
  for (std::size_t i = 0; i < n; ++i) {
    numbers = numbers && array->items[i].isNumber();
    strings = strings && isObjKind(array->items[i], ObjKind::String);
  }
  if (!numbers && !strings) {
    return typeError(vm, result,
                     "sort() needs an array of numbers or an array of strings, or a comparator");
  }
  auto less = [numbers](Value a, Value b) {
    if (numbers) {
      if (a.isInt() && b.isInt()) return a.as.i < b.as.i;
      return a.asNumber() < b.asNumber();
    }
    return asString(a)->view() < asString(b)->view();
  };
  vm.heap.checkRoom(2 * n * sizeof(Value));
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
        if (vm.suspendRequested()) return NativeStatus::Interrupted;
      }
    }
    std::swap(from, to);
  }
  // The values in `from` are reachable from the receiver, so the allocation
  // may collect safely.
  return ok(result, Value::object(vm.heap.newArrayOf(from.data(), n)));
}

// A new array holding `count` values from `items` (values already reachable).
NativeStatus MethodCall::arrayOf(const Value* items, std::size_t count) {
  return ok(result, Value::object(vm.heap.newArrayOf(items, count)));
}

// [[a0, b0], [a1, b1], ...]: zip() pairs with another array's items,
// enumerate() with the positions.
NativeStatus MethodCall::pairs(Array* array, Array* other) {
  std::size_t n = other != nullptr ? std::min(array->count, other->count) : array->count;
  Array* out = vm.heap.newArray(n);
  vm.tempRoots.push_back(Value::object(out));
  for (std::size_t i = 0; i < n; ++i) {
    Array* pair = vm.heap.newArray(2);
    array = asArray(receiver());
    pair->items[0] = other != nullptr ? array->items[i] : Value::integer(static_cast<int64_t>(i));
    pair->items[1] = other != nullptr ? asArray(arg(0))->items[i] : array->items[i];
    pair->count = 2;
    out->items[out->count++] = Value::object(pair);
  }
  vm.tempRoots.pop_back();
  return ok(result, Value::object(out));
}

NativeStatus MethodCall::unique(Array* array) {
  // Hashable values are found through a scratch map; others (arrays, maps,
  // records) compare by identity in a linear scan of what was kept.
  Map* seen = vm.heap.newMap();
  vm.tempRoots.push_back(Value::object(seen));
  Array* out = vm.heap.newArray();
  vm.tempRoots.push_back(Value::object(out));
  for (std::size_t i = 0; i < asArray(receiver())->count; ++i) {
    array = asArray(receiver());
    Value item = array->items[i];
    Value found;
    bool duplicate;
    if (isHashableKey(item)) {
      duplicate = vm.heap.mapGet(seen, item, &found);
      if (!duplicate) vm.heap.mapSet(seen, item, Value::boolean(true));
    } else {
      duplicate = false;
      for (std::size_t j = 0; j < out->count && !duplicate; ++j) {
        duplicate = valuesEqual(out->items[j], item);
      }
    }
    if (!duplicate) vm.heap.arrayPush(out, item);
  }
  vm.tempRoots.pop_back();
  vm.tempRoots.pop_back();
  return ok(result, Value::object(out));
}

NativeStatus MethodCall::sum(Array* array) {
  int64_t intTotal = 0;
  double floatTotal = 0;
  bool anyFloat = false;
  for (std::size_t i = 0; i < array->count; ++i) {
    Value v = array->items[i];
    if (v.isInt()) {
      intTotal =
          static_cast<int64_t>(static_cast<uint64_t>(intTotal) + static_cast<uint64_t>(v.as.i));
    } else if (v.isFloat()) {
      anyFloat = true;
      floatTotal += v.as.f;
    } else {
      return typeError(vm, result, fmt::format("sum() needs numbers, not {}", typeName(v)));
    }
  }
  if (anyFloat) return ok(result, Value::floating(floatTotal + static_cast<double>(intTotal)));
  return ok(result, Value::integer(intTotal));
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
    case MethodId::Count:  // count(predicate) runs in the prelude
      TRY(arity(0, 1));
      return ok(result, Value::integer(static_cast<int64_t>(array->count)));
    case MethodId::IsEmpty:
      TRY(arity(0, 0));
      return ok(result, Value::boolean(array->count == 0));
    case MethodId::Slice: {
      TRY(arity(1, 2));
      std::size_t from = 0, to = array->count;
      TRY(needPosition(0, array->count, &from));
      if (argc == 2) TRY(needPosition(1, array->count, &to));
      if (to < from) to = from;
      return arrayOf(array->items + from, to - from);
    }
    case MethodId::First:
    case MethodId::Last:
      TRY(arity(0, 0));
      if (array->count == 0) return ok(result, Value::none());
      return ok(result, array->items[method == MethodId::First ? 0 : array->count - 1]);
    case MethodId::Take:
    case MethodId::Skip: {
      TRY(arity(1, 1));
      std::size_t n = 0;
      TRY(needCount(0, &n));
      n = std::min(n, array->count);
      if (method == MethodId::Take) return arrayOf(array->items, n);
      return arrayOf(array->items + n, array->count - n);
    }
    case MethodId::Iter:
      TRY(arity(0, 0));
      return ok(result, receiver());
    case MethodId::Collect:
      TRY(arity(0, 0));
      return arrayOf(array->items, array->count);
    case MethodId::Concat: {
      TRY(arity(1, 1));
      if (!isObjKind(arg(0), ObjKind::Array)) {
        return typeError(vm, result,
                         fmt::format("concat() needs an array, not {}", typeName(arg(0))));
      }
      std::size_t n = array->count, m = asArray(arg(0))->count;
      Array* out = vm.heap.newArray(n + m);
      if (n > 0) std::memcpy(out->items, asArray(receiver())->items, n * sizeof(Value));
      if (m > 0) std::memcpy(out->items + n, asArray(arg(0))->items, m * sizeof(Value));
      out->count = n + m;
      return ok(result, Value::object(out));
    }
    case MethodId::Flatten: {
      TRY(arity(0, 0));
      Array* out = vm.heap.newArray();
      vm.tempRoots.push_back(Value::object(out));
      for (std::size_t i = 0; i < asArray(receiver())->count; ++i) {
        Value item = asArray(receiver())->items[i];
        if (!isObjKind(item, ObjKind::Array)) {
          vm.heap.arrayPush(out, item);
          continue;
        }
        for (std::size_t j = 0; j < asArray(item)->count; ++j) {
          vm.heap.arrayPush(out, asArray(item)->items[j]);
        }
      }
      vm.tempRoots.pop_back();
      return ok(result, Value::object(out));
    }
    case MethodId::Unique:
      TRY(arity(0, 0));
      return unique(array);
    case MethodId::Sum:
      TRY(arity(0, 0));
      return sum(array);
    case MethodId::Min:
      TRY(arity(0, 0));
      return builtin(BuiltinId::Min);
    case MethodId::Max:
      TRY(arity(0, 0));
      return builtin(BuiltinId::Max);
    case MethodId::Zip:
      TRY(arity(1, 1));
      if (!isObjKind(arg(0), ObjKind::Array)) {
        return typeError(vm, result, fmt::format("zip() needs an array, not {}", typeName(arg(0))));
      }
      return pairs(array, asArray(arg(0)));
    case MethodId::Enumerate:
      TRY(arity(0, 0));
      return pairs(array, nullptr);
    case MethodId::ToString:
      TRY(arity(0, 0));
      return builtin(BuiltinId::Str);
    case MethodId::Join: {
      TRY(arity(0, 1));
      std::string_view sep;
      if (argc == 1) {
        TRY(needString(0));
        sep = asString(arg(0))->view();
      }
      TextBudget budget(vm);
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
    case MethodId::Sort:  // sort(compare) runs in the prelude
      TRY(arity(0, 1));
      return sort(array);
    case MethodId::Reverse: {
      TRY(arity(0, 0));
      NativeStatus status = arrayOf(array->items, array->count);
      Array* out = asArray(*result);
      std::reverse(out->items, out->items + out->count);
      return status;
    }
    case MethodId::Contains:
    case MethodId::Includes:
    case MethodId::IndexOf:
    case MethodId::LastIndexOf: {
      TRY(arity(1, 1));
      int64_t found = -1;
      for (std::size_t k = 0; k < array->count; ++k) {
        std::size_t i = method == MethodId::LastIndexOf ? array->count - 1 - k : k;
        if (valuesEqual(array->items[i], arg(0))) {
          found = static_cast<int64_t>(i);
          break;
        }
      }
      if (method == MethodId::IndexOf || method == MethodId::LastIndexOf) {
        return ok(result, Value::integer(found));
      }
      return ok(result, Value::boolean(found >= 0));
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
      vm.heap.mapDelete(map, arg(0));
      return ok(result, receiver());
    case MethodId::Keys:
    case MethodId::Values:
    case MethodId::Entries: {
      TRY(arity(0, 0));
      Array* out = vm.heap.newArray(map->liveCount);
      vm.tempRoots.push_back(Value::object(out));
      for (std::size_t i = 0; i < asMap(receiver())->entryCount; ++i) {
        map = asMap(receiver());
        Value key = mapKeyAt(map, i);
        if (key.isEmpty()) continue;
        if (method == MethodId::Entries) {
          Array* pair = vm.heap.newArray(2);
          map = asMap(receiver());
          pair->items[0] = key;
          pair->items[1] = mapValueAt(map, i);
          pair->count = 2;
          out->items[out->count++] = Value::object(pair);
        } else {
          out->items[out->count++] = method == MethodId::Keys ? key : mapValueAt(map, i);
        }
      }
      vm.tempRoots.pop_back();
      return ok(result, Value::object(out));
    }
    case MethodId::Merge: {
      TRY(arity(1, 1));
      if (!isObjKind(arg(0), ObjKind::Map)) {
        return typeError(vm, result, fmt::format("merge() needs a map, not {}", typeName(arg(0))));
      }
      Map* out = vm.heap.newMap();
      vm.tempRoots.push_back(Value::object(out));
      for (Value source : {receiver(), arg(0)}) {
        for (std::size_t i = 0; i < asMap(source)->entryCount; ++i) {
          Value key = mapKeyAt(asMap(source), i);
          if (!key.isEmpty()) vm.heap.mapSet(out, key, mapValueAt(asMap(source), i));
        }
      }
      vm.tempRoots.pop_back();
      return ok(result, Value::object(out));
    }
    case MethodId::Length:
      TRY(arity(0, 0));
      return ok(result, Value::integer(static_cast<int64_t>(map->liveCount)));
    case MethodId::IsEmpty:
      TRY(arity(0, 0));
      return ok(result, Value::boolean(map->liveCount == 0));
    case MethodId::ToString:
      TRY(arity(0, 0));
      return builtin(BuiltinId::Str);
    default:
      return unknown();
  }
}

NativeStatus MethodCall::onNumber() {
  switch (method) {
    case MethodId::Abs:
    case MethodId::Floor:
    case MethodId::Ceil:
    case MethodId::Round:
    case MethodId::Sqrt:
      TRY(arity(0, 0));
      return builtin(method == MethodId::Abs     ? BuiltinId::Abs
                     : method == MethodId::Floor ? BuiltinId::Floor
                     : method == MethodId::Ceil  ? BuiltinId::Ceil
                     : method == MethodId::Round ? BuiltinId::Round
                                                 : BuiltinId::Sqrt);
    case MethodId::ToString:
      TRY(arity(0, 0));
      return builtin(BuiltinId::Str);
    case MethodId::ToFixed: {
      TRY(arity(1, 1));
      if (!arg(0).isInt() || arg(0).as.i < 0 || arg(0).as.i > 100) {
        return raise(vm, result, "ValueError",
                     fmt::format("toFixed() needs a digit count from 0 to 100, not {}",
                                 vm.describeValue(arg(0))));
      }
      return string(fmt::format("{:.{}f}", receiver().asNumber(), arg(0).as.i));
    }
    case MethodId::Clamp: {
      TRY(arity(2, 2));
      if (!arg(0).isNumber() || !arg(1).isNumber()) {
        return typeError(vm, result, "clamp() needs two numbers");
      }
      Value v = receiver();
      if (v.asNumber() < arg(0).asNumber()) v = arg(0);
      if (v.asNumber() > arg(1).asNumber()) v = arg(1);
      return ok(result, v);
    }
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
      TextBudget budget(vm);
      std::string line;
      int c;
      while ((c = std::fgetc(file->handle)) != EOF && c != '\n') {
        line += static_cast<char>(c);
        // Charged only: what was read cannot be put back for a re-run, so a
        // suspend request waits for the end of the line.
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
      TextBudget budget(vm);
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
  if (receiver.isNumber()) return call.onNumber();
  if (receiver.isBool() && method == MethodId::ToString) return call.builtin(BuiltinId::Str);
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
