/*
 * sockpp.c: the floor for docs/benchmarks/fabric.md: a raw TCP socket ping-pong and stream between two
 * processes (two network namespaces joined by a veth bridge), with the rules of
 * tests/HpcMsg.Benchmarks.Native/osu_like.c where a socket allows them:
 *
 *   latency: one-way time (half a round trip), sizes 0 (sent as 1 byte: a stream cannot carry an empty
 *            message), 8, 1 KiB, 64 KiB, 1 MiB; 10,000 iterations up to 8 KiB and 1,000 above, after
 *            100 / 10 untimed; a size stops after 2 s once 5 iterations are done (osu_like's budget).
 *   bw:      4 MiB, a window of 64 messages then a 4-byte acknowledgement, 20 windows after 2 untimed,
 *            MB/s (10^6 bytes).
 *
 *   sockpp server ADDRESS PORT MODE [BUDGET]   (MODE: block = blocking recv, which sleeps in the kernel;
 *   sockpp client ADDRESS PORT MODE [BUDGET]          spin = non-blocking recv polled in a loop, as MPI
 *                                                     progress does; BUDGET: seconds per size, default 2)
 *
 * The client prints osu_like's format: "# bench latency np 2 impl raw socket (MODE)", "size value
 * iterations" lines, "# end latency", then the same for bw. TCP_NODELAY on both sides.
 * Build: cc -O2 -Wall -Wextra -o sockpp sockpp.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LARGE_MESSAGE 8192
#define WINDOW 64
#define ACK_BYTES 4
#define BW_SIZE (4L << 20)
#define MIN_MEASURED 5

static int spin;
static double BUDGET_S = 2.0;  /* seconds per size; the 5th argument sets it */
static char *buf;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static void send_all(int fd, const char *p, long n)
{
    while (n > 0) {
        ssize_t k = send(fd, p, (size_t)n, 0);
        if (k < 0) { if (errno == EINTR) continue; die("send"); }
        p += k; n -= k;
    }
}

static void recv_all(int fd, char *p, long n)
{
    while (n > 0) {
        ssize_t k = recv(fd, p, (size_t)n, spin ? MSG_DONTWAIT : 0);
        if (k < 0) { if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue; die("recv"); }
        if (k == 0) { fprintf(stderr, "sockpp: peer closed the connection\n"); exit(1); }
        p += k; n -= k;
    }
}

/* The client drives; the server mirrors. Each step starts with an 8-byte command from the client:
   size (> 0: ping-pong of that many bytes, count iterations; < 0: a bandwidth window of -size bytes,
   count windows; 0: stop). */
struct step { long size, count; };

static void serve(int fd)
{
    for (;;) {
        struct step s;
        recv_all(fd, (char *)&s, sizeof s);
        if (s.size == 0) return;
        if (s.size > 0) {
            for (long i = 0; i < s.count; i++) { recv_all(fd, buf, s.size); send_all(fd, buf, s.size); }
        } else {
            for (long i = 0; i < s.count; i++) {
                for (int w = 0; w < WINDOW; w++) recv_all(fd, buf, -s.size);
                send_all(fd, buf, ACK_BYTES);
            }
        }
    }
}

static double pingpong(int fd, long size, long n)
{
    struct step s = {size, n};
    send_all(fd, (char *)&s, sizeof s);
    double t0 = now();
    for (long i = 0; i < n; i++) { send_all(fd, buf, size); recv_all(fd, buf, size); }
    return now() - t0;
}

static double windows(int fd, long size, long n)
{
    struct step s = {-size, n};
    send_all(fd, (char *)&s, sizeof s);
    double t0 = now();
    for (long i = 0; i < n; i++) {
        for (int w = 0; w < WINDOW; w++) send_all(fd, buf, size);
        recv_all(fd, buf, ACK_BYTES);
    }
    return now() - t0;
}

/* Up to target iterations in batches of 1, 2, 4, ..., cap; stops after `budget` seconds once `least`
   are done (osu_like's phase()). */
static long phase(int fd, int bw, long size, long target, long least, double budget, double *secs)
{
    long done = 0, batch = 1, cap = target / 10 > 0 ? target / 10 : 1;
    double start = now();
    *secs = 0;
    while (done < target) {
        long b = target - done < batch ? target - done : batch;
        *secs += bw ? windows(fd, size, b) : pingpong(fd, size, b);
        done += b;
        batch = batch * 2 < cap ? batch * 2 : cap;
        if (done >= least && now() - start > budget) break;
    }
    return done;
}

static void client(int fd, const char *mode)
{
    static const long sizes[] = {0, 8, 1024, 65536, 1048576};
    double secs;
    printf("# bench latency np 2 impl raw socket (%s)\n# size latency_us iterations\n", mode);
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        long s = sizes[i], wire = s > 0 ? s : 1;
        long iters = s > LARGE_MESSAGE ? 1000 : 10000, skip = s > LARGE_MESSAGE ? 10 : 100;
        phase(fd, 0, wire, skip, 1, BUDGET_S / 4, &secs);
        long n = phase(fd, 0, wire, iters, MIN_MEASURED, BUDGET_S, &secs);
        printf("%ld %.3f %ld\n", s, secs * 1e6 / (2.0 * n), n);
        fflush(stdout);
    }
    printf("# end latency\n# bench bw np 2 impl raw socket (%s)\n# size bandwidth_MBps iterations\n", mode);
    phase(fd, 1, BW_SIZE, 2, 1, BUDGET_S / 4, &secs);
    long n = phase(fd, 1, BW_SIZE, 20, MIN_MEASURED, BUDGET_S, &secs);
    printf("%ld %.3f %ld\n# end bw\n", BW_SIZE, (double)BW_SIZE * WINDOW * n / secs / 1e6, n);
    struct step stop = {0, 0};
    send_all(fd, (char *)&stop, sizeof stop);
}

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 6 || (strcmp(argv[1], "server") && strcmp(argv[1], "client"))
        || (strcmp(argv[4], "block") && strcmp(argv[4], "spin"))) {
        fprintf(stderr, "usage: sockpp server|client ADDRESS PORT block|spin [BUDGET]\n");
        return 2;
    }
    if (argc == 6 && (BUDGET_S = atof(argv[5])) <= 0) { fprintf(stderr, "sockpp: bad budget %s\n", argv[5]); return 2; }
    spin = !strcmp(argv[4], "spin");
    buf = aligned_alloc(4096, BW_SIZE);
    if (!buf) die("aligned_alloc");
    memset(buf, 1, BW_SIZE);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)atoi(argv[3]));
    if (inet_pton(AF_INET, argv[2], &a.sin_addr) != 1) { fprintf(stderr, "sockpp: bad address %s\n", argv[2]); return 2; }
    int one = 1, fd;
    if (!strcmp(argv[1], "server")) {
        int l = socket(AF_INET, SOCK_STREAM, 0);
        if (l < 0) die("socket");
        setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(l, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
        if (listen(l, 1) < 0) die("listen");
        fd = accept(l, NULL, NULL);
        if (fd < 0) die("accept");
        close(l);
    } else {
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) die("socket");
        double until = now() + 10;
        while (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {   /* the server may not listen yet */
            if (now() > until) die("connect");
            close(fd);
            fd = socket(AF_INET, SOCK_STREAM, 0);
            usleep(20000);
        }
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (!strcmp(argv[1], "server")) serve(fd);
    else client(fd, argv[4]);
    close(fd);
    free(buf);
    return 0;
}
