// UTF-8 validation of program names (see utf8_names.h).
#include "bytecode/utf8_names.h"

#include <fmt/format.h>

#include <string_view>

namespace shapevm {

namespace {

// Scalar, as names are short (the snapshot module validates long strings
// with simdjson).
bool isValidUtf8(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    // Lead byte: sequence length and the range its first continuation byte
    // must be in (excluding overlong forms, surrogates and code points past
    // U+10FFFF).
    std::size_t length;
    unsigned char low = 0x80, high = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      length = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      length = 3;
      if (c == 0xe0) low = 0xa0;
      if (c == 0xed) high = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      length = 4;
      if (c == 0xf0) low = 0x90;
      if (c == 0xf4) high = 0x8f;
    } else {
      return false;
    }
    if (bytes.size() - i < length) return false;
    auto second = static_cast<unsigned char>(bytes[i + 1]);
    if (second < low || second > high) return false;
    for (std::size_t k = 2; k < length; ++k) {
      auto next = static_cast<unsigned char>(bytes[i + k]);
      if (next < 0x80 || next > 0xbf) return false;
    }
    i += length;
  }
  return true;
}

}  // namespace

std::optional<Diagnostic> checkNamesAreUtf8(const Program& program, const std::string& fileName) {
  auto bad = [&](std::string_view what, std::string_view name) -> std::optional<Diagnostic> {
    if (isValidUtf8(name)) return std::nullopt;
    return Diagnostic::inFile(fileName,
                              fmt::format("{} name \"{}\" is not valid UTF-8", what, name));
  };
  for (const Function& function : program.functions) {
    if (auto problem = bad("function", function.name)) return problem;
    for (const Capture& capture : function.captures) {
      if (auto problem = bad("captured variable", capture.name)) return problem;
    }
    for (const LocalInfo& local : function.locals) {
      if (auto problem = bad("local variable", local.name)) return problem;
    }
  }
  for (const GlobalDecl& global : program.globals) {
    if (auto problem = bad("global", global.name)) return problem;
  }
  for (const TypeDecl& type : program.types) {
    if (auto problem = bad("type", type.name)) return problem;
    for (const std::string& field : type.fields) {
      if (auto problem = bad("field", field)) return problem;
    }
  }
  return std::nullopt;
}

}  // namespace shapevm
