/* The C twin of tests/HpcMsg.Benchmarks.Plain (same modes, loops, sizes and output lines), built
 * against MPICH and Open MPI by benchmarks-plain.sh. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void latency(int rank) {
    int sizes[] = {0, 8, 1024, 65536};
    for (int pass = 1; pass <= 3; pass++)
        for (int s = 0; s < 4; s++) {
            int size = sizes[s];
            char *buf = calloc((size_t)size + 1, 1);
            double start = 0;
            for (int i = 0; i < 100 + 10000; i++) {
                if (i == 100) { MPI_Barrier(MPI_COMM_WORLD); start = MPI_Wtime(); }
                if (rank == 0) {
                    MPI_Send(buf, size, MPI_BYTE, 1, 1, MPI_COMM_WORLD);
                    MPI_Recv(buf, size, MPI_BYTE, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                } else if (rank == 1) {
                    MPI_Recv(buf, size, MPI_BYTE, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                    MPI_Send(buf, size, MPI_BYTE, 0, 1, MPI_COMM_WORLD);
                }
            }
            double us = (MPI_Wtime() - start) * 1e6 / 20000.0;
            if (rank == 0) printf("latency pass %d size %d: %.3f us\n", pass, size, us);
            free(buf);
        }
}

static int np;
static double *big, *result, one[1];

static void call(int which) {
    switch (which) {
    case 0: MPI_Barrier(MPI_COMM_WORLD); break;
    case 1: MPI_Bcast(big, 8192, MPI_DOUBLE, 0, MPI_COMM_WORLD); break;
    case 2: MPI_Reduce(big, result, 8192, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD); break;
    case 3: MPI_Allreduce(one, result, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD); break;
    case 4: MPI_Allreduce(big, result, 8192, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD); break;
    case 5: MPI_Allgather(big, 1024, MPI_DOUBLE, result, 1024, MPI_DOUBLE, MPI_COMM_WORLD); break;
    case 6: MPI_Alltoall(result, 128, MPI_DOUBLE, big, 128, MPI_DOUBLE, MPI_COMM_WORLD); break;
    }
}

static void first_calls(int rank) {
    const char *names[] = {"barrier", "bcast-64KiB", "reduce-64KiB", "allreduce-8B", "allreduce-64KiB", "allgather-8KiB", "alltoall-1KiB"};
    big = calloc(8192 * (size_t)np, sizeof(double));
    result = calloc(8192 * (size_t)np, sizeof(double));
    for (int w = 0; w < 7; w++) {
        double t[3], slowest[3];
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime(); call(w); t[0] = (MPI_Wtime() - t0) * 1e6;
        MPI_Barrier(MPI_COMM_WORLD);
        t0 = MPI_Wtime(); call(w); t[1] = (MPI_Wtime() - t0) * 1e6;
        MPI_Barrier(MPI_COMM_WORLD);
        t0 = MPI_Wtime(); for (int i = 0; i < 200; i++) call(w); t[2] = (MPI_Wtime() - t0) * 1e6 / 200;
        MPI_Reduce(t, slowest, 3, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
        if (rank == 0) printf("first-calls %s: first %.1f us second %.1f us steady %.2f us\n", names[w], slowest[0], slowest[1], slowest[2]);
    }
    free(big);
    free(result);
}

/* The large-message paths (as FirstCallsLarge in the C# program): per collective, sizes ascending,
 * the first, second and steady (mean of 20) call; buffers filled first. */
static void first_calls_large(int rank) {
    enum { MAX_COUNT = 4 * 1024 * 1024 / 8, STEADY = 20 };
    const int counts[] = {8192, 32768, 131072, MAX_COUNT};
    const char *sizes[] = {"64KiB", "256KiB", "1MiB", "4MiB"};
    const char *ops[] = {"bcast", "reduce", "allreduce", "allgather", "alltoall"};
    double *send = malloc((size_t)MAX_COUNT * np * sizeof(double));
    double *recv = malloc((size_t)MAX_COUNT * np * sizeof(double));
    for (size_t i = 0; i < (size_t)MAX_COUNT * np; i++) { send[i] = 1.0; recv[i] = 2.0; }
    for (int op = 0; op < 5; op++)
        for (int s = 0; s < 4; s++) {
            int n = counts[s];
            double t[3], slowest[3];
            for (int k = 0; k < 3; k++) {
                int calls = k == 2 ? STEADY : 1;
                MPI_Barrier(MPI_COMM_WORLD);
                double t0 = MPI_Wtime();
                for (int i = 0; i < calls; i++) {
                    switch (op) {
                    case 0: MPI_Bcast(send, n, MPI_DOUBLE, 0, MPI_COMM_WORLD); break;
                    case 1: MPI_Reduce(send, recv, n, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD); break;
                    case 2: MPI_Allreduce(send, recv, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD); break;
                    case 3: MPI_Allgather(send, n, MPI_DOUBLE, recv, n, MPI_DOUBLE, MPI_COMM_WORLD); break;
                    case 4: MPI_Alltoall(send, n, MPI_DOUBLE, recv, n, MPI_DOUBLE, MPI_COMM_WORLD); break;
                    }
                }
                t[k] = (MPI_Wtime() - t0) * 1e6 / calls;
            }
            MPI_Reduce(t, slowest, 3, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
            if (rank == 0) printf("first-calls %s-%s: first %.1f us second %.1f us steady %.2f us\n", ops[op], sizes[s], slowest[0], slowest[1], slowest[2]);
        }
    free(send);
    free(recv);
}

/* Twin of the large-fresh mode of tests/HpcMsg.Benchmarks.Plain/Program.cs. */
static void large_fresh(int rank) {
    const int warm = 20, timed = 200;
    const int sizes[] = {256 * 1024, 1024 * 1024, 4 * 1024 * 1024};
    const char *patterns[] = {"oneway", "exchange"};
    int peer = rank == 0 ? 1 : 0, active = rank <= 1;
    for (int s = 0; s < 3; s++) {
        int size = sizes[s];
        char *send = calloc(size, 1), *recv = calloc(size, 1);
        for (int p = 0; p < 2; p++)
            for (int fresh = 1; fresh >= 0; fresh--) {
                MPI_Barrier(MPI_COMM_WORLD);
                double t0 = 0;
                for (int i = 0; i < warm + timed; i++) {
                    if (i == warm) t0 = MPI_Wtime();
                    if (!active) continue;
                    if (fresh || i == 0) memset(send, (char)(i + 1), size);
                    else send[0] = (char)(i + 1);
                    if (p == 1) MPI_Sendrecv(send, size, MPI_BYTE, peer, 1, recv, size, MPI_BYTE, peer, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                    else if (rank == 0) {
                        MPI_Send(send, size, MPI_BYTE, 1, 1, MPI_COMM_WORLD);
                        MPI_Recv(recv, 0, MPI_BYTE, 1, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                    } else {
                        MPI_Recv(recv, size, MPI_BYTE, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                        MPI_Send(recv, 0, MPI_BYTE, 0, 2, MPI_COMM_WORLD);
                    }
                }
                double us = (MPI_Wtime() - t0) * 1e6 / timed, slowest;
                MPI_Reduce(&us, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
                if (rank == 0) printf("large-fresh %s-%s-%dKiB: %.1f us\n", patterns[p], fresh ? "fresh" : "static", size / 1024, slowest);
            }
        free(send);
        free(recv);
    }
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "latency";
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    if (strcmp(mode, "latency") == 0) latency(rank);
    else if (strcmp(mode, "first-calls") == 0) first_calls(rank);
    else if (strcmp(mode, "first-calls-large") == 0) first_calls_large(rank);
    else if (strcmp(mode, "init") == 0) MPI_Barrier(MPI_COMM_WORLD);
    else if (strcmp(mode, "large-fresh") == 0) large_fresh(rank);
    else { if (rank == 0) fprintf(stderr, "unknown mode '%s'\n", mode); MPI_Abort(MPI_COMM_WORLD, 2); }
    MPI_Finalize();
    return 0;
}
