/* Attack: open network connections (exfiltrate, download, talk to the host's services).
 * Tries TCP to each IPv4 address:port given in argv (the test listens there on the host)
 * and a DNS server; prints "connected ADDR" for any that succeeds.
 * Expected: every attempt fails (no network namespace route / no interface). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
static void try(const char *addr, int port) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) { printf("no socket\n"); return; }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    inet_pton(AF_INET, addr, &sa.sin_addr);
    if (connect(s, (struct sockaddr *)&sa, sizeof sa) == 0) printf("connected %s:%d\n", addr, port);
    else printf("failed %s:%d\n", addr, port);
    close(s);
}
int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 80;
    for (int i = 2; i < argc; i++) try(argv[i], port);
    try("8.8.8.8", 53);
    try("1.1.1.1", 443);
    return 0;
}
