// Never terminates: timeout.
int main() {
    volatile unsigned long long i = 0;
    for (;;) i++;
}
