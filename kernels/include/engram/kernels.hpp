#pragma once
// engram kernels: the memory graph and its three hot paths, each as a scalar
// reference (engram::reference) and a run-time-dispatched SIMD version
// (engram::optimized).
#include "engram/decay.hpp"
#include "engram/embedding.hpp"
#include "engram/memory_graph.hpp"
#include "engram/similarity.hpp"
#include "engram/simd.hpp"
#include "engram/spreading.hpp"
#include "engram/work_counters.hpp"
#include "engram/workload.hpp"
