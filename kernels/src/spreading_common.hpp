#pragma once
// Argument checks shared by both spreading kernels (private).
#include <span>

#include "engram/spreading.hpp"

namespace engram::detail {

// std::invalid_argument for an empty graph, no sources, a source that does not
// exist, or a parameter that is negative, NaN or infinite.
void check_spread_args(const MemoryGraph& graph, std::span<const MemoryId> sources,
                       const SpreadParams& params);

}  // namespace engram::detail
