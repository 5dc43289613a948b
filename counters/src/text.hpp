#pragma once
// Small text helpers shared by name resolution, listing and the CLI.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace engram::counters::detail {

std::string to_lower(std::string_view text);
std::string to_upper(std::string_view text);
bool iequals(std::string_view a, std::string_view b);
bool icontains(std::string_view haystack, std::string_view needle);
bool istarts_with(std::string_view text, std::string_view prefix);
std::string trim(std::string_view text);

// Levenshtein distance with adjacent transpositions, case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

// Up to `limit` names of `vocabulary` nearest to `name`: by edit distance
// (at most about a third of the name's length), then names that contain it
// or that it contains. Case-insensitive; each returned once.
std::vector<std::string> close_matches(std::string_view name, const std::vector<std::string>& vocabulary,
                                       std::size_t limit = 5);

std::string join(const std::vector<std::string>& parts, std::string_view separator);

}  // namespace engram::counters::detail
