// Diagnostics: every boundary that reads outside input (assembler, compiler,
// .sbc loader, verifier, snapshot loader) reports problems as values carrying
// the file, a position and a message, never as C++ exceptions.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace shapevm {

struct Diagnostic {
  std::string file;
  std::string message;
  uint32_t line = 0;          // 1-based source line, 0 if not applicable
  uint32_t column = 0;        // 1-based column, 0 if not applicable
  std::string function;       // function the problem is in, if any
  int64_t offset = -1;        // code offset (words) inside `function`, or -1
  std::string sourceExcerpt;  // the offending source line with a caret, if any

  static Diagnostic inFile(std::string file, std::string message) {
    Diagnostic d;
    d.file = std::move(file);
    d.message = std::move(message);
    return d;
  }

  // "file:line:col: message", "file: function 'f' at offset 12: message", ...
  std::string format() const;
};

// A value or the diagnostic explaining why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(Diagnostic error) : state_(std::move(error)) {}
  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(state_); }
  const T& value() const { return std::get<0>(state_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Diagnostic& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Diagnostic> state_;
};

}  // namespace shapevm
