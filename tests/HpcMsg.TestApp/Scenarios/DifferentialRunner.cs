using System.Globalization;
using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>A communicator the cases run on, with the name failures give it.</summary>
internal sealed record CaseCommunicator(string Name, Communicator Comm);

/// <summary>
/// Runs one drawn case on this rank and compares what the library returned with a serial
/// computation: every rank regenerates every rank's input from (seed, case, rank), so the expected
/// result of a reduction is the fold in rank order, v0 ∘ v1 ∘ ... ∘ v(p-1), computed locally. The
/// inputs of each op make every combination order exact (see <see cref="OpSpec{T}"/>), so the
/// comparison is bit for bit. A mismatch, or an exception from the library, fails the case with a
/// message that names everything needed to rerun it.
/// </summary>
internal sealed class DifferentialRunner(ulong seed, CaseCommunicator[] comms, long[] thresholds, Func<DifferentialCase, string> rerun)
{
    private DifferentialCase _case = null!;
    private CaseCommunicator _comm = null!;
    private string _setting = "";
    private string _type = "", _op = "-";
    private int _count = -1, _root = -1;
    private ulong _base;
    private Rng _rng;   // draws every rank of the communicator makes alike
    private Rng _local; // this rank's own choices (what a buffer the call ignores looks like)
    private readonly List<Func<string?>> _guardChecks = [];

    /// <summary>What the last case covered (see <see cref="DifferentialCoverage"/>).</summary>
    public string Setting => _setting;
    public string OpName => _op;
    public int Root => _root;

    public void Run(DifferentialCase c)
    {
        _case = c;
        _comm = comms[c.Comm];
        AlgorithmSetting setting = DifferentialSettings.For(c.Collective)[c.Setting];
        _setting = setting.Name;
        IElementKind kind = DifferentialTypes.All[c.Type];
        _type = kind.Name;
        _op = "-";
        _count = _root = -1;
        _rng = new Rng(c.Draw);
        _local = new Rng(Rng.Mix(c.Draw ^ (ulong)_comm.Comm.Rank));
        _base = Rng.Mix(seed ^ Rng.Mix((ulong)c.Index + 1));
        setting.Apply(_comm.Comm);
        try
        {
            switch (c.Type)
            {
                case 0: Run(DifferentialTypes.Byte); break;
                case 1: Run(DifferentialTypes.Int); break;
                case 2: Run(DifferentialTypes.Long); break;
                case 3: Run(DifferentialTypes.Float); break;
                case 4: Run(DifferentialTypes.Double); break;
                case 5: Run(DifferentialTypes.Struct12); break;
                case 6: Run(DifferentialTypes.Struct16); break;
                default: Run(DifferentialTypes.Struct24); break;
            }
        }
        catch (ScenarioFailedException)
        {
            throw;
        }
        catch (Exception e)
        {
            Check.Fail($"{Describe()}: threw {e}\n{rerun(c)}");
        }
        finally
        {
            DifferentialSettings.Reset(_comm.Comm);
        }
    }

    /// <summary>Everything that identifies the case.</summary>
    public string Describe()
    {
        Communicator comm = _comm.Comm;
        return $"differential: {_case.Collective}{(_case.InPlace ? " (in place)" : "")} [{_setting}] type={_type} op={_op} " +
               $"count={(_count < 0 ? "-" : _count.ToString(CultureInfo.InvariantCulture))} root={(_root < 0 ? "-" : _root.ToString(CultureInfo.InvariantCulture))} " +
               $"comm={_comm.Name} (size {comm.Size}, rank {comm.Rank}) case={_case.Index} seed={seed}";
    }

    private void Run<T>(ElementKind<T> kind) where T : unmanaged
    {
        _guardChecks.Clear();
        RunCollective(kind);
        foreach (Func<string?> check in _guardChecks)
        {
            if (check() is string written) Check.Fail($"{Describe()}: {written}\n{rerun(_case)}");
        }
    }

    private void RunCollective<T>(ElementKind<T> kind) where T : unmanaged
    {
        Communicator comm = _comm.Comm;
        int size = comm.Size, rank = comm.Rank;
        OpSpec<T> op = kind.Ops[_case.OpIndex];
        switch (_case.Collective)
        {
            case Collective.Barrier:
                comm.Barrier();
                return;
            case Collective.Broadcast:
            {
                int n = Count(kind, 1), root = DrawRoot();
                GuardedBuffer<T> buffer = rank == root ? Sent(kind, kind.Any, n, "buffer") : Garbage(kind, n, "buffer");
                comm.Broadcast<T>(buffer, root);
                Expect(kind, Values(kind.Any, root, n), buffer, "buffer");
                return;
            }
            case Collective.BroadcastScalar:
            {
                _count = 1;
                int root = DrawRoot();
                T value = rank == root ? Input(kind.Any, root, 0, 0) : Input(kind.Any, rank, 1, 0);
                T result = comm.Broadcast(value, root);
                Expect(kind, [Input(kind.Any, root, 0, 0)], [result], "returned value");
                return;
            }
            case Collective.BroadcastObject:
            {
                int n = Math.Min(Count(kind, 1), 4096), root = DrawRoot();
                _type = "int[] (object)";
                int[] Payload(int r) => Enumerable.Range(0, n).Select(i => (int)Hash(r, 0, i)).ToArray();
                int[]? result = comm.BroadcastObject(rank == root ? Payload(root) : null, root);
                Expect(DifferentialTypes.Int, Payload(root), result ?? [], "returned object");
                return;
            }
            case Collective.Reduce:
                Reduce(kind, op, size, rank);
                return;
            case Collective.ReduceScalar:
            {
                _op = op.Name;
                _count = 1;
                int root = DrawRoot();
                T result = comm.Reduce(Input(op.Input, rank, 0, 0), op.Op, root);
                if (rank == root) Expect(kind, Fold(op, size, 1), [result], "returned value");
                return;
            }
            case Collective.Allreduce:
            {
                _op = op.Name;
                int n = Count(kind, 1);
                GuardedBuffer<T> send = Sent(kind, op.Input, n, "send");
                GuardedBuffer<T> recv = _case.InPlace ? send : Garbage(kind, n, "recv");
                comm.Allreduce<T>(send, recv, op.Op);
                Expect(kind, Fold(op, size, n), recv, "recv");
                if (!_case.InPlace) Expect(kind, Values(op.Input, rank, n), send, "send (must not be written)");
                return;
            }
            case Collective.AllreduceScalar:
            {
                _op = op.Name;
                _count = 1;
                T result = comm.Allreduce(Input(op.Input, rank, 0, 0), op.Op);
                Expect(kind, Fold(op, size, 1), [result], "returned value");
                return;
            }
            case Collective.Scan:
            case Collective.Exscan:
                Scan(kind, op, rank);
                return;
            case Collective.Gather:
                Gather(kind, size, rank);
                return;
            case Collective.Scatter:
                Scatter(kind, size, rank);
                return;
            case Collective.Allgather:
            {
                int n = Count(kind, size);
                GuardedBuffer<T> recv = Garbage(kind, n * size, "recv");
                if (_case.InPlace)
                {
                    Values(kind.Any, rank, n).CopyTo(recv.Span[(rank * n)..]);
                    comm.Allgather<T>(recv.Span.Slice(rank * n, n), recv);
                }
                else
                {
                    GuardedBuffer<T> send = Sent(kind, kind.Any, n, "send");
                    comm.Allgather<T>(send, recv);
                    Expect(kind, Values(kind.Any, rank, n), send, "send (must not be written)");
                }
                Expect(kind, Concatenation(kind, size, n), recv, "recv");
                return;
            }
            case Collective.Alltoall:
            {
                int n = Count(kind, size);
                // Rank r's send is one array of size blocks; block j goes to rank j.
                GuardedBuffer<T> send = Sent(kind, kind.Any, n * size, "send");
                GuardedBuffer<T> recv = _case.InPlace ? send : Garbage(kind, n * size, "recv");
                comm.Alltoall<T>(send, recv);
                var expected = new T[n * size];
                for (int from = 0; from < size; from++)
                    for (int i = 0; i < n; i++) expected[from * n + i] = Input(kind.Any, from, 0, rank * n + i);
                Expect(kind, expected, recv, "recv");
                if (!_case.InPlace) Expect(kind, Values(kind.Any, rank, n * size), send, "send (must not be written)");
                return;
            }
            case Collective.Gatherv:
                Gatherv(kind, size, rank);
                return;
            case Collective.Scatterv:
                Scatterv(kind, size, rank);
                return;
            case Collective.Allgatherv:
                Allgatherv(kind, size, rank);
                return;
            case Collective.Alltoallv:
                Alltoallv(kind, size, rank);
                return;
        }
        throw new InvalidOperationException($"no runner for {_case.Collective}");
    }

    /// <summary>What a rank other than the root passes for a buffer the call ignores there: an
    /// empty span, or a full one that must come back as it was.</summary>
    private GuardedBuffer<T>? Ignored<T>(ElementKind<T> kind, int n, string name) where T : unmanaged =>
        _local.Coin() ? null : Garbage(kind, n, name);

    private void Reduce<T>(ElementKind<T> kind, OpSpec<T> op, int size, int rank) where T : unmanaged
    {
        Communicator comm = _comm.Comm;
        _op = op.Name;
        int n = Count(kind, 1), root = DrawRoot();
        GuardedBuffer<T> send = Sent(kind, op.Input, n, "send");
        if (rank == root)
        {
            GuardedBuffer<T> recv = _case.InPlace ? send : Garbage(kind, n, "recv");
            comm.Reduce<T>(send, recv, op.Op, root);
            Expect(kind, Fold(op, size, n), recv, "recv on the root");
            if (!_case.InPlace) Expect(kind, Values(op.Input, rank, n), send, "send (must not be written)");
            return;
        }
        // recv "is used on root only": empty, a buffer of its own, or (in place everywhere) send itself.
        GuardedBuffer<T>? ignored = _case.InPlace && _local.Coin() ? send : Ignored(kind, n, "recv of a rank other than the root");
        T[] before = ignored?.ToArray() ?? [];
        comm.Reduce<T>(send, ignored is null ? Span<T>.Empty : ignored.Span, op.Op, root);
        if (ignored is not null) Expect(kind, before, ignored, "recv of a rank other than the root (must not be written)");
        Expect(kind, Values(op.Input, rank, n), send, "send (must not be written)");
    }

    private void Scan<T>(ElementKind<T> kind, OpSpec<T> op, int rank) where T : unmanaged
    {
        Communicator comm = _comm.Comm;
        bool exclusive = _case.Collective == Collective.Exscan;
        _op = op.Name;
        int n = Count(kind, 1);
        GuardedBuffer<T> send = Sent(kind, op.Input, n, "send");
        GuardedBuffer<T> recv = _case.InPlace ? send : Garbage(kind, n, "recv");
        T[] before = recv.ToArray();
        if (exclusive) comm.Exscan<T>(send, recv, op.Op);
        else comm.Scan<T>(send, recv, op.Op);
        if (exclusive && rank == 0)
            Expect(kind, before, recv, "recv of rank 0 (Exscan leaves it unchanged)");
        else
            Expect(kind, Fold(op, exclusive ? rank : rank + 1, n), recv, "recv");
        if (!_case.InPlace) Expect(kind, Values(op.Input, rank, n), send, "send (must not be written)");
    }

    private void Gather<T>(ElementKind<T> kind, int size, int rank) where T : unmanaged
    {
        Communicator comm = _comm.Comm;
        int n = Count(kind, size), root = DrawRoot();
        if (rank == root)
        {
            GuardedBuffer<T> recv = Garbage(kind, n * size, "recv");
            if (_case.InPlace)
            {
                Values(kind.Any, root, n).CopyTo(recv.Span[(root * n)..]);
                comm.Gather<T>(recv.Span.Slice(root * n, n), recv, root);
            }
            else
            {
                comm.Gather<T>(Sent(kind, kind.Any, n, "send"), recv, root);
            }
            Expect(kind, Concatenation(kind, size, n), recv, "recv on the root");
            return;
        }
        GuardedBuffer<T> send = Sent(kind, kind.Any, n, "send");
        GuardedBuffer<T>? ignored = Ignored(kind, n * size, "recv of a rank other than the root");
        T[] before = ignored?.ToArray() ?? [];
        comm.Gather<T>(send, ignored is null ? Span<T>.Empty : ignored.Span, root);
        if (ignored is not null) Expect(kind, before, ignored, "recv of a rank other than the root (must not be written)");
        Expect(kind, Values(kind.Any, rank, n), send, "send (must not be written)");
    }

    private void Scatter<T>(ElementKind<T> kind, int size, int rank) where T : unmanaged
    {
        Communicator comm = _comm.Comm;
        int n = Count(kind, size), root = DrawRoot();
        if (rank == root)
        {
            GuardedBuffer<T> send = Buffer(kind, n * size, "send", i => Input(kind.Any, i / n, 0, i % n));
            if (_case.InPlace)
            {
                comm.Scatter<T>(send, send.Span.Slice(root * n, n), root);
            }
            else
            {
                GuardedBuffer<T> recv = Garbage(kind, n, "recv");
                comm.Scatter<T>(send, recv, root);
                Expect(kind, Values(kind.Any, rank, n), recv, "recv");
            }
            Expect(kind, Concatenation(kind, size, n), send, "send on the root (must not be written but for recv in place)");
            return;
        }
        GuardedBuffer<T> mine = Garbage(kind, n, "recv");
        GuardedBuffer<T>? ignored = Ignored(kind, n * size, "send of a rank other than the root");
        comm.Scatter<T>(ignored is null ? ReadOnlySpan<T>.Empty : ignored.Span, mine, root);
        Expect(kind, Values(kind.Any, rank, n), mine, "recv");
    }

    /// <summary>Per-rank block counts of a v-collective: about a quarter empty.</summary>
    private int[] BlockCounts<T>(ElementKind<T> kind, int size) where T : unmanaged
    {
        var counts = new int[size];
        for (int i = 0; i < size; i++)
            counts[i] = _rng.Next(4) == 0 ? 0 : DifferentialCase.Count(ref _rng, size, kind.Size, size, thresholds);
        _count = counts.Sum();
        return counts;
    }

    private static int[] Displacements(int[] counts)
    {
        var displs = new int[counts.Length];
        for (int i = 1; i < counts.Length; i++) displs[i] = displs[i - 1] + counts[i - 1];
        return displs;
    }

    /// <summary>Rank 0's block of counts[0] elements, then rank 1's, ...</summary>
    private T VariableElement<T>(ElementKind<T> kind, int[] counts, int index) where T : unmanaged
    {
        int r = 0;
        while (index >= counts[r])
        {
            index -= counts[r];
            r++;
        }
        return Input(kind.Any, r, 0, index);
    }

    private void Gatherv<T>(ElementKind<T> kind, int size, int rank) where T : unmanaged
    {
        Communicator comm = _comm.Comm;
        int[] counts = BlockCounts(kind, size);
        int root = DrawRoot(), slack = _rng.Next(3), total = counts.Sum();
        if (rank == root)
        {
            // recv may be longer than the blocks: the tail past them must stay as it was.
            GuardedBuffer<T> recv = Garbage(kind, total + slack, "recv");
            T[] expected = recv.ToArray();
            for (int i = 0; i < total; i++) expected[i] = VariableElement(kind, counts, i);
            if (_case.InPlace)
            {
                int at = Displacements(counts)[root];
                Values(kind.Any, root, counts[root]).CopyTo(recv.Span[at..]);
                comm.Gatherv<T>(recv.Span.Slice(at, counts[root]), recv, counts, root);
            }
            else
            {
                comm.Gatherv<T>(Sent(kind, kind.Any, counts[rank], "send"), recv, counts, root);
            }
            Expect(kind, expected, recv, "recv on the root");
            return;
        }
        GuardedBuffer<T>? ignored = Ignored(kind, total, "recv of a rank other than the root");
        T[] before = ignored?.ToArray() ?? [];
        comm.Gatherv<T>(Sent(kind, kind.Any, counts[rank], "send"), ignored is null ? Span<T>.Empty : ignored.Span, counts, root);
        if (ignored is not null) Expect(kind, before, ignored, "recv of a rank other than the root (must not be written)");
    }

    private void Scatterv<T>(ElementKind<T> kind, int size, int rank) where T : unmanaged
    {
        Communicator comm = _comm.Comm;
        int[] counts = BlockCounts(kind, size);
        int root = DrawRoot(), slack = _rng.Next(3), total = counts.Sum();
        if (rank == root)
        {
            GuardedBuffer<T> send = Buffer(kind, total + slack, "send", i => i < total ? VariableElement(kind, counts, i) : Input(kind.Any, rank, 1, i));
            T[] original = send.ToArray();
            if (_case.InPlace)
            {
                comm.Scatterv<T>(send, counts, send.Span.Slice(Displacements(counts)[root], counts[root]), root);
            }
            else
            {
                GuardedBuffer<T> recv = Garbage(kind, counts[rank], "recv");
                comm.Scatterv<T>(send, counts, recv, root);
                Expect(kind, Values(kind.Any, rank, counts[rank]), recv, "recv");
            }
            Expect(kind, original, send, "send on the root (must not be written but for recv in place)");
            return;
        }
        GuardedBuffer<T> mine = Garbage(kind, counts[rank], "recv");
        GuardedBuffer<T>? ignored = Ignored(kind, total, "send of a rank other than the root");
        comm.Scatterv<T>(ignored is null ? ReadOnlySpan<T>.Empty : ignored.Span, counts, mine, root);
        Expect(kind, Values(kind.Any, rank, counts[rank]), mine, "recv");
    }

    private void Allgatherv<T>(ElementKind<T> kind, int size, int rank) where T : unmanaged
    {
        Communicator comm = _comm.Comm;
        int[] counts = BlockCounts(kind, size);
        int slack = _rng.Next(3), total = counts.Sum();
        GuardedBuffer<T> recv = Garbage(kind, total + slack, "recv");
        T[] expected = recv.ToArray();
        for (int i = 0; i < total; i++) expected[i] = VariableElement(kind, counts, i);
        if (_case.InPlace)
        {
            int at = Displacements(counts)[rank];
            Values(kind.Any, rank, counts[rank]).CopyTo(recv.Span[at..]);
            comm.Allgatherv<T>(recv.Span.Slice(at, counts[rank]), recv, counts);
        }
        else
        {
            comm.Allgatherv<T>(Sent(kind, kind.Any, counts[rank], "send"), recv, counts);
        }
        Expect(kind, expected, recv, "recv");
    }

    private void Alltoallv<T>(ElementKind<T> kind, int size, int rank) where T : unmanaged
    {
        Communicator comm = _comm.Comm;
        // counts[from, to]: elements rank `from` sends to rank `to`; every rank draws the whole matrix.
        var counts = new int[size, size];
        long total = 0;
        for (int from = 0; from < size; from++)
            for (int to = 0; to < size; to++)
            {
                counts[from, to] = _rng.Next(4) == 0 ? 0 : DifferentialCase.Count(ref _rng, size, kind.Size, size, thresholds);
                total += counts[from, to];
            }
        _count = (int)Math.Min(total, int.MaxValue);
        int[] sendCounts = Enumerable.Range(0, size).Select(to => counts[rank, to]).ToArray();
        int[] recvCounts = Enumerable.Range(0, size).Select(from => counts[from, rank]).ToArray();
        int sendTotal = sendCounts.Sum(), recvTotal = recvCounts.Sum();
        GuardedBuffer<T> send, recv;
        if (_case.InPlace)
        {
            // One array for both: send is its first sendTotal elements, recv its first recvTotal.
            send = recv = Buffer(kind, Math.Max(sendTotal, recvTotal), "send and recv (in place)",
                i => i < sendTotal ? Input(kind.Any, rank, 0, i) : Input(kind.Any, rank, 1, i));
            comm.Alltoallv<T>(send.Span[..sendTotal], sendCounts, recv.Span[..recvTotal], recvCounts);
        }
        else
        {
            send = Sent(kind, kind.Any, sendTotal, "send");
            recv = Garbage(kind, recvTotal, "recv");
            comm.Alltoallv<T>(send, sendCounts, recv, recvCounts);
        }
        var expected = new T[recv.Length];
        for (int from = 0, at = 0; from < size; from++)
        {
            int sentBefore = 0; // where block `rank` starts in rank `from`'s send
            for (int to = 0; to < rank; to++) sentBefore += counts[from, to];
            for (int i = 0; i < counts[from, rank]; i++) expected[at++] = Input(kind.Any, from, 0, sentBefore + i);
        }
        if (_case.InPlace)
        {
            // Past recvTotal the array still holds the tail of send.
            for (int i = recvTotal; i < sendTotal; i++) expected[i] = Input(kind.Any, rank, 0, i);
        }
        Expect(kind, expected, recv, "recv");
        if (!_case.InPlace) Expect(kind, Values(kind.Any, rank, sendTotal), send, "send (must not be written)");
    }

    private int Count<T>(ElementKind<T> kind, int perRankFactor) where T : unmanaged
    {
        _count = DifferentialCase.Count(ref _rng, _comm.Comm.Size, kind.Size, perRankFactor, thresholds);
        return _count;
    }

    private int DrawRoot() => _root = _rng.Next(_comm.Comm.Size);

    /// <summary>Random bits for element <paramref name="index"/> of stream <paramref name="stream"/> of
    /// rank <paramref name="rank"/> (in the case's communicator) in this case of this seed.</summary>
    private ulong Hash(int rank, int stream, int index) =>
        Rng.Mix(Rng.Mix(_base ^ ((ulong)(uint)rank << 32 | (uint)stream)) + (ulong)index * 0x9E3779B97F4A7C15);

    private T Input<T>(Func<ulong, T> make, int rank, int stream, int index) => make(Hash(rank, stream, index));

    /// <summary>Rank <paramref name="rank"/>'s input (stream 0): what it sends, and what others expect from it.</summary>
    private T[] Values<T>(Func<ulong, T> make, int rank, int n)
    {
        var values = new T[n];
        for (int i = 0; i < n; i++) values[i] = Input(make, rank, 0, i);
        return values;
    }

    /// <summary>A buffer handed to the library, guarded on both sides and sometimes misaligned; its
    /// guards are checked when the case ends.</summary>
    private GuardedBuffer<T> Buffer<T>(ElementKind<T> kind, int n, string name, Func<int, T> fill) where T : unmanaged
    {
        int rank = _comm.Comm.Rank;
        var buffer = new GuardedBuffer<T>(n, _local.Next(), i => Input(kind.Any, rank, 2, i));
        Span<T> span = buffer.Span;
        for (int i = 0; i < n; i++) span[i] = fill(i);
        _guardChecks.Add(() => buffer.GuardsIntact(kind.Same, out string where) ? null : $"{name}: {where} was written ({buffer.Shape})");
        return buffer;
    }

    /// <summary>This rank's input as a buffer to send from.</summary>
    private GuardedBuffer<T> Sent<T>(ElementKind<T> kind, Func<ulong, T> make, int n, string name) where T : unmanaged
    {
        int rank = _comm.Comm.Rank;
        return Buffer(kind, n, name, i => Input(make, rank, 0, i));
    }

    /// <summary>What a receive buffer holds before the call: this rank's own random bits (stream 1),
    /// never what the collective should write there.</summary>
    private GuardedBuffer<T> Garbage<T>(ElementKind<T> kind, int n, string name) where T : unmanaged
    {
        int rank = _comm.Comm.Rank;
        return Buffer(kind, n, name, i => Input(kind.Any, rank, 1, i));
    }

    /// <summary>v0 ∘ v1 ∘ ... ∘ v(ranks-1), element by element, in rank order.</summary>
    private T[] Fold<T>(OpSpec<T> op, int ranks, int n) where T : unmanaged
    {
        T[] acc = Values(op.Input, 0, n);
        for (int r = 1; r < ranks; r++)
            for (int i = 0; i < n; i++) acc[i] = op.Fold(acc[i], Input(op.Input, r, 0, i));
        return acc;
    }

    /// <summary>Rank 0's block, then rank 1's, ...</summary>
    private T[] Concatenation<T>(ElementKind<T> kind, int size, int n) where T : unmanaged
    {
        var all = new T[n * size];
        for (int r = 0; r < size; r++)
            for (int i = 0; i < n; i++) all[r * n + i] = Input(kind.Any, r, 0, i);
        return all;
    }

    private void Expect<T>(ElementKind<T> kind, ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string what) where T : unmanaged
    {
        if (expected.Length != actual.Length)
            Check.Fail($"{Describe()}: {what} has {actual.Length} elements, expected {expected.Length}\n{rerun(_case)}");
        int wrong = 0, first = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            if (kind.Same(expected[i], actual[i])) continue;
            if (first < 0) first = i;
            wrong++;
        }
        if (first >= 0)
            Check.Fail($"{Describe()}: {what}: {wrong} of {expected.Length} elements wrong; the first, element {first}: " +
                       $"expected {kind.Show(expected[first])}, got {kind.Show(actual[first])}\n{rerun(_case)}");
    }
}
