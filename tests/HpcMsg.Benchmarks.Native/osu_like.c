/*
 * osu_like.c: the OSU-style suite for native MPI (built twice, against MPICH and against Open MPI).
 *
 * It measures exactly what the HpcMsg program (tests/HpcMsg.Benchmarks.Osu) and the MPI.NET program
 * (tests/HpcMsg.Benchmarks.MpiNet) measure, with the same sizes, windows, iteration counts, warm-up
 * and output; tests/HpcMsg.Benchmarks.Osu/Suite/SuiteSpec.cs is the reference for those rules, and
 * a change there must be made here too.
 *
 *   mpiexec -n 2 ./osu_like latency,bw,bibw [--quick] [--budget SECONDS] [--max-size BYTES]
 *   mpiexec -n 4 ./osu_like coll
 *
 * Benchmarks: latency bw bibw barrier bcast reduce allreduce scatter gather allgather alltoall,
 * or the groups p2p, coll, all. Output (rank 0), one block per benchmark:
 *
 *   # bench latency np 2 impl MPICH 4.0.2
 *   # size latency_us iterations
 *   0 0.52 10000
 *   ...
 *   # end latency
 *
 * Units: latency and collectives in microseconds (one-way time for latency, the average over the
 * ranks of each rank's mean time per call for collectives, as OSU prints), bw and bibw in MB/s (10^6).
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the rules (mirror of SuiteSpec.cs) ------------------------------------------------------ */
#define LARGE_MESSAGE 8192         /* above this: the "large" iteration counts */
#define P2P_MAX (4L << 20)         /* latency/bw/bibw: 0, 1, 2, ..., 4 MiB */
#define COLL_MAX (1L << 20)        /* collectives: 4 B, 16 B, 64 B, ..., 1 MiB (powers of 4; per-rank block) */
#define COLL_MIN 4
#define COLL_STEP 4
#define WINDOW 64
#define ACK_BYTES 4
#define MIN_MEASURED 5             /* the time cap never stops a size before this many iterations */
#define TAG_DATA 1
#define TAG_ACK 2

enum kind { LATENCY, BW, BIBW, BARRIER, BCAST, REDUCE, ALLREDUCE, SCATTER, GATHER, ALLGATHER, ALLTOALL, NBENCH };
static const char *names[NBENCH] = {"latency", "bw", "bibw", "barrier", "bcast", "reduce", "allreduce",
                                    "scatter", "gather", "allgather", "alltoall"};

static int quick = 0;
static double budget_s = -1;   /* per size: cap on the measured phase (the warm-up phase gets a quarter);
                                  default 2 s (0.2 s quick). Only a collapse (MPICH oversubscribed) hits it. */
static double warmup_s = -1;   /* per benchmark, untimed warm-up over all its sizes; 0.5 s (0.2 s quick) */
static long max_size = -1;

static void counts(int k, long size, long *iters, long *skip)
{
    int large = size > LARGE_MESSAGE;
    if (k == LATENCY) { *iters = large ? 1000 : 10000; *skip = large ? 10 : 100; }
    else if (k == BW || k == BIBW) { *iters = large ? 20 : 100; *skip = large ? 2 : 10; }
    else { *iters = large ? 100 : 1000; *skip = large ? 10 : 100; }
    if (quick) { *iters /= 10; *skip /= 10; if (*iters < 2) *iters = 2; if (*skip < 1) *skip = 1; }
}

/* ---- state ------------------------------------------------------------------------------------ */
static int rank, np;
static char *sbuf, *rbuf;            /* max(P2P_MAX, COLL_MAX * np) bytes each; as in OSU, every
                                        send of a window reads sbuf and every receive writes rbuf */

static long size_limit(int k)
{
    long m = (k <= BIBW) ? P2P_MAX : COLL_MAX;
    return (max_size >= 0 && max_size < m) ? max_size : m;
}

static long first_size(int k) { return (k <= BIBW) ? 0 : (k == BARRIER ? 0 : COLL_MIN); }
static long next_size(int k, long s) { return s == 0 ? 1 : k <= BIBW ? s * 2 : s * COLL_STEP; }

/* Runs n iterations of benchmark k at size s; returns this rank's measured seconds (OSU rules). */
static double body(int k, long s, long n)
{
    double t = 0, t0;
    static MPI_Request req[2 * WINDOW];
    static MPI_Status st[2 * WINDOW]; /* not MPI_STATUSES_IGNORE: gcc 12 mistakes it for a 0-byte array */
    int cnt = (int)s;
    switch (k) {
    case LATENCY:
        t0 = MPI_Wtime();
        for (long i = 0; i < n; i++) {
            if (rank == 0) {
                MPI_Send(sbuf, cnt, MPI_CHAR, 1, TAG_DATA, MPI_COMM_WORLD);
                MPI_Recv(rbuf, cnt, MPI_CHAR, 1, TAG_DATA, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            } else if (rank == 1) {
                MPI_Recv(rbuf, cnt, MPI_CHAR, 0, TAG_DATA, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                MPI_Send(sbuf, cnt, MPI_CHAR, 0, TAG_DATA, MPI_COMM_WORLD);
            }
        }
        return MPI_Wtime() - t0;
    case BW:
        t0 = MPI_Wtime();
        for (long i = 0; i < n; i++) {
            if (rank == 0) {
                for (int w = 0; w < WINDOW; w++) MPI_Isend(sbuf, cnt, MPI_CHAR, 1, TAG_DATA, MPI_COMM_WORLD, &req[w]);
                MPI_Waitall(WINDOW, req, st);
                MPI_Recv(rbuf, ACK_BYTES, MPI_CHAR, 1, TAG_ACK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            } else if (rank == 1) {
                for (int w = 0; w < WINDOW; w++) MPI_Irecv(rbuf, cnt, MPI_CHAR, 0, TAG_DATA, MPI_COMM_WORLD, &req[w]);
                MPI_Waitall(WINDOW, req, st);
                MPI_Send(sbuf, ACK_BYTES, MPI_CHAR, 0, TAG_ACK, MPI_COMM_WORLD);
            }
        }
        return MPI_Wtime() - t0;
    case BIBW:
        t0 = MPI_Wtime();
        for (long i = 0; i < n; i++) {
            if (rank <= 1) {
                int peer = 1 - rank;
                for (int w = 0; w < WINDOW; w++) MPI_Irecv(rbuf, cnt, MPI_CHAR, peer, TAG_DATA, MPI_COMM_WORLD, &req[w]);
                for (int w = 0; w < WINDOW; w++) MPI_Isend(sbuf, cnt, MPI_CHAR, peer, TAG_DATA, MPI_COMM_WORLD, &req[WINDOW + w]);
                MPI_Waitall(2 * WINDOW, req, st);
            }
        }
        return MPI_Wtime() - t0;
    default:
        break;
    }
    /* Collectives: each call timed alone, a barrier between calls (osu_bcast and friends). */
    for (long i = 0; i < n; i++) {
        t0 = MPI_Wtime();
        switch (k) {
        case BARRIER: MPI_Barrier(MPI_COMM_WORLD); break;
        case BCAST: MPI_Bcast(sbuf, cnt, MPI_CHAR, 0, MPI_COMM_WORLD); break;
        case REDUCE: MPI_Reduce(sbuf, rbuf, cnt / 4, MPI_FLOAT, MPI_SUM, 0, MPI_COMM_WORLD); break;
        case ALLREDUCE: MPI_Allreduce(sbuf, rbuf, cnt / 4, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD); break;
        case SCATTER: MPI_Scatter(sbuf, cnt, MPI_CHAR, rbuf, cnt, MPI_CHAR, 0, MPI_COMM_WORLD); break;
        case GATHER: MPI_Gather(sbuf, cnt, MPI_CHAR, rbuf, cnt, MPI_CHAR, 0, MPI_COMM_WORLD); break;
        case ALLGATHER: MPI_Allgather(sbuf, cnt, MPI_CHAR, rbuf, cnt, MPI_CHAR, MPI_COMM_WORLD); break;
        case ALLTOALL: MPI_Alltoall(sbuf, cnt, MPI_CHAR, rbuf, cnt, MPI_CHAR, MPI_COMM_WORLD); break;
        }
        t += MPI_Wtime() - t0;
        if (k != BARRIER) MPI_Barrier(MPI_COMM_WORLD);
    }
    return t;
}

/* Up to `target` iterations in batches of 1, 2, 4, ... up to `cap`; after each batch rank 0 says (one
 * untimed broadcast) whether the phase's time budget is spent, once `least` iterations are done;
 * then one untimed barrier. Returns the iterations done. */
static long phase(int k, long s, long target, long cap, long least, double budget, double *seconds)
{
    long done = 0, batch = 1;
    double start = MPI_Wtime();
    *seconds = 0;
    MPI_Barrier(MPI_COMM_WORLD);
    while (done < target) {
        long b = target - done < batch ? target - done : batch;
        *seconds += body(k, s, b);
        done += b;
        batch = batch * 2 < cap ? batch * 2 : cap;
        int stop = rank == 0 && done >= least && MPI_Wtime() - start > budget;
        MPI_Bcast(&stop, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (stop) break;
    }
    /* Untimed: every rank waits here until every rank has left the last timed call (see the C# suite). */
    MPI_Barrier(MPI_COMM_WORLD);
    return done;
}

static long batch_of(long iters) { return iters / 10 > 0 ? iters / 10 : 1; }

static void run(int k, const char *impl)
{
    long lim = size_limit(k), iters, skip;
    double secs;
    /* Warm-up: every size in turn, until the warm-up time is spent. */
    int nsizes = 0;
    for (long s = first_size(k); s <= lim; s = next_size(k, s)) nsizes++;
    for (long s = first_size(k); s <= lim; s = next_size(k, s)) {
        counts(k, s, &iters, &skip);
        phase(k, s, 1L << 40, batch_of(iters), 1, warmup_s / nsizes, &secs);
    }

    if (rank == 0) {
        printf("# bench %s np %d impl %s\n", names[k], np, impl);
        printf("# size %s iterations\n", k == BW || k == BIBW ? "bandwidth_MBps" : "latency_us");
    }
    for (long s = first_size(k); s <= lim; s = next_size(k, s)) {
        counts(k, s, &iters, &skip);
        phase(k, s, skip, batch_of(skip), 1, budget_s / 4, &secs);
        long n = phase(k, s, iters, batch_of(iters), MIN_MEASURED, budget_s, &secs);
        double value;
        if (k == LATENCY) value = secs * 1e6 / (2.0 * n);
        else if (k == BW) value = (double)s * WINDOW * n / secs / 1e6;
        else if (k == BIBW) value = 2.0 * s * WINDOW * n / secs / 1e6;
        else {
            double mine = secs * 1e6 / n, sum = 0;
            MPI_Reduce(&mine, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
            value = sum / np;
        }
        if (rank == 0) { printf("%ld %.3f %ld\n", s, value, n); fflush(stdout); }
        if (k == BARRIER) break;
    }
    if (rank == 0) { printf("# end %s\n", names[k]); fflush(stdout); }
}

static int parse_list(const char *arg, int *sel)
{
    char *copy = strdup(arg), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int found = 0;
        if (!strcmp(t, "all") || !strcmp(t, "p2p")) { for (int k = LATENCY; k <= BIBW; k++) sel[k] = 1; found = 1; }
        if (!strcmp(t, "all") || !strcmp(t, "coll")) { for (int k = BARRIER; k < NBENCH; k++) sel[k] = 1; found = 1; }
        for (int k = 0; k < NBENCH; k++) if (!strcmp(t, names[k])) { sel[k] = 1; found = 1; }
        if (!found) { free(copy); return 0; }
    }
    free(copy);
    return 1;
}

int main(int argc, char **argv)
{
    int sel[NBENCH] = {0};
    const char *list = NULL;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--budget") && i + 1 < argc) budget_s = atof(argv[++i]);
        else if (!strcmp(argv[i], "--warmup") && i + 1 < argc) warmup_s = atof(argv[++i]);
        else if (!strcmp(argv[i], "--max-size") && i + 1 < argc) max_size = atol(argv[++i]);
        else if (argv[i][0] != '-' && !list) list = argv[i];
        else { if (rank == 0) fprintf(stderr, "osu_like: unknown argument '%s'\n", argv[i]); MPI_Abort(MPI_COMM_WORLD, 2); }
    }
    if (!list || !parse_list(list, sel)) {
        if (rank == 0) fprintf(stderr, "usage: osu_like <latency|bw|bibw|barrier|bcast|reduce|allreduce|scatter|gather|allgather|alltoall|p2p|coll|all>[,...] [--quick] [--budget S] [--warmup S] [--max-size B]\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    if (budget_s < 0) budget_s = quick ? 0.2 : 2.0;
    if (warmup_s < 0) warmup_s = quick ? 0.2 : 0.5;
    if (np < 2 && (sel[LATENCY] || sel[BW] || sel[BIBW])) {
        if (rank == 0) fprintf(stderr, "osu_like: latency, bw and bibw need 2 ranks\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }

#if defined(MPICH_VERSION)
    const char *impl = "MPICH " MPICH_VERSION;
#elif defined(OMPI_MAJOR_VERSION)
#define STR_(x) #x
#define STR(x) STR_(x)
    const char *impl = "Open MPI " STR(OMPI_MAJOR_VERSION) "." STR(OMPI_MINOR_VERSION) "." STR(OMPI_RELEASE_VERSION);
#else
    const char *impl = "MPI";
#endif

    long bytes = P2P_MAX > COLL_MAX * np ? P2P_MAX : COLL_MAX * np;
    sbuf = aligned_alloc(4096, bytes);
    rbuf = aligned_alloc(4096, bytes);
    memset(sbuf, 1, bytes);   /* touch every page before anything is timed */
    memset(rbuf, 0, bytes);

    for (int k = 0; k < NBENCH; k++) if (sel[k]) run(k, impl);

    free(sbuf); free(rbuf);
    MPI_Finalize();
    return 0;
}
