/* Attack: an infinite loop that never returns, hoping to hang the judge.
 * Expected: killed at the step's limit (SIGKILL of the group, or SIGXCPU), timed_out. */
int main(void) {
    volatile unsigned long n = 0;
    for (;;) n++;
}
