using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>One pass over every collective on one communicator, each result compared with a serial
/// computation. Inputs are integers (or small exact doubles) so that any summation order is exact.</summary>
internal sealed class CollectiveChecks(Communicator comm, string setting)
{
    private readonly int _rank = comm.Rank;
    private readonly int _size = comm.Size;

    private static int IntInput(int rank, int i) => rank * 1000 + i;
    private static double DoubleInput(int rank, int i) => (rank + 1) * 0.5 + i % 7;
    private static long LongInput(int rank, int i) => rank % 3 + 1 + (i & 1);

    private string What(string collective, int n, int root = -1) =>
        $"{collective} n={n}{(root >= 0 ? $" root={root}" : "")} size={_size} [{setting}]";

    public void RunAll(int[] counts)
    {
        comm.Barrier();
        foreach (int n in counts)
        {
            int[] roots = n <= 1000 ? Enumerable.Range(0, _size).ToArray() : [_size - 1];
            foreach (int root in roots)
            {
                Broadcast(n, root);
                ScatterGather(n, root);
                Reduce(n, root);
            }
            Allgather(n);
            if (n <= 40_000) Alltoall(n);
            Allreduce(n);
            Scans(n);
            VariableBlocks(n, _size - 1);
        }
        Scalars();
        comm.Barrier();
    }

    private void Broadcast(int n, int root)
    {
        var data = new int[n];
        if (_rank == root) for (int i = 0; i < n; i++) data[i] = IntInput(root, i);
        comm.Broadcast<int>(data, root);
        for (int i = 0; i < n; i++)
            if (data[i] != IntInput(root, i)) Check.Fail($"{What("Broadcast", n, root)}: element {i} is {data[i]}");
    }

    private void ScatterGather(int n, int root)
    {
        var all = new int[n * _size];
        if (_rank == root) for (int r = 0; r < _size; r++) for (int i = 0; i < n; i++) all[r * n + i] = IntInput(r, i);
        var mine = new int[n];
        comm.Scatter<int>(_rank == root ? all : [], mine, root);
        for (int i = 0; i < n; i++)
            if (mine[i] != IntInput(_rank, i)) Check.Fail($"{What("Scatter", n, root)}: element {i} is {mine[i]}");

        var gathered = new int[_rank == root ? n * _size : 0];
        comm.Gather<int>(mine, gathered, root);
        if (_rank == root)
            for (int k = 0; k < gathered.Length; k++)
                if (gathered[k] != IntInput(k / Math.Max(1, n), k % Math.Max(1, n))) Check.Fail($"{What("Gather", n, root)}: element {k} is {gathered[k]}");
    }

    private void Reduce(int n, int root)
    {
        var send = new double[n];
        for (int i = 0; i < n; i++) send[i] = DoubleInput(_rank, i);
        var recv = new double[_rank == root ? n : 0];
        comm.Reduce<double>(send, recv, Op.Sum, root);
        if (_rank == root)
            for (int i = 0; i < n; i++)
            {
                double expected = 0;
                for (int r = 0; r < _size; r++) expected += DoubleInput(r, i);
                if (recv[i] != expected) Check.Fail($"{What("Reduce(Sum,double)", n, root)}: element {i} is {recv[i]}, expected {expected}");
            }

        if (n > 1000) return;
        var pairs = new MinLoc[n];
        for (int i = 0; i < n; i++) pairs[i] = MinLoc.For(_rank, i);
        var smallest = new MinLoc[_rank == root ? n : 0];
        comm.Reduce<MinLoc>(pairs, smallest, MinLoc.Op, root);
        if (_rank == root)
            for (int i = 0; i < n; i++)
            {
                MinLoc expected = MinLoc.For(0, i);
                for (int r = 1; r < _size; r++) expected = MinLoc.Of(expected, MinLoc.For(r, i));
                if (smallest[i] != expected) Check.Fail($"{What("Reduce(user MinLoc, commutative)", n, root)}: element {i} is {smallest[i]}, expected {expected}");
            }

        var matrices = new Mat2[n];
        for (int i = 0; i < n; i++) matrices[i] = Mat2.For(_rank, i);
        var product = new Mat2[_rank == root ? n : 0];
        comm.Reduce<Mat2>(matrices, product, Mat2.Multiply, root);
        if (_rank == root)
            for (int i = 0; i < n; i++)
                if (product[i] != RankOrderProduct(i, _size)) Check.Fail($"{What("Reduce(user, non-commutative)", n, root)}: element {i}");
    }

    private static Mat2 RankOrderProduct(int i, int ranks)
    {
        Mat2 p = Mat2.For(0, i);
        for (int r = 1; r < ranks; r++) p *= Mat2.For(r, i);
        return p;
    }

    private void Allgather(int n)
    {
        var mine = new int[n];
        for (int i = 0; i < n; i++) mine[i] = IntInput(_rank, i);
        var all = new int[n * _size];
        comm.Allgather<int>(mine, all);
        for (int k = 0; k < all.Length; k++)
            if (all[k] != IntInput(k / n, k % n)) Check.Fail($"{What("Allgather", n)}: element {k} is {all[k]}");
    }

    private void Alltoall(int n)
    {
        // Block j of rank r's send: IntInput(r, j * n + i); so block r received from rank j is IntInput(j, r * n + i).
        var send = new int[n * _size];
        for (int j = 0; j < _size; j++) for (int i = 0; i < n; i++) send[j * n + i] = IntInput(_rank, j * n + i);
        var recv = new int[n * _size];
        comm.Alltoall<int>(send, recv);
        for (int j = 0; j < _size; j++)
            for (int i = 0; i < n; i++)
                if (recv[j * n + i] != IntInput(j, _rank * n + i)) Check.Fail($"{What("Alltoall", n)}: block {j} element {i} is {recv[j * n + i]}");
    }

    private void Allreduce(int n)
    {
        var ints = new int[n];
        var doubles = new double[n];
        var longs = new long[n];
        for (int i = 0; i < n; i++)
        {
            ints[i] = IntInput(_rank, i);
            doubles[i] = DoubleInput(_rank, i);
            longs[i] = LongInput(_rank, i);
        }
        var intSum = new int[n];
        var intMax = new int[n];
        var intXor = new int[n];
        var doubleSum = new double[n];
        var doubleMin = new double[n];
        var longProd = new long[n];
        comm.Allreduce<int>(ints, intSum, Op.Sum);
        comm.Allreduce<int>(ints, intMax, Op.Max);
        comm.Allreduce<int>(ints, intXor, Op.BitXor);
        comm.Allreduce<double>(doubles, doubleSum, Op.Sum);
        comm.Allreduce<double>(doubles, doubleMin, Op.Min);
        comm.Allreduce<long>(longs, longProd, Op.Prod);
        for (int i = 0; i < n; i++)
        {
            int sum = 0, max = int.MinValue, xor = 0;
            double dsum = 0, dmin = double.MaxValue;
            long prod = 1;
            for (int r = 0; r < _size; r++)
            {
                sum += IntInput(r, i);
                max = Math.Max(max, IntInput(r, i));
                xor ^= IntInput(r, i);
                dsum += DoubleInput(r, i);
                dmin = Math.Min(dmin, DoubleInput(r, i));
                prod *= LongInput(r, i);
            }
            if (intSum[i] != sum || intMax[i] != max || intXor[i] != xor || doubleSum[i] != dsum || doubleMin[i] != dmin || longProd[i] != prod)
                Check.Fail($"{What("Allreduce", n)}: element {i}: sum {intSum[i]}/{sum} max {intMax[i]}/{max} xor {intXor[i]}/{xor} dsum {doubleSum[i]}/{dsum} dmin {doubleMin[i]}/{dmin} prod {longProd[i]}/{prod}");
        }

        // In place: the same array as send and recv.
        comm.Allreduce<int>(ints, ints, Op.Sum);
        for (int i = 0; i < n; i++)
            if (ints[i] != intSum[i]) Check.Fail($"{What("Allreduce in place", n)}: element {i}");

        if (n > 1000) return;
        var matrices = new Mat2[n];
        for (int i = 0; i < n; i++) matrices[i] = Mat2.For(_rank, i);
        var product = new Mat2[n];
        comm.Allreduce<Mat2>(matrices, product, Mat2.Multiply);
        for (int i = 0; i < n; i++)
            if (product[i] != RankOrderProduct(i, _size)) Check.Fail($"{What("Allreduce(user, non-commutative)", n)}: element {i}");
    }

    private void Scans(int n)
    {
        var send = new int[n];
        for (int i = 0; i < n; i++) send[i] = IntInput(_rank, i);
        var inclusive = new int[n];
        var exclusive = new int[n];
        Array.Fill(exclusive, -7);
        comm.Scan<int>(send, inclusive, Op.Sum);
        comm.Exscan<int>(send, exclusive, Op.Sum);
        for (int i = 0; i < n; i++)
        {
            int prefix = 0;
            for (int r = 0; r < _rank; r++) prefix += IntInput(r, i);
            if (inclusive[i] != prefix + IntInput(_rank, i)) Check.Fail($"{What("Scan", n)}: element {i} is {inclusive[i]}");
            if (_rank > 0 && exclusive[i] != prefix) Check.Fail($"{What("Exscan", n)}: element {i} is {exclusive[i]}");
            if (_rank == 0 && exclusive[i] != -7) Check.Fail($"{What("Exscan", n)}: rank 0's recv was modified");
        }
        if (n > 1000) return;
        var matrices = new Mat2[n];
        for (int i = 0; i < n; i++) matrices[i] = Mat2.For(_rank, i);
        var scanned = new Mat2[n];
        comm.Scan<Mat2>(matrices, scanned, Mat2.Multiply);
        for (int i = 0; i < n; i++)
            if (scanned[i] != RankOrderProduct(i, _rank + 1)) Check.Fail($"{What("Scan(user, non-commutative)", n)}: element {i}");
    }

    private static int VCount(int rank, int n) => rank % 3 == 1 ? 0 : n + rank;
    private static int PairCount(int from, int to, int n) => (from + 2 * to) % 3 * (n / 3 + 1);

    private void VariableBlocks(int n, int root)
    {
        int[] counts = new int[_size];
        for (int r = 0; r < _size; r++) counts[r] = VCount(r, n);
        int total = counts.Sum();

        var mine = new int[counts[_rank]];
        for (int i = 0; i < mine.Length; i++) mine[i] = IntInput(_rank, i);
        var expected = new int[total];
        for (int r = 0, k = 0; r < _size; r++) for (int i = 0; i < counts[r]; i++) expected[k++] = IntInput(r, i);

        var gathered = new int[_rank == root ? total : 0];
        comm.Gatherv<int>(mine, gathered, counts, root);
        if (_rank == root) Check.SequenceEqual<int>(expected, gathered, What("Gatherv", n, root));

        var scattered = new int[counts[_rank]];
        comm.Scatterv<int>(_rank == root ? expected : [], counts, scattered, root);
        Check.SequenceEqual<int>(mine, scattered, What("Scatterv", n, root));

        var all = new int[total];
        comm.Allgatherv<int>(mine, all, counts);
        Check.SequenceEqual<int>(expected, all, What("Allgatherv", n));

        if (n > 40_000) return;
        int[] sendCounts = new int[_size], recvCounts = new int[_size];
        for (int r = 0; r < _size; r++)
        {
            sendCounts[r] = PairCount(_rank, r, n);
            recvCounts[r] = PairCount(r, _rank, n);
        }
        var send = new int[sendCounts.Sum()];
        for (int r = 0, k = 0; r < _size; r++) for (int i = 0; i < sendCounts[r]; i++) send[k++] = IntInput(_rank, r * 100_000 + i);
        var recv = new int[recvCounts.Sum()];
        comm.Alltoallv<int>(send, sendCounts, recv, recvCounts);
        for (int r = 0, k = 0; r < _size; r++)
            for (int i = 0; i < recvCounts[r]; i++, k++)
                if (recv[k] != IntInput(r, _rank * 100_000 + i)) Check.Fail($"{What("Alltoallv", n)}: from {r} element {i} is {recv[k]}");
    }

    private void Scalars()
    {
        int root = _size - 1;
        Check.Equal(42L, comm.Broadcast(_rank == root ? 42L : 0L, root), What("Broadcast(scalar)", 1, root));
        Check.Equal(_size * (_size - 1) / 2, comm.Allreduce(_rank, Op.Sum), What("Allreduce(scalar)", 1));
        int reduced = comm.Reduce(_rank + 1, Op.Max, 0);
        if (_rank == 0) Check.Equal(_size, reduced, What("Reduce(scalar, Max)", 1, 0));
        var payload = _rank == root ? new Dictionary<string, List<int>> { ["ranks"] = [.. Enumerable.Range(0, _size)] } : null;
        var received = comm.BroadcastObject(payload, PayloadContext.Default.DictionaryStringListInt32, root);
        Check.Equal(_size, received!["ranks"].Count, What("BroadcastObject", 1, root));
    }

    /// <summary>Floating-point results of predefined ops are bit-identical on every rank.</summary>
    public static void CheckBitIdentical(Communicator comm)
    {
        foreach (int n in new[] { 5, 3000, 100_000 })
        {
            var rng = new Random(1234 + comm.Rank);
            var values = new double[n];
            for (int i = 0; i < n; i++) values[i] = rng.NextDouble() * Math.Pow(10, rng.Next(-8, 8));
            var sum = new double[n];
            comm.Allreduce<double>(values, sum, Op.Sum);
            long hash = 17;
            foreach (double v in sum) hash = hash * 31 + BitConverter.DoubleToInt64Bits(v);
            var hashes = new long[comm.Size];
            comm.Allgather<long>([hash], hashes);
            for (int r = 1; r < comm.Size; r++)
                Check.Equal(hashes[0], hashes[r], $"Allreduce(Sum,double) n={n} bits on rank {r} vs rank 0");
        }
    }

    public static void CheckArgumentErrors(Communicator comm)
    {
        var e = Check.Throws<ArgumentOutOfRangeException>(() => comm.Broadcast<int>(new int[1], comm.Size), "Broadcast with root = Size");
        Check.True(e.Message.Contains("root"), "the root error names root");
        Check.Throws<ArgumentException>(() => comm.Allgather<int>(new int[2], new int[2 * comm.Size + 1]), "Allgather with a wrong recv length");
        Check.Throws<ArgumentException>(() => comm.Allreduce<int>(new int[2], new int[3], Op.Sum), "Allreduce with mismatched lengths");
        var op = Check.Throws<ArgumentException>(() => comm.Allreduce<double>(new double[1], new double[1], Op.BitXor), "BitXor on double");
        Check.True(op.Message.Contains("Double") && op.Message.Contains("BitXor"), $"the op error names the op and the type: {op.Message}");
        comm.Barrier();
    }
}
