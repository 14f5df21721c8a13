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

DiagnosticSink::DiagnosticSink(std::string_view source, std::string fileName) {
  addFile(source, std::move(fileName), 1);
}

void DiagnosticSink::addFile(std::string_view source, std::string fileName, uint32_t firstLine) {
  File file{source, std::move(fileName), firstLine, {}};
  file.lineStarts.push_back(source.substr(0, 3) == "\xEF\xBB\xBF" ? 3
                                                                  : 0);  // skip a byte-order mark
  for (std::size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\n') file.lineStarts.push_back(i + 1);
  }
  files_.push_back(std::move(file));
}

// The file holding shared line number `line` (the main file for line 0).
const DiagnosticSink::File& DiagnosticSink::fileOfLine(uint32_t line) const {
  for (const File& file : files_) {
    if (line >= file.firstLine && line - file.firstLine < file.lineStarts.size()) return file;
  }
  return files_.front();
}

void DiagnosticSink::error(uint32_t line, uint32_t column, std::string message) {
  if (truncated_) return;
  if (line > 0 && !linesWithErrors_.insert(line).second) return;
  const File& file = fileOfLine(line);
  Diagnostic diagnostic;
  diagnostic.file = file.name;
  if (errors_.size() == kMaxErrors) {
    truncated_ = true;
    diagnostic.message = "too many errors; stopping";
    errors_.push_back(std::move(diagnostic));
    errorLines_.push_back(0);
    return;
  }
  diagnostic.message = std::move(message);
  diagnostic.line = line == 0 ? 0 : line - file.firstLine + 1;
  diagnostic.column = column;
  diagnostic.sourceExcerpt = excerpt(file, diagnostic.line, column);
  errors_.push_back(std::move(diagnostic));
  errorLines_.push_back(line);
}

void DiagnosticSink::internalError(std::string message) {
  Diagnostic diagnostic;
  diagnostic.file = files_.front().name;
  diagnostic.message = "internal compiler error: " + std::move(message);
  errors_.push_back(std::move(diagnostic));
  errorLines_.push_back(0);
}

std::vector<Diagnostic> DiagnosticSink::takeErrors() {
  // Diagnostics without a position ("too many errors") go last.
  std::vector<std::size_t> order(errors_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto key = [&](std::size_t i) {
    return std::make_pair(errorLines_[i] == 0 ? UINT32_MAX : errorLines_[i], errors_[i].column);
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
  std::vector<Diagnostic> sorted;
  sorted.reserve(order.size());
  for (std::size_t i : order) sorted.push_back(std::move(errors_[i]));
  errors_.clear();
  errorLines_.clear();
  return sorted;
}

std::string DiagnosticSink::excerpt(const File& file, uint32_t line, uint32_t column) {
  const std::vector<std::size_t>& lineStarts = file.lineStarts;
  if (line == 0 || line > lineStarts.size()) return {};
  std::size_t start = lineStarts[line - 1];
  std::size_t end = line < lineStarts.size() ? lineStarts[line] - 1 : file.source.size();
  std::string_view text = file.source.substr(start, end - start);
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
