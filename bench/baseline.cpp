// Work in progress: the baseline program is being written.
int main() { return 1; }
