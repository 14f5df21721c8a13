// The member names of the snapshot JSON (docs/snapshot-format.md), one named
// constant each, shared by the writer (snapshot_writer.cpp, json_text.cpp),
// the reader (snapshot_reader*.cpp) and the scanner of the objects array
// (canonical_objects.cpp), so that a name is spelled once. The writer and
// the scanner meet a member as text in the writer's own layout: the forms
// below are built at compile time.
#pragma once

#include <cstddef>
#include <string_view>

namespace shapevm::snapshot_key {

template <std::size_t Size>  // the name's length + 1, as of a string literal
class Key {
 public:
  consteval Key(const char (&name)[Size]) {
    constexpr std::string_view kOpen = "{\"", kFollow = ", \"", kClose = "\": ";
    std::size_t at = 0;
    for (char c : kOpen) opening_[at++] = c;
    for (std::size_t i = 0; i + 1 < Size; ++i) opening_[at++] = name[i];
    for (char c : kClose) opening_[at++] = c;
    at = 0;
    for (char c : kFollow) following_[at++] = c;
    for (std::size_t i = 0; i + 1 < Size; ++i) following_[at++] = name[i];
    for (char c : kClose) following_[at++] = c;
  }
  // `name`, as the reader compares it.
  constexpr std::string_view name() const { return {opening_ + 2, Size - 1}; }
  // `"name": `, a member as it starts.
  constexpr std::string_view member() const { return {opening_ + 1, Size + 3}; }
  // `{"name": `, the first member of an object.
  constexpr std::string_view opening() const { return {opening_, Size + 4}; }
  // `, "name": `, a member after another.
  constexpr std::string_view following() const { return {following_, Size + 5}; }

 private:
  char opening_[Size + 4] = {};
  char following_[Size + 5] = {};
};

// The first line.
inline constexpr Key kFormat{"format"};
inline constexpr Key kVersion{"version"};
inline constexpr Key kChecksum{"checksum"};
inline constexpr Key kState{"state"};

// The state object, in the writer's order.
inline constexpr Key kStatus{"status"};
inline constexpr Key kReason{"reason"};
inline constexpr Key kProgram{"program"};
inline constexpr Key kPath{"path"};
inline constexpr Key kCode{"code"};
inline constexpr Key kTotalSteps{"total_steps"};
inline constexpr Key kRng{"rng"};
inline constexpr Key kArgs{"args"};
inline constexpr Key kStdin{"stdin"};
inline constexpr Key kHost{"host"};
inline constexpr Key kCwd{"cwd"};
inline constexpr Key kWrittenTo{"written_to"};
inline constexpr Key kStdout{"stdout"};
inline constexpr Key kGlobals{"globals"};
inline constexpr Key kName{"name"};
inline constexpr Key kValue{"value"};
inline constexpr Key kFrames{"frames"};
inline constexpr Key kFunction{"function"};
inline constexpr Key kId{"id"};
inline constexpr Key kHash{"hash"};
inline constexpr Key kIp{"ip"};
inline constexpr Key kBase{"base"};
inline constexpr Key kLine{"line"};
inline constexpr Key kHandlers{"handlers"};
inline constexpr Key kFrame{"frame"};
inline constexpr Key kStackSize{"stack_size"};
inline constexpr Key kCatch{"catch"};
inline constexpr Key kOpenUpvalues{"open_upvalues"};
inline constexpr Key kStack{"stack"};
inline constexpr Key kObjects{"objects"};

// Values and objects.
inline constexpr Key kRef{"ref"};
inline constexpr Key kFn{"fn"};
inline constexpr Key kNative{"native"};
inline constexpr Key kFloat{"float"};
inline constexpr Key kBytes{"bytes"};
inline constexpr Key kString{"string"};
inline constexpr Key kArray{"array"};
inline constexpr Key kCapacity{"capacity"};
inline constexpr Key kMap{"map"};
inline constexpr Key kRecord{"record"};
inline constexpr Key kFields{"fields"};
inline constexpr Key kClosure{"closure"};
inline constexpr Key kCaptures{"captures"};
inline constexpr Key kUpvalues{"upvalues"};
inline constexpr Key kUpvalue{"upvalue"};
inline constexpr Key kSlot{"slot"};
inline constexpr Key kFile{"file"};
inline constexpr Key kMode{"mode"};
inline constexpr Key kOpen{"open"};
inline constexpr Key kOffset{"offset"};
inline constexpr Key kAbsolute{"absolute"};
inline constexpr Key kLength{"length"};
inline constexpr Key kHead{"head"};
inline constexpr Key kTail{"tail"};

// Member values the format spells as fixed words, shared likewise: the
// reader compares `text()`, the writer and the scanner meet `quoted()`.
template <std::size_t Size>  // the word's length + 1, as of a string literal
class Word {
 public:
  consteval Word(const char (&text)[Size]) {
    quoted_[0] = '"';
    for (std::size_t i = 0; i + 1 < Size; ++i) quoted_[i + 1] = text[i];
    quoted_[Size] = '"';
  }
  // `word`
  constexpr std::string_view text() const { return {quoted_ + 1, Size - 1}; }
  // `"word"`, as a JSON string without escapes.
  constexpr std::string_view quoted() const { return {quoted_, Size + 1}; }

 private:
  char quoted_[Size + 1] = {};
};

// "status": a run that goes on after its snapshot, or one that stopped.
inline constexpr Word kCheckpointStatus{"checkpoint"};
inline constexpr Word kSuspendedStatus{"suspended"};
// "upvalue": the state of an upvalue.
inline constexpr Word kOpenUpvalue{"open"};
inline constexpr Word kClosedUpvalue{"closed"};
// "record": the VM's own Error type. No program type can have this name, so
// it never clashes with a type the program declares.
inline constexpr Word kErrorTypeName{"$Error"};

static_assert(kArray.name() == "array" && kArray.member() == "\"array\": " &&
              kArray.opening() == "{\"array\": " && kArray.following() == ", \"array\": ");
static_assert(kOpenUpvalue.text() == "open" && kOpenUpvalue.quoted() == "\"open\"");

}  // namespace shapevm::snapshot_key
