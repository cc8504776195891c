/*
 * c2c.c: core-to-core cache-line ping-pong, the placement probe printed beside every benchmark run.
 *
 * Two threads pinned to cpu 0 and cpu 1 bounce one cache line: the first writes an odd value and
 * waits for the next even one, the second answers. A round trip is two cache-line transfers between
 * the cores: ~80 ns on the development VM when the host places its two vCPUs near each other, ~450 ns
 * when it places them far apart; small-message MPI latency follows it. Other work on the machine only
 * ever makes a batch slower (a thread descheduled mid-batch), so the fastest of many short batches
 * tells the placement. Prints "c2c_ns <fastest batch> median <median batch> max <slowest batch>",
 * in ns per round trip.
 *
 *   ./c2c [round trips per batch, default 2000] [batches, default 41]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static _Alignas(128) volatile uint64_t line[16];
static long trips = 2000;
static int batches = 41;

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) {
        fprintf(stderr, "c2c: cannot pin to cpu %d\n", cpu);
        exit(1);
    }
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *answer(void *arg)
{
    (void)arg;
    pin(1);
    for (uint64_t v = 1; v < (uint64_t)(trips * batches + 1000) * 2; v += 2) {
        while (line[0] != v) { }
        line[0] = v + 1;
    }
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc > 1) trips = atol(argv[1]);
    if (argc > 2) batches = atoi(argv[2]);
    if (trips < 1 || batches < 1 || batches > 1000) { fprintf(stderr, "usage: c2c [trips] [batches]\n"); return 2; }
    pthread_t t;
    pthread_create(&t, NULL, answer, NULL);
    pin(0);
    uint64_t v = 1;
    for (int i = 0; i < 1000; i++, v += 2) { line[0] = v; while (line[0] != v + 1) { } } /* warm-up */
    double *ns = malloc(sizeof(double) * batches);
    for (int b = 0; b < batches; b++) {
        double t0 = now();
        for (long i = 0; i < trips; i++, v += 2) { line[0] = v; while (line[0] != v + 1) { } }
        ns[b] = (now() - t0) * 1e9 / trips;
    }
    pthread_join(t, NULL);
    qsort(ns, batches, sizeof(double), cmp);
    printf("c2c_ns %.1f median %.1f max %.1f\n", ns[0], ns[batches / 2], ns[batches - 1]);
    free(ns);
    return 0;
}
