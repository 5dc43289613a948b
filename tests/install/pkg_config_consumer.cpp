// Built by example_against_prefix.cmake with nothing but
// `c++ -std=c++20 pkg_config_consumer.cpp $(pkg-config --cflags --libs engram_counters)`
// against an installed prefix: the headers are found, the static libraries
// and what they need link, and a software counter is read.
#include <cstdio>
#include <exception>
#include <string>

#include "engram/counters.hpp"

int main() {
  try {
    using namespace engram::counters;
    CounterSet set = CounterSet::open({"task-clock"});
    set.start();
    volatile unsigned long sink = 0;
    for (unsigned long i = 0; i < 1000000; ++i) sink = sink + i;
    set.stop();
    const Reading reading = set.read();
    const CounterValue& counter = reading.counters.at(0);
    std::printf("task-clock %s %s\n", std::string(to_string(counter.status)).c_str(),
                counter.value ? "with a value" : "without a value");
    return counter.value ? 0 : 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "pkg_config_consumer: %s\n", error.what());
    return 1;
  }
}
