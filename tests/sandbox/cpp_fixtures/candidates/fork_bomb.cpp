// Forks without end: must be contained by the process limit and end in a failure status.
#include <unistd.h>
int main() {
    for (;;) fork();
}
