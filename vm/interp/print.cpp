// How values look when printed (print, str, error messages): floats exactly as
// Python's repr(), strings quoted only inside containers, cycles as [...] and
// {...}; text that print() or str() builds counts against the heap limit
// (text_budget.h), text for a message is cut short. Also the small value predicates every module
// shares.
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <vector>

#include "core/map.h"
#include "interp/natives.h"
#include "interp/text_budget.h"
#include "interp/vm.h"

namespace shapevm {

namespace {

// Python's float repr: the shortest digits that read back to the same double,
// in positional notation when the decimal exponent is in [-4, 16), else
// scientific with at least two exponent digits.
void appendFloat(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "nan";
    return;
  }
  if (std::isinf(value)) {
    out += value < 0 ? "-inf" : "inf";
    return;
  }
  char buffer[64];
  auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  (void)ec;
  std::string_view text(buffer, end - buffer);
  bool negative = text.front() == '-';
  if (negative) text.remove_prefix(1);
  std::size_t e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.') digits += c;
  }
  int exponent = 0;
  std::from_chars(text.data() + e + 1 + (text[e + 1] == '+'), text.data() + text.size(), exponent);
  int decimalPoint = exponent + 1;  // digits d1d2... mean 0.d1d2... * 10^decimalPoint
  if (negative) out += '-';
  if (decimalPoint > -4 && decimalPoint <= 16) {
    if (decimalPoint <= 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-decimalPoint), '0');
      out += digits;
    } else if (static_cast<std::size_t>(decimalPoint) >= digits.size()) {
      out += digits;
      out.append(decimalPoint - digits.size(), '0');
      out += ".0";
    } else {
      out += digits.substr(0, decimalPoint);
      out += '.';
      out += digits.substr(decimalPoint);
    }
    return;
  }
  out += digits[0];
  if (digits.size() > 1) {
    out += '.';
    out += digits.substr(1);
  }
  fmt::format_to(std::back_inserter(out), "e{}{:02d}", exponent < 0 ? '-' : '+',
                 std::abs(exponent));
}

void appendQuoted(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\0':
        out += "\\0";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          fmt::format_to(std::back_inserter(out), "\\u{{{:x}}}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

// Deeper nesting than this prints as "..." rather than risking the C++ stack.
constexpr std::size_t kMaxPrintDepth = 2000;

// A value described in a message (an error, an uncaught exception) is cut
// short with "..." past this many bytes, so describing a shared structure
// stays short.
constexpr std::size_t kMaxMessageValueBytes = std::size_t{1} << 16;

struct Printer {
  const VM& vm;
  std::string& out;
  TextBudget* budget;            // charges print() and str(); none: a message, cut short
  std::vector<const Obj*> open;  // containers being printed (cycle detection)
  bool stopped = false;          // cut short, or a suspend signal arrived

  bool goesOn() {
    if (stopped) return false;
    if (budget != nullptr) {
      stopped = !budget->allows(out);
    } else if (out.size() > kMaxMessageValueBytes) {
      out += "...";
      stopped = true;
    }
    return !stopped;
  }

  bool isOpen(const Obj* o) const {
    for (const Obj* p : open) {
      if (p == o) return true;
    }
    return false;
  }

  void print(Value v, bool quoted) {
    switch (v.type) {
      case ValueType::None:
        out += "none";
        return;
      case ValueType::Bool:
        out += v.as.b ? "true" : "false";
        return;
      case ValueType::Int:
        fmt::format_to(std::back_inserter(out), "{}", v.as.i);
        return;
      case ValueType::Float:
        appendFloat(out, v.as.f);
        return;
      case ValueType::Function:
      case ValueType::Native:
        out += "<function " + vm.functionName(v) + ">";
        return;
      case ValueType::Empty:
        return;
      case ValueType::Object:
        break;
    }
    Obj* o = v.as.obj;
    if (o->kind == ObjKind::String) {
      if (quoted)
        appendQuoted(out, asString(v)->view());
      else
        out += asString(v)->view();
      return;
    }
    if (o->kind == ObjKind::Closure) {
      out += "<function " + vm.functionName(v) + ">";
      return;
    }
    if (o->kind == ObjKind::File) {
      out += "<file ";
      appendQuoted(out, *asFile(v)->path);
      out += ">";
      return;
    }
    if (o->kind == ObjKind::Upvalue) {
      out += "<upvalue>";
      return;
    }
    bool isArray = o->kind == ObjKind::Array;
    if (!goesOn()) return;
    if (isOpen(o) || open.size() >= kMaxPrintDepth) {
      if (o->kind == ObjKind::Record) out += asRecord(v)->type->name + " ";
      out += isArray ? "[...]" : "{...}";
      return;
    }
    open.push_back(o);
    if (isArray) {
      const Array* a = asArray(v);
      out += '[';
      for (std::size_t i = 0; i < a->count; ++i) {
        if (stopped) break;
        if (i > 0) out += ", ";
        print(a->items[i], true);
      }
      out += ']';
    } else if (o->kind == ObjKind::Map) {
      const Map* m = asMap(v);
      out += '{';
      bool first = true;
      for (std::size_t i = 0; i < m->entryCount; ++i) {
        if (stopped) break;
        Value key = mapKeyAt(m, i);
        if (key.isEmpty()) continue;
        if (!first) out += ", ";
        first = false;
        print(key, true);
        out += ": ";
        print(mapValueAt(m, i), true);
      }
      out += '}';
    } else {
      const Record* r = asRecord(v);
      out += r->type->name;
      if (r->type->isVariant() && (r->type->fields.empty() || r->type->fields[0] == "0")) {
        if (!r->type->fields.empty()) {
          out += '(';
          for (std::size_t i = 0; i < r->type->fields.size(); ++i) {
            if (i > 0) out += ", ";
            print(r->fields()[i], true);
          }
          out += ')';
        }
        open.pop_back();
        return;
      }
      out += " {";
      for (std::size_t i = 0; i < r->type->fields.size(); ++i) {
        if (stopped) break;
        if (i > 0) out += ", ";
        out += r->type->fields[i];
        out += ": ";
        print(r->fields()[i], true);
      }
      out += '}';
    }
    open.pop_back();
  }
};

}  // namespace

std::string VM::describeValue(Value value) const {
  std::string out;
  Printer{*this, out, nullptr, {}}.print(value, false);
  return out;
}

bool VM::appendValueText(std::string& out, Value value, TextBudget& budget) const {
  Printer printer{*this, out, &budget, {}};
  printer.print(value, false);
  return !printer.stopped;
}

const char* typeName(Value value) {
  switch (value.type) {
    case ValueType::None:
      return "none";
    case ValueType::Bool:
      return "bool";
    case ValueType::Int:
      return "int";
    case ValueType::Float:
      return "float";
    case ValueType::Function:
    case ValueType::Native:
      return "function";
    case ValueType::Empty:
      return "none";
    case ValueType::Object:
      break;
  }
  switch (value.as.obj->kind) {
    case ObjKind::String:
      return "string";
    case ObjKind::Array:
      return "array";
    case ObjKind::Map:
      return "map";
    case ObjKind::Closure:
      return "function";
    default:
      return "object";
  }
}

bool isTruthy(Value value) {
  switch (value.type) {
    case ValueType::None:
      return false;
    case ValueType::Bool:
      return value.as.b;
    case ValueType::Int:
      return value.as.i != 0;
    case ValueType::Float:
      return value.as.f != 0.0;
    case ValueType::Object:
      return value.as.obj->kind != ObjKind::String || asString(value)->length != 0;
    default:
      return true;
  }
}

namespace {

bool sameVariantType(Value a, Value b) {
  return isObjKind(a, ObjKind::Record) && isObjKind(b, ObjKind::Record) &&
         asRecord(a)->type == asRecord(b)->type && asRecord(a)->type->isVariant();
}

bool scalarsEqual(Value a, Value b) {
  if (a.isNumber() && b.isNumber()) {
    if (a.isInt() && b.isInt()) return a.as.i == b.as.i;
    return a.asNumber() == b.asNumber();
  }
  return keysEqual(a, b);
}

}  // namespace

// Enum values compare field by field (an explicit work list, so a long chain
// such as a linked list of variants does not recurse on the C++ stack);
// everything else as keysEqual, except numbers by numeric value.
bool valuesEqual(Value a, Value b) {
  if (!sameVariantType(a, b)) return scalarsEqual(a, b);
  std::vector<std::pair<Value, Value>> pending{{a, b}};
  while (!pending.empty()) {
    auto [left, right] = pending.back();
    pending.pop_back();
    if (left.isObject() && right.isObject() && left.as.obj == right.as.obj) continue;
    if (!sameVariantType(left, right)) {
      if (!scalarsEqual(left, right)) return false;
      continue;
    }
    const Record* l = asRecord(left);
    const Record* r = asRecord(right);
    for (std::size_t i = 0; i < l->type->fields.size(); ++i) {
      pending.emplace_back(l->fields()[i], r->fields()[i]);
    }
  }
  return true;
}

}  // namespace shapevm
