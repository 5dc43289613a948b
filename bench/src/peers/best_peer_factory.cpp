#include <cstring>
#include <stdexcept>
#include <string>

#include "peer_api.hpp"

namespace engram::bench::peers {

const PeerFactory& best_peer_factory(const char* max_level) {
  const std::string cap = max_level ? max_level : "avx512";
  if (cap != "avx512" && cap != "avx2" && cap != "baseline") {
    throw std::invalid_argument("peer level must be avx512, avx2 or baseline, not '" + cap + "'");
  }
#if defined(__x86_64__)
  // The same features our AVX-512 and AVX2 kernel targets need.
  if (cap == "avx512" && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) {
    return *engram_peers_avx512();
  }
  if (cap != "baseline" && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return *engram_peers_avx2();
  }
#endif
  return *engram_peers_baseline();
}

}  // namespace engram::bench::peers
