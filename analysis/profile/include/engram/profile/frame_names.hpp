#pragma once
// Frame names in folded stacks and perf output: bracket-aware splitting and
// tidying of demangled C++ names.
//
// Folded stacks separate frames with ';', but demangled C++ names are full of
// brackets: templates (std::vector<int>), parameter lists, lambdas
// ({lambda(int)#1}), anonymous namespaces and operators (operator<,
// operator<<, operator->, operator()). A ';' separates frames only at bracket
// depth 0, and the operator tokens never open or close a bracket.
#include <string>
#include <string_view>
#include <vector>

namespace engram::profile {

// Splits a folded stack "root;...;leaf" into frames, root first, at ';' that
// stand at bracket depth 0 over (), <>, [] and {}. When the brackets do not
// balance (a truncated symbol), every ';' separates frames, so one bad name
// cannot swallow the rest of the stack. The views point into `stack`.
std::vector<std::string_view> split_frames(std::string_view stack);
// Same, reusing `out` (cleared first) to avoid allocations in hot loops.
void split_frames(std::string_view stack, std::vector<std::string_view>& out);

// True when `name` holds a ';' at bracket depth 0 (it would split a folded line).
bool has_top_level_separator(std::string_view name);

// A demangled name without its parameter list, trailing qualifiers
// (const, &&, noexcept, [clone .cold]) and, for function templates, the
// return type:
//   "float ns::dot<float>(std::span<float const>) const" -> "ns::dot<float>"
//   "main::{lambda(int)#1}::operator()(int) const"     -> "main::{lambda(int)#1}::operator()"
//   "(anonymous namespace)::helper(int)"                -> "(anonymous namespace)::helper"
// Names without a parameter list (C symbols, "[unknown]") come back unchanged.
std::string strip_parameters(std::string_view demangled);

// The components of a function's qualified name, without template arguments,
// parameters, return type or a trailing annotation such as "_[k]":
//   "engram::optimized::cosine_batch(std::span<float const>)" ->
//   {"engram", "optimized", "cosine_batch"}
std::vector<std::string> qualified_name_components(std::string_view frame);

}  // namespace engram::profile
