// A missing semicolon: compile_error.
#include <cstdio>
int main() {
    int n = 0
    printf("%d\n", n);
}
