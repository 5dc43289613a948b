#pragma once
// Internal: spelled-out unrolling for the kernels, so that every chain and
// every vector of a block is its own named register variable whatever the
// optimization level (an array of accumulators can end up in memory).

// Twelve independent FMA chains: on the cores we know, latency 4 x 2 pipes
// = 8 chains in flight fill the FMA units; 12 leave margin and still fit in
// the 16 registers of AVX2 next to the two constant operands.
#define ENGRAM_CHAINS_12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define ENGRAM_CHAIN_COUNT 12

// Eight vectors per block of a streaming kernel.
#define ENGRAM_BLOCK_8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

// The chains converge to c / (1 - m) = 1 without overflow or denormals,
// whatever the number of iterations.
#define ENGRAM_PEAK_MULTIPLIER 0.999999f
#define ENGRAM_PEAK_ADDEND 1e-6f
