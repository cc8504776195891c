// Jacobi2D: the 2-D heat equation (see Heat.cs) on a grid split in both dimensions over a pr x pc
// process grid (any rank count: 8 -> 4x2, 6 -> 3x2, a prime p -> p x 1). Every step each rank swaps
// its edges with up to four neighbours through non-blocking point-to-point, updating its interior
// while the halos are in flight; every --check-every steps the RMS change of the step is summed with
// Allreduce, which is also how the run stops early once it has converged below --tol.
// Verified against the exact discrete solution and, for small grids, a serial run on rank 0.
using System.Diagnostics;
using HpcMsg;
using HpcMsg.Examples;
using static HpcMsg.Examples.Report;

using var world = Communicator.Init();
int rank = world.Rank, size = world.Size;

var options = new ExampleOptions("Jacobi2D", args);
int n = options.Int("n", 2048, "interior grid points per side", min: 1);
int iters = options.Int("iters", 300, "time steps (Jacobi iterations)", min: 0);
double tol = options.Double("tol", 0, "stop once the RMS change of a step is below this (0: run every step)");
int checkEvery = options.Int("check-every", 10, "steps between convergence checks (an Allreduce each)", min: 1);
string serialCheck = options.Choice("serial-check", "auto", "also compare with a serial run on rank 0 (auto: small grids)", "auto", "yes", "no");
(int pr, int pc) = Decomposition.Grid(size);
options.Require(n >= pr, $"--n {n} must be at least the process grid's {pr} rows");
if (!options.Validate(rank)) return options.ExitCode;

// This rank's block: rows [row0 + 1, row0 + ny], columns [col0 + 1, col0 + nx] of the global grid,
// whose rows and columns 0 and n + 1 are the boundary. Local arrays carry a one-cell halo.
int myRow = rank / pc, myCol = rank % pc;
(int row0, int ny) = Decomposition.Block(n, pr, myRow);
(int col0, int nx) = Decomposition.Block(n, pc, myCol);
int up = myRow > 0 ? rank - pc : -1, down = myRow < pr - 1 ? rank + pc : -1;
int left = myCol > 0 ? rank - 1 : -1, right = myCol < pc - 1 ? rank + 1 : -1;
int stride = nx + 2;
double h = 1.0 / (n + 1);

var u = new double[(ny + 2) * stride];
var next = new double[(ny + 2) * stride];
for (int i = 0; i < ny + 2; i++)
{
    for (int j = 0; j < stride; j++)
    {
        int gi = row0 + i, gj = col0 + j;
        bool edge = gi == 0 || gj == 0 || gi == n + 1 || gj == n + 1;
        u[i * stride + j] = next[i * stride + j] = edge ? Heat.Boundary(gj * h, gi * h) : Heat.Initial(gj * h, gi * h);
    }
}

// Tags name the direction a message travels.
const int TagUp = 1, TagDown = 2, TagLeft = 3, TagRight = 4;
var sendLeft = new double[ny];
var sendRight = new double[ny];
var recvLeft = new double[ny];
var recvRight = new double[ny];
var requests = new List<Request>(8);

world.Barrier();
var clock = Stopwatch.StartNew();
int steps = 0;
double rms = double.NaN;
while (steps < iters)
{
    bool measure = (steps + 1) % checkEvery == 0 || steps + 1 == iters;

    requests.Clear();
    if (up >= 0) requests.Add(world.IRecv(u.AsMemory(1, nx), up, TagDown));
    if (down >= 0) requests.Add(world.IRecv(u.AsMemory((ny + 1) * stride + 1, nx), down, TagUp));
    if (left >= 0) requests.Add(world.IRecv(recvLeft.AsMemory(), left, TagRight));
    if (right >= 0) requests.Add(world.IRecv(recvRight.AsMemory(), right, TagLeft));
    for (int i = 0; i < ny; i++)
    {
        sendLeft[i] = u[(i + 1) * stride + 1];
        sendRight[i] = u[(i + 1) * stride + nx];
    }
    if (up >= 0) requests.Add(world.ISend(new ReadOnlyMemory<double>(u, stride + 1, nx), up, TagUp));
    if (down >= 0) requests.Add(world.ISend(new ReadOnlyMemory<double>(u, ny * stride + 1, nx), down, TagDown));
    if (left >= 0) requests.Add(world.ISend(sendLeft, left, TagLeft));
    if (right >= 0) requests.Add(world.ISend(sendRight, right, TagRight));

    // The inner part needs no halo: update it while the edges travel.
    double change = Heat.Sweep(u, next, stride, 2, ny, 2, nx, measure);

    Request.WaitAll([.. requests]);
    if (left >= 0) for (int i = 0; i < ny; i++) u[(i + 1) * stride] = recvLeft[i];
    if (right >= 0) for (int i = 0; i < ny; i++) u[(i + 1) * stride + nx + 1] = recvRight[i];

    // Then the rim: first and last row, first and last column.
    change += Heat.Sweep(u, next, stride, 1, 2, 1, nx + 1, measure);
    if (ny > 1) change += Heat.Sweep(u, next, stride, ny, ny + 1, 1, nx + 1, measure);
    change += Heat.Sweep(u, next, stride, 2, ny, 1, 2, measure);
    if (nx > 1) change += Heat.Sweep(u, next, stride, 2, ny, nx, nx + 1, measure);

    (u, next) = (next, u);
    steps++;
    if (measure)
    {
        rms = Math.Sqrt(world.Allreduce(change, Op.Sum) / ((double)n * n));
        if (tol > 0 && rms < tol) break;
    }
}
clock.Stop();
double seconds = MaxTime(world, clock);

// The exact discrete solution after `steps` steps.
double localError = 0;
for (int i = 1; i <= ny; i++)
    for (int j = 1; j <= nx; j++)
        localError = Math.Max(localError, Math.Abs(u[i * stride + j] - Heat.Exact((col0 + j) * h, (row0 + i) * h, h, steps)));
double exactError = world.Allreduce(localError, Op.Max);
bool ok = exactError < 1e-10;

// The serial run of the same steps, compared point by point on rank 0.
string serialText = "serial check skipped";
if (serialCheck == "yes" || serialCheck == "auto" && (double)(n + 2) * (n + 2) * steps <= 2e8)
{
    var mine = new double[ny * nx];
    for (int i = 0; i < ny; i++) Array.Copy(u, (i + 1) * stride + 1, mine, i * nx, nx);
    var counts = new int[size];
    for (int r = 0; r < size; r++) counts[r] = Decomposition.Block(n, pr, r / pc).Count * Decomposition.Block(n, pc, r % pc).Count;
    var all = new double[rank == 0 ? (long)n * n : 0];
    world.Gatherv<double>(mine, all, counts, root: 0);
    if (rank == 0)
    {
        double[] reference = Heat.Serial(n, steps);
        double serialDiff = 0;
        int offset = 0;
        for (int r = 0; r < size; r++)
        {
            (int r0, int rows) = Decomposition.Block(n, pr, r / pc);
            (int c0, int cols) = Decomposition.Block(n, pc, r % pc);
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                    serialDiff = Math.Max(serialDiff, Math.Abs(all[offset + i * cols + j] - reference[(r0 + i + 1) * (n + 2) + c0 + j + 1]));
            offset += rows * cols;
        }
        ok &= serialDiff <= 1e-13;
        serialText = F($"max difference from a serial run {serialDiff:E1}");
    }
}

double updates = (double)n * n * steps;
return Finish(world, "Jacobi2D", ok,
    F($"{n}x{n} grid, {steps} steps on {size} ranks ({pr}x{pc} grid), RMS change of the last step {rms:E3}, max error vs exact solution {exactError:E1}, {serialText}; {seconds:F3} s, {updates / seconds / 1e6:F0} Mpoint-updates/s"),
    seconds);
