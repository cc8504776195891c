// MatMul: C = A·B for dense n x n matrices with SUMMA on a pr x pc process grid (any rank count:
// 8 -> 4x2, 6 -> 3x2, a prime p -> p x 1). A, B and C are cut into pr x pc blocks of uneven sizes
// where n does not divide. Split gives each rank a row communicator and a column communicator; for
// each panel of the inner dimension the rank holding that part of A broadcasts it along its process
// row, the rank holding that part of B broadcasts it down its process column, and every rank adds
// the panel product to its block of C.
// Verified exactly (the entries make every sum exact, see Dense.cs): C·x, gathered with Reduce,
// against A·(B·x) computed serially on rank 0 for two vectors x, and for small n every entry of C
// against a serial product.
using System.Diagnostics;
using HpcMsg;
using HpcMsg.Examples;
using static HpcMsg.Examples.Report;

using var world = Communicator.Init();
int rank = world.Rank, size = world.Size;

var options = new ExampleOptions("MatMul", args);
int n = options.Int("n", 1536, "matrix order", min: 1);
int panel = options.Int("panel", 128, "SUMMA panel width (columns of A / rows of B broadcast at once)", min: 1);
int seed = options.Int("seed", 7, "seed of the matrix entries");
string serialCheck = options.Choice("serial-check", "auto", "also compare every entry with a serial product on rank 0 (auto: small n)", "auto", "yes", "no");
(int pr, int pc) = Decomposition.Grid(size);
options.Require(n >= pr, $"--n {n} must be at least the process grid's {pr} rows");
if (!options.Validate(rank)) return options.ExitCode;

int myRow = rank / pc, myCol = rank % pc;
using Communicator rowComm = world.Split(myRow, myCol)!;   // my process row, ranked by column
using Communicator colComm = world.Split(myCol, myRow)!;   // my process column, ranked by row

// My blocks: A and C are (rows of my process row) x (columns of my process column); so is B, whose
// rows are cut like A's rows, and whose columns like C's.
(int row0, int mr) = Decomposition.Block(n, pr, myRow);
(int col0, int nc) = Decomposition.Block(n, pc, myCol);
double[] a = Dense.Block(0, seed, row0, mr, col0, nc);
double[] b = Dense.Block(1, seed, row0, mr, col0, nc);
var c = new double[mr * nc];
var aPanel = new double[mr * panel];
var bPanel = new double[panel * nc];

world.Barrier();
var clock = Stopwatch.StartNew();
int panels = 0;
for (int k = 0; k < n;)
{
    // The panel [k, kEnd) lies within one process column's share of A's columns and one process
    // row's share of B's rows.
    int ownerCol = Decomposition.Owner(n, pc, k), ownerRow = Decomposition.Owner(n, pr, k);
    (int aStart, int aCount) = Decomposition.Block(n, pc, ownerCol);
    (int bStart, int bCount) = Decomposition.Block(n, pr, ownerRow);
    int kEnd = Math.Min(k + panel, Math.Min(aStart + aCount, bStart + bCount));
    int kb = kEnd - k;

    Span<double> ap = aPanel.AsSpan(0, mr * kb);
    if (myCol == ownerCol)
        for (int i = 0; i < mr; i++) a.AsSpan(i * nc + (k - aStart), kb).CopyTo(ap.Slice(i * kb, kb));
    rowComm.Broadcast(ap, root: ownerCol);

    Span<double> bp = bPanel.AsSpan(0, kb * nc);
    if (myRow == ownerRow) b.AsSpan((k - bStart) * nc, kb * nc).CopyTo(bp);
    colComm.Broadcast(bp, root: ownerRow);

    Dense.MultiplyAdd(ap, bp, c, mr, kb, nc);
    k = kEnd;
    panels++;
}
clock.Stop();
double seconds = MaxTime(world, clock);

// Check 1 (any n): C·x for two integer vectors x, assembled on rank 0 with Reduce, against A·(B·x).
static double X(int v, long j) => v == 0 ? j % 7 - 3 : (j * j + 1) % 5 - 2;
var partial = new double[2 * n];
for (int v = 0; v < 2; v++)
    for (int i = 0; i < mr; i++)
    {
        double s = 0;
        for (int j = 0; j < nc; j++) s += c[i * nc + j] * X(v, col0 + j);
        partial[v * n + row0 + i] = s;
    }
var cx = new double[rank == 0 ? 2 * n : 0];
world.Reduce<double>(partial, cx, Op.Sum, root: 0);
bool ok = true;
string details = "";
if (rank == 0)
{
    long mismatches = 0;
    for (int v = 0; v < 2; v++)
    {
        var bx = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int j = 0; j < n; j++) s += Dense.Entry(1, i, j, seed) * X(v, j);
            bx[i] = s;
        }
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int j = 0; j < n; j++) s += Dense.Entry(0, i, j, seed) * bx[j];
            if (s != cx[v * n + i]) mismatches++;
        }
    }
    ok = mismatches == 0;
    details = F($"C·x = A·(B·x) for 2 vectors: {(ok ? "exact" : $"{mismatches} entries differ")}");
}

// Check 2 (small n): every entry against the serial product.
if (serialCheck == "yes" || serialCheck == "auto" && (double)n * n * n <= 3e7)
{
    var counts = new int[size];
    for (int r = 0; r < size; r++) counts[r] = Decomposition.Block(n, pr, r / pc).Count * Decomposition.Block(n, pc, r % pc).Count;
    var all = new double[rank == 0 ? n * n : 0];
    world.Gatherv<double>(c, all, counts, root: 0);
    if (rank == 0)
    {
        double[] fullA = Dense.Block(0, seed, 0, n, 0, n), fullB = Dense.Block(1, seed, 0, n, 0, n);
        var reference = new double[n * n];
        Dense.MultiplyAdd(fullA, fullB, reference, n, n, n);
        long mismatches = 0;
        int offset = 0;
        for (int r = 0; r < size; r++)
        {
            (int r0, int rows) = Decomposition.Block(n, pr, r / pc);
            (int c0, int cols) = Decomposition.Block(n, pc, r % pc);
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                    if (all[offset + i * cols + j] != reference[(r0 + i) * n + c0 + j]) mismatches++;
            offset += rows * cols;
        }
        ok &= mismatches == 0;
        details += F($", every entry vs a serial product: {(mismatches == 0 ? "equal" : $"{mismatches} differ")}");
    }
}
else
{
    details += ", serial product check skipped";
}

double flops = 2.0 * n * n * n;
return Finish(world, "MatMul", ok,
    F($"{n}x{n}, SUMMA on {size} ranks ({pr}x{pc} grid), {panels} panels of up to {panel}; {details}; {seconds:F3} s, {flops / seconds / 1e9:F2} GFlop/s"),
    seconds);
