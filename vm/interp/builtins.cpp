// The built-in functions of docs/language.md, in the order of
// bytecode/builtin_names.h. Each reads its arguments from the value stack and
// reports errors as the language's error objects (natives.h).
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "bytecode/builtin_names.h"
#include "interp/natives.h"
#include "interp/text_budget.h"
#include "interp/vm.h"

namespace shapevm {

NativeStatus raise(VM& vm, Value* result, std::string_view kind, std::string_view message) {
  *result = vm.makeError(kind, message);
  return NativeStatus::Error;
}

NativeStatus typeError(VM& vm, Value* result, std::string_view message) {
  return raise(vm, result, "TypeError", message);
}

namespace {

constexpr std::size_t kOutputFlushBytes = 1 << 16;

NativeStatus newString(VM& vm, Value* result, std::string_view text) {
  return ok(result, Value::object(vm.heap.newString(text)));
}

NativeStatus needNumber(VM& vm, Value* result, const char* function, Value got) {
  return typeError(vm, result, fmt::format("{}() needs a number, not {}", function, typeName(got)));
}

// Converts a float to an int, or fails for NaN, infinities and out-of-range values.
bool floatToInt(double f, int64_t* out) {
  if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0)) return false;
  *out = static_cast<int64_t>(f);
  return true;
}

std::string_view trimSpace(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

NativeStatus print(VM& vm, Value* args, uint32_t argc, Value*) {
  // All or nothing: a MemoryError or a suspension leaves no partial line.
  TextBudget budget(vm);
  std::size_t before = vm.output.size();
  try {
    for (uint32_t i = 0; i < argc; ++i) {
      if (i > 0) vm.output += ' ';
      if (isObjKind(args[i], ObjKind::String)) {
        vm.output += asString(args[i])->view();
      } else if (!vm.appendValueText(vm.output, args[i], budget)) {
        vm.output.resize(before);
        return NativeStatus::Interrupted;
      }
    }
  } catch (const OutOfMemory&) {
    vm.output.resize(before);
    throw;
  }
  vm.output += '\n';
  if (vm.output.size() >= kOutputFlushBytes) vm.flushOutput();
  return NativeStatus::Ok;
}

NativeStatus builtinPrint(VM& vm, Value* args, uint32_t argc, Value* result) {
  *result = Value::none();
  return print(vm, args, argc, result);
}

NativeStatus builtinLen(VM& vm, Value* args, uint32_t, Value* result) {
  Value v = args[0];
  if (v.isObject()) {
    switch (v.as.obj->kind) {
      case ObjKind::String:
        return ok(result, Value::integer(static_cast<int64_t>(asString(v)->length)));
      case ObjKind::Array:
        return ok(result, Value::integer(static_cast<int64_t>(asArray(v)->count)));
      case ObjKind::Map:
        return ok(result, Value::integer(static_cast<int64_t>(asMap(v)->liveCount)));
      default:
        break;
    }
  }
  return typeError(vm, result, fmt::format("len() of {}", typeName(v)));
}

NativeStatus builtinStr(VM& vm, Value* args, uint32_t, Value* result) {
  if (isObjKind(args[0], ObjKind::String)) return ok(result, args[0]);
  TextBudget budget(vm);
  std::string text;
  if (!vm.appendValueText(text, args[0], budget)) return NativeStatus::Interrupted;
  return newString(vm, result, text);
}

NativeStatus builtinInt(VM& vm, Value* args, uint32_t, Value* result) {
  Value v = args[0];
  switch (v.type) {
    case ValueType::Int:
      return ok(result, v);
    case ValueType::Bool:
      return ok(result, Value::integer(v.as.b ? 1 : 0));
    case ValueType::Float: {
      int64_t i;
      if (!floatToInt(v.as.f, &i)) {
        return raise(vm, result, "ValueError",
                     fmt::format("cannot convert {} to int", vm.describeValue(v)));
      }
      return ok(result, Value::integer(i));
    }
    default:
      break;
  }
  if (isObjKind(v, ObjKind::String)) {
    std::string_view text = trimSpace(asString(v)->view());
    std::string_view digits = text;
    if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
    int64_t i = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), i);
    if (!digits.empty() && ec == std::errc() && end == digits.data() + digits.size() &&
        !(digits.front() == '-' && text.front() == '+')) {
      return ok(result, Value::integer(i));
    }
    return raise(vm, result, "ValueError",
                 fmt::format("invalid literal for int(): {}", vm.describeValue(v)));
  }
  return raise(vm, result, "ValueError", fmt::format("cannot convert {} to int", typeName(v)));
}

NativeStatus builtinFloat(VM& vm, Value* args, uint32_t, Value* result) {
  Value v = args[0];
  if (v.isNumber()) return ok(result, Value::floating(v.asNumber()));
  if (v.isBool()) return ok(result, Value::floating(v.as.b ? 1.0 : 0.0));
  if (isObjKind(v, ObjKind::String)) {
    std::string text(trimSpace(asString(v)->view()));
    std::string lower;
    for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view body = lower;
    bool negative = !body.empty() && body.front() == '-';
    if (!body.empty() && (body.front() == '-' || body.front() == '+')) body.remove_prefix(1);
    if (body == "inf" || body == "infinity") {
      return ok(result, Value::floating(negative ? -HUGE_VAL : HUGE_VAL));
    }
    if (body == "nan") return ok(result, Value::floating(std::nan("")));
    double f = 0;
    const char* begin = text.data() + (!text.empty() && text.front() == '+' ? 1 : 0);
    auto [end, ec] = std::from_chars(begin, text.data() + text.size(), f);
    if (!text.empty() && end == text.data() + text.size() &&
        (ec == std::errc() || ec == std::errc::result_out_of_range)) {
      return ok(result, Value::floating(f));
    }
    return raise(vm, result, "ValueError",
                 fmt::format("could not convert string to float: {}", vm.describeValue(v)));
  }
  return raise(vm, result, "ValueError", fmt::format("cannot convert {} to float", typeName(v)));
}

NativeStatus builtinType(VM& vm, Value* args, uint32_t, Value* result) {
  return ok(result, Value::object(vm.heap.intern(typeName(args[0]))));
}

NativeStatus builtinAbs(VM& vm, Value* args, uint32_t, Value* result) {
  Value v = args[0];
  if (v.isInt()) return ok(result, Value::integer(v.as.i < 0 ? wrapNeg(v.as.i) : v.as.i));
  if (v.isFloat()) return ok(result, Value::floating(std::fabs(v.as.f)));
  return needNumber(vm, result, "abs", v);
}

// -1, 0, 1 ordering of two numbers or two strings; false if not comparable.
bool orderValues(Value a, Value b, int* order) {
  if (a.isInt() && b.isInt()) {
    *order = (a.as.i > b.as.i) - (a.as.i < b.as.i);
    return true;
  }
  if (a.isNumber() && b.isNumber()) {
    double x = a.asNumber(), y = b.asNumber();
    *order = (x > y) - (x < y);
    return true;
  }
  if (isObjKind(a, ObjKind::String) && isObjKind(b, ObjKind::String)) {
    int c = asString(a)->view().compare(asString(b)->view());
    *order = (c > 0) - (c < 0);
    return true;
  }
  return false;
}

NativeStatus extreme(VM& vm, Value* args, uint32_t argc, Value* result, const char* name,
                     int wanted) {
  Value* items = args;
  std::size_t count = argc;
  if (argc == 1 && isObjKind(args[0], ObjKind::Array)) {
    items = asArray(args[0])->items;
    count = asArray(args[0])->count;
  }
  if (count == 0)
    return raise(vm, result, "ValueError", fmt::format("{}() of an empty array", name));
  Value best = items[0];
  for (std::size_t i = 0; i < count; ++i) {
    int order;
    if (!orderValues(items[i], best, &order)) {
      return typeError(
          vm, result,
          fmt::format("{}() cannot compare {} and {}", name, typeName(items[i]), typeName(best)));
    }
    if (order == wanted) best = items[i];
  }
  return ok(result, best);
}

NativeStatus builtinMin(VM& vm, Value* args, uint32_t argc, Value* result) {
  return extreme(vm, args, argc, result, "min", -1);
}
NativeStatus builtinMax(VM& vm, Value* args, uint32_t argc, Value* result) {
  return extreme(vm, args, argc, result, "max", 1);
}

template <double (*F)(double)>
NativeStatus unaryMath(VM& vm, Value* args, uint32_t, Value* result, const char* name) {
  if (!args[0].isNumber()) return needNumber(vm, result, name, args[0]);
  return ok(result, Value::floating(F(args[0].asNumber())));
}

double callSqrt(double x) { return std::sqrt(x); }
double callExp(double x) { return std::exp(x); }
double callLog(double x) { return std::log10(x); }
double callLn(double x) { return std::log(x); }
double callSin(double x) { return std::sin(x); }
double callCos(double x) { return std::cos(x); }
double callTan(double x) { return std::tan(x); }

NativeStatus builtinSqrt(VM& vm, Value* a, uint32_t n, Value* r) {
  return unaryMath<callSqrt>(vm, a, n, r, "sqrt");
}
NativeStatus builtinExp(VM& vm, Value* a, uint32_t n, Value* r) {
  return unaryMath<callExp>(vm, a, n, r, "exp");
}
NativeStatus builtinLog(VM& vm, Value* a, uint32_t n, Value* r) {
  return unaryMath<callLog>(vm, a, n, r, "log");
}
NativeStatus builtinLn(VM& vm, Value* a, uint32_t n, Value* r) {
  return unaryMath<callLn>(vm, a, n, r, "ln");
}
NativeStatus builtinSin(VM& vm, Value* a, uint32_t n, Value* r) {
  return unaryMath<callSin>(vm, a, n, r, "sin");
}
NativeStatus builtinCos(VM& vm, Value* a, uint32_t n, Value* r) {
  return unaryMath<callCos>(vm, a, n, r, "cos");
}
NativeStatus builtinTan(VM& vm, Value* a, uint32_t n, Value* r) {
  return unaryMath<callTan>(vm, a, n, r, "tan");
}

// floor, ceil and round return ints; round goes half away from zero.
template <double (*F)(double)>
NativeStatus roundingMath(VM& vm, Value* args, Value* result, const char* name) {
  Value v = args[0];
  if (v.isInt()) return ok(result, v);
  if (!v.isFloat()) return needNumber(vm, result, name, v);
  int64_t i;
  if (!floatToInt(F(v.as.f), &i)) {
    return raise(vm, result, "ValueError",
                 fmt::format("{}() of {} does not fit an int", name, vm.describeValue(v)));
  }
  return ok(result, Value::integer(i));
}

double callFloor(double x) { return std::floor(x); }
double callCeil(double x) { return std::ceil(x); }
double callRound(double x) { return std::round(x); }

NativeStatus builtinFloor(VM& vm, Value* a, uint32_t, Value* r) {
  return roundingMath<callFloor>(vm, a, r, "floor");
}
NativeStatus builtinCeil(VM& vm, Value* a, uint32_t, Value* r) {
  return roundingMath<callCeil>(vm, a, r, "ceil");
}
NativeStatus builtinRound(VM& vm, Value* a, uint32_t, Value* r) {
  return roundingMath<callRound>(vm, a, r, "round");
}

NativeStatus builtinPow(VM& vm, Value* args, uint32_t, Value* result) {
  if (!args[0].isNumber()) return needNumber(vm, result, "pow", args[0]);
  if (!args[1].isNumber()) return needNumber(vm, result, "pow", args[1]);
  return ok(result, Value::floating(std::pow(args[0].asNumber(), args[1].asNumber())));
}

NativeStatus builtinAtan2(VM& vm, Value* args, uint32_t, Value* result) {
  if (!args[0].isNumber()) return needNumber(vm, result, "atan2", args[0]);
  if (!args[1].isNumber()) return needNumber(vm, result, "atan2", args[1]);
  return ok(result, Value::floating(std::atan2(args[0].asNumber(), args[1].asNumber())));
}

NativeStatus builtinRandom(VM& vm, Value*, uint32_t, Value* result) {
  return ok(result, Value::floating(vm.rng.nextDouble()));
}

NativeStatus builtinRandomInt(VM& vm, Value* args, uint32_t, Value* result) {
  if (!args[0].isInt() || !args[1].isInt()) {
    return typeError(vm, result, "random_int() needs two ints");
  }
  int64_t lo = args[0].as.i, hi = args[1].as.i;
  if (lo > hi) {
    return raise(vm, result, "ValueError", fmt::format("random_int({}, {}): empty range", lo, hi));
  }
  uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
  uint64_t offset = span == 0 ? vm.rng.next() : vm.rng.nextBelow(span);
  return ok(result, Value::integer(wrapAdd(lo, static_cast<int64_t>(offset))));
}

NativeStatus builtinClock(VM&, Value*, uint32_t, Value* result) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return ok(result, Value::floating(std::chrono::duration<double>(now).count()));
}

NativeStatus builtinArgs(VM& vm, Value*, uint32_t, Value* result) {
  Array* array = vm.heap.newArray(vm.args.size());
  vm.tempRoots.push_back(Value::object(array));
  // The capacity is reserved, so storing each new string allocates nothing more.
  for (const std::string& arg : vm.args) {
    array->items[array->count++] = Value::object(vm.heap.newString(arg));
  }
  vm.tempRoots.pop_back();
  return ok(result, Value::object(array));
}

NativeStatus builtinReadLine(VM& vm, Value*, uint32_t, Value* result) {
  vm.flushOutput();  // a prompt printed before reading must be visible
  for (;;) {
    std::size_t newline = vm.stdinBuffer.find('\n');
    if (newline != std::string::npos) {
      Value line =
          Value::object(vm.heap.newString(std::string_view(vm.stdinBuffer).substr(0, newline)));
      vm.stdinBuffer.erase(0, newline + 1);
      return ok(result, line);
    }
    char chunk[4096];
    ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) {
        if (vm.suspendRequested()) return NativeStatus::Interrupted;
        continue;
      }
      return raise(vm, result, "IOError", fmt::format("read_line(): {}", std::strerror(errno)));
    }
    if (n == 0) {
      if (vm.stdinBuffer.empty()) return ok(result, Value::none());
      Value line = Value::object(vm.heap.newString(vm.stdinBuffer));
      vm.stdinBuffer.clear();
      return ok(result, line);
    }
    vm.stdinBuffer.append(chunk, static_cast<std::size_t>(n));
  }
}

NativeStatus builtinOpen(VM& vm, Value* args, uint32_t, Value* result) {
  if (!isObjKind(args[0], ObjKind::String) || !isObjKind(args[1], ObjKind::String)) {
    return typeError(vm, result, "open() needs a path and a mode string");
  }
  std::string path(asString(args[0])->view());
  std::string_view modeText = asString(args[1])->view();
  FileMode mode;
  const char* cMode;
  if (modeText == "r") {
    mode = FileMode::Read;
    cMode = "rb";
  } else if (modeText == "w") {
    mode = FileMode::Write;
    cMode = "wb";
  } else if (modeText == "a") {
    mode = FileMode::Append;
    cMode = "ab";
  } else {
    return raise(vm, result, "ValueError",
                 fmt::format("open(): mode must be \"r\", \"w\" or \"a\", not \"{}\"", modeText));
  }
  if (path.find('\0') != std::string::npos) {
    return raise(vm, result, "IOError", "open(): path contains a NUL byte");
  }
  std::FILE* handle = std::fopen(path.c_str(), cMode);
  if (handle == nullptr) {
    return raise(vm, result, "IOError",
                 fmt::format("open(\"{}\"): {}", path, std::strerror(errno)));
  }
  // Snapshots identify the file by where it is, not by the directory a later
  // resume happens to run in.
  std::error_code ignored;
  std::string absolute = std::filesystem::absolute(path, ignored).lexically_normal().string();
  return ok(result,
            Value::object(vm.heap.newFile(handle, std::move(path), std::move(absolute), mode)));
}

NativeStatus builtinCheckpoint(VM& vm, Value*, uint32_t, Value* result) {
  vm.requestedSnapshot = SnapshotReason::Checkpoint;
  return ok(result, Value::boolean(true));
}

NativeStatus builtinSuspend(VM& vm, Value*, uint32_t, Value* result) {
  vm.requestedSnapshot = SnapshotReason::SuspendCall;
  return ok(result, Value::boolean(true));
}

NativeStatus builtinExit(VM& vm, Value* args, uint32_t argc, Value* result) {
  int64_t code = 0;
  if (argc == 1) {
    if (!args[0].isInt()) return typeError(vm, result, "exit() needs an int status");
    code = args[0].as.i;
  }
  vm.requestedExit = static_cast<int>(code & 0xff);
  return ok(result, Value::none());
}

NativeStatus builtinHashMap(VM& vm, Value*, uint32_t, Value* result) {
  return ok(result, Value::object(vm.heap.newMap()));
}

}  // namespace

const NativeFn kBuiltinFunctions[] = {
#define SHAPEVM_BUILTIN_FUNCTION(name, text, minArgs, maxArgs) builtin##name,
    SHAPEVM_BUILTINS(SHAPEVM_BUILTIN_FUNCTION)
#undef SHAPEVM_BUILTIN_FUNCTION
};

}  // namespace shapevm
