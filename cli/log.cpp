// The command line's log (log.h), written by spdlog's default logger.
#include "log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace shapevm::cli::log {

namespace {

spdlog::level::level_enum toSpdlog(Level level) {
  return level == Level::Info ? spdlog::level::info : spdlog::level::err;
}

}  // namespace

void start() {
  spdlog::set_default_logger(spdlog::stderr_color_mt("shapevm"));
  spdlog::set_level(spdlog::level::warn);
}

void setLevel(std::string_view name) {
  spdlog::set_level(spdlog::level::from_str(std::string(name)));
}

bool enabled(Level level) { return spdlog::should_log(toSpdlog(level)); }

void write(Level level, std::string_view message) { spdlog::log(toSpdlog(level), "{}", message); }

}  // namespace shapevm::cli::log
