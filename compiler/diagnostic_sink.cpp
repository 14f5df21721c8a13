// Error collection and source excerpts for the compiler (see diagnostic_sink.h).
// Columns count UTF-8 code points, so the caret lines up under the character a
// message is about even on lines with non-ASCII text before it.
#include "compiler/diagnostic_sink.h"

#include <algorithm>

namespace shapevm {

namespace {

// Lines longer than this are shown as a window around the column.
constexpr std::size_t kExcerptWindow = 80;

bool isContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Byte offset of the 1-based code-point column `column` in `text` (clamped).
std::size_t byteOffsetOfColumn(std::string_view text, uint32_t column) {
  std::size_t offset = 0;
  for (uint32_t c = 1; c < column && offset < text.size(); ++c) {
    ++offset;
    while (offset < text.size() && isContinuationByte(text[offset])) ++offset;
  }
  return offset;
}

std::size_t alignToCodePoint(std::string_view text, std::size_t offset) {
  while (offset > 0 && offset < text.size() && isContinuationByte(text[offset])) --offset;
  return offset;
}

}  // namespace

DiagnosticSink::DiagnosticSink(std::string_view source, std::string fileName)
    : source_(source), fileName_(std::move(fileName)) {
  lineStarts_.push_back(source.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0);  // skip a byte-order mark
  for (std::size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\n') lineStarts_.push_back(i + 1);
  }
}

void DiagnosticSink::error(uint32_t line, uint32_t column, std::string message) {
  if (truncated_) return;
  if (line > 0 && !linesWithErrors_.insert(line).second) return;
  Diagnostic diagnostic;
  diagnostic.file = fileName_;
  if (errors_.size() == kMaxErrors) {
    truncated_ = true;
    diagnostic.message = "too many errors; stopping";
    errors_.push_back(std::move(diagnostic));
    return;
  }
  diagnostic.message = std::move(message);
  diagnostic.line = line;
  diagnostic.column = column;
  diagnostic.sourceExcerpt = excerpt(line, column);
  errors_.push_back(std::move(diagnostic));
}

void DiagnosticSink::internalError(std::string message) {
  Diagnostic diagnostic;
  diagnostic.file = fileName_;
  diagnostic.message = "internal compiler error: " + std::move(message);
  errors_.push_back(std::move(diagnostic));
}

std::vector<Diagnostic> DiagnosticSink::takeErrors() {
  // Diagnostics without a position ("too many errors") go last.
  auto key = [](const Diagnostic& d) {
    return std::make_pair(d.line == 0 ? UINT32_MAX : d.line, d.column);
  };
  std::stable_sort(errors_.begin(), errors_.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
  return std::move(errors_);
}

std::string DiagnosticSink::excerpt(uint32_t line, uint32_t column) const {
  if (line == 0 || line > lineStarts_.size()) return {};
  std::size_t start = lineStarts_[line - 1];
  std::size_t end = line < lineStarts_.size() ? lineStarts_[line] - 1 : source_.size();
  std::string_view text = source_.substr(start, end - start);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);

  std::size_t caret = byteOffsetOfColumn(text, column == 0 ? 1 : column);
  std::string prefix;
  std::string suffix;
  if (text.size() > 2 * kExcerptWindow) {
    std::size_t from = caret > kExcerptWindow ? alignToCodePoint(text, caret - kExcerptWindow) : 0;
    std::size_t to = alignToCodePoint(text, std::min(text.size(), caret + kExcerptWindow));
    if (from > 0) prefix = "...";
    if (to < text.size()) suffix = "...";
    caret -= from;
    text = text.substr(from, to - from);
  }

  std::string shown = prefix + std::string(text) + suffix;
  std::string marker(prefix.size(), ' ');
  for (std::size_t i = 0; i < caret && i < text.size(); ++i) {
    if (isContinuationByte(text[i])) continue;
    marker += text[i] == '\t' ? '\t' : ' ';
  }
  marker += '^';
  return shown + "\n" + marker;
}

}  // namespace shapevm
