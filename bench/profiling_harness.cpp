// Work in progress: the profiling_harness program is being written.
int main() { return 1; }
