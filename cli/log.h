// The command line's log: what the VM does on the program's behalf (snapshots
// written, jobs started and resumed, relocation), on stderr so it never mixes
// with the program's stdout, at the level --log-level sets (warn until then).
// spdlog writes it, behind this interface, in log.cpp alone: its headers are
// the slowest to compile in the project, and only that file needs them.
#pragma once

#include <fmt/format.h>

#include <string_view>
#include <utility>

namespace shapevm::cli::log {

// The levels the command line writes at (--log-level names all of spdlog's).
enum class Level { Info, Error };

// The logger on stderr, at level warn.
void start();
// `name` as --log-level takes it: trace, debug, info, warn, error or off.
void setLevel(std::string_view name);
bool enabled(Level level);
void write(Level level, std::string_view message);

template <typename... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(Level::Info)) write(Level::Info, fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
void error(fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(Level::Error)) write(Level::Error, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace shapevm::cli::log
