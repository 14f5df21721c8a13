// Small queries over a Program and its parts.
#include "bytecode/program.h"

#include <bit>
#include <cstdio>

namespace shapevm {

bool Constant::operator==(const Constant& other) const {
  if (kind != other.kind) return false;
  switch (kind) {
    case ConstantKind::Int:
      return intValue == other.intValue;
    case ConstantKind::Float:  // bitwise, so -0.0 and NaN payloads are kept apart
      return std::bit_cast<uint64_t>(floatValue) == std::bit_cast<uint64_t>(other.floatValue);
    case ConstantKind::String:
      return stringValue == other.stringValue;
  }
  return false;
}

std::string FunctionHash::hex() const {
  char text[33];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(high),
                static_cast<unsigned long long>(low));
  return text;
}

bool FunctionHash::fromHex(std::string_view text, FunctionHash* out) {
  if (text.size() != 32) return false;
  uint64_t parts[2] = {0, 0};
  for (std::size_t i = 0; i < 32; ++i) {
    char c = text[i];
    uint64_t digit;
    if (c >= '0' && c <= '9')
      digit = c - '0';
    else if (c >= 'a' && c <= 'f')
      digit = c - 'a' + 10;
    else
      return false;
    parts[i / 16] = (parts[i / 16] << 4) | digit;
  }
  out->high = parts[0];
  out->low = parts[1];
  return true;
}

uint32_t Function::lineAt(uint32_t offset) const {
  uint32_t line = 0;
  for (const LineEntry& entry : lines) {
    if (entry.offset > offset) break;
    line = entry.line;
  }
  return line;
}

const FieldDefault* TypeDecl::defaultOf(std::size_t field) const {
  for (const FieldDefault& d : defaults) {
    if (d.field == field) return &d;
  }
  return nullptr;
}

int Program::findFunction(std::string_view name) const {
  for (std::size_t i = 0; i < functions.size(); ++i) {
    if (functions[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int Program::findGlobal(std::string_view name) const {
  for (std::size_t i = 0; i < globals.size(); ++i) {
    if (globals[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace shapevm
