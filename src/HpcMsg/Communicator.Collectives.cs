using System.Buffers;
using HpcMsg.Collectives;
using HpcMsg.Internal;
using HpcMsg.Serialization;

namespace HpcMsg;

/// <summary>Collectives: argument checks and typed spans become bytes here; the algorithms live in
/// Collectives/, one file each, and run in this communicator's collective context.</summary>
public sealed unsafe partial class Communicator
{
    /// <summary>Internal, not private: crossgen2 precompiles a private member only when precompiled code
    /// calls it, and the generic collectives (jitted per element type) call this one.</summary>
    internal CollectiveTransport Collective
    {
        get
        {
            ThrowIfDisposed();
            return new CollectiveTransport(this);
        }
    }

    /// <summary>Blocks until every rank of the communicator has called it.</summary>
    public void Barrier()
    {
        CollectiveTransport t = Collective;
        if (Size == 1) return;
        // Only the world may use the node's barrier words (one set per node): two communicators' barriers could interleave.
        bool node = _isWorld && Engine.HasNodeBarrier;
        switch (Tuning.ChooseBarrier(node))
        {
            case BarrierAlgorithm.SharedMemory: Engine.NodeBarrier(); break;
            case BarrierAlgorithm.SharedDissemination: Engine.NodeDisseminationBarrier(); break;
            default: Collectives.Barrier.Run(t); break;
        }
    }

    /// <summary>Copies <paramref name="buffer"/> of <paramref name="root"/> into <paramref name="buffer"/> of every rank; every rank passes the same length.</summary>
    public void Broadcast<T>(Span<T> buffer, int root) where T : unmanaged
    {
        fixed (T* p = buffer) Broadcast((byte*)p, (long)buffer.Length * sizeof(T), root);
    }

    /// <summary>Returns <paramref name="root"/>'s <paramref name="value"/> on every rank.</summary>
    public T Broadcast<T>(T value, int root) where T : unmanaged
    {
        Broadcast((byte*)&value, sizeof(T), root);
        return value;
    }

    /// <summary>The byte-level broadcast under the generic ones (which the runtime compiles per element
    /// type, unoptimised at first: they only pin and call this).</summary>
    internal void Broadcast(byte* buffer, long bytes, int root)
    {
        CollectiveTransport t = Collective;
        CheckRoot(root);
        Collectives.Broadcast.Run(t, buffer, bytes, root);
    }

    // Scatter, Gather, Allgather and Alltoall: as the reductions, a generic wrapper that pins and passes
    // element counts and the element size, and an internal non-generic method (precompiled) that checks
    // and runs the algorithm, so that a first call jits only the small wrapper.

    /// <summary><paramref name="send"/> holds Size * recv.Length elements on root (ignored elsewhere); rank i gets block i.</summary>
    public void Scatter<T>(ReadOnlySpan<T> send, Span<T> recv, int root) where T : unmanaged
    {
        fixed (T* s = send)
        fixed (T* r = recv)
            Scatter((byte*)s, send.Length, (byte*)r, recv.Length, sizeof(T), root);
    }

    internal void Scatter(byte* send, int sendCount, byte* recv, int recvCount, int elementSize, int root)
    {
        CollectiveTransport t = Collective;
        CheckRoot(root);
        if (Rank == root && sendCount != (long)Size * recvCount)
            throw new ArgumentException($"Scatter: send has {sendCount} elements on the root but must have Size * recv.Length = {Size} * {recvCount}", "send");
        GatherScatter.Scatter(t, send, recv, (long)recvCount * elementSize, root);
    }

    /// <summary><paramref name="recv"/> holds Size * send.Length elements on root (ignored elsewhere).</summary>
    public void Gather<T>(ReadOnlySpan<T> send, Span<T> recv, int root) where T : unmanaged
    {
        fixed (T* s = send)
        fixed (T* r = recv)
            Gather((byte*)s, send.Length, (byte*)r, recv.Length, sizeof(T), root);
    }

    internal void Gather(byte* send, int sendCount, byte* recv, int recvCount, int elementSize, int root)
    {
        CollectiveTransport t = Collective;
        CheckRoot(root);
        if (Rank == root && recvCount != (long)Size * sendCount)
            throw new ArgumentException($"Gather: recv has {recvCount} elements on the root but must have Size * send.Length = {Size} * {sendCount}", "recv");
        GatherScatter.Gather(t, send, recv, (long)sendCount * elementSize, root);
    }

    /// <summary>Every rank gets every rank's <paramref name="send"/>: block i of <paramref name="recv"/> (of <c>Size * send.Length</c> elements) is rank i's.</summary>
    public void Allgather<T>(ReadOnlySpan<T> send, Span<T> recv) where T : unmanaged
    {
        fixed (T* s = send)
        fixed (T* r = recv)
            Allgather((byte*)s, send.Length, (byte*)r, recv.Length, sizeof(T));
    }

    internal void Allgather(byte* send, int sendCount, byte* recv, int recvCount, int elementSize)
    {
        CollectiveTransport t = Collective;
        if (recvCount != (long)Size * sendCount)
            throw new ArgumentException($"Allgather: recv has {recvCount} elements but must have Size * send.Length = {Size} * {sendCount}", "recv");
        Collectives.Allgather.Run(t, send, recv, (long)sendCount * elementSize);
    }

    /// <summary>Block j of <paramref name="send"/> goes to rank j; block i of <paramref name="recv"/> comes from rank i.</summary>
    public void Alltoall<T>(ReadOnlySpan<T> send, Span<T> recv) where T : unmanaged
    {
        fixed (T* s = send)
        fixed (T* r = recv)
            Alltoall((byte*)s, send.Length, (byte*)r, recv.Length, sizeof(T));
    }

    internal void Alltoall(byte* send, int sendCount, byte* recv, int recvCount, int elementSize)
    {
        CollectiveTransport t = Collective;
        if (sendCount != recvCount || sendCount % Size != 0)
            throw new ArgumentException($"Alltoall: send ({sendCount}) and recv ({recvCount}) must have the same length, a multiple of Size = {Size}", "send");
        // The algorithms write blocks of recv while blocks of send are still to go out, so a send
        // that overlaps recv (the same array: an in-place alltoall) was silently scrambled. It is
        // copied first, as for the reductions.
        long bytes = (long)sendCount * elementSize;
        using ScratchBuffer copy = CopyIfOverlapping(send, bytes, recv, bytes, out byte* source);
        Collectives.Alltoall.Run(t, source, recv, (long)(sendCount / Size) * elementSize);
    }

    /// <summary>As Scatter with blocks of different sizes: rank i gets <c>counts[i]</c> elements of the root's <paramref name="send"/>, from the running sum of the counts before it. <paramref name="send"/> and <paramref name="counts"/> are read on the root only.</summary>
    public void Scatterv<T>(ReadOnlySpan<T> send, ReadOnlySpan<int> counts, Span<T> recv, int root) where T : unmanaged
    {
        CollectiveTransport t = Collective;
        CheckRoot(root);
        Span<long> bytes = Size <= 512 ? stackalloc long[Size] : new long[Size];
        if (Rank == root)
        {
            long total = BlockBytes<T>(counts, bytes, nameof(counts));
            if (total > (long)send.Length * sizeof(T))
                throw new ArgumentException($"Scatterv: counts add up to {total / sizeof(T)} elements but send has {send.Length}", nameof(send));
            if ((long)counts[Rank] > recv.Length)
                throw new ArgumentException($"Scatterv: counts[{Rank}] = {counts[Rank]} but recv has {recv.Length} elements", nameof(recv));
        }
        fixed (T* s = send)
        fixed (T* r = recv)
            VariableBlocks.Scatterv(t, (byte*)s, bytes, (byte*)r, (long)recv.Length * sizeof(T), root);
    }

    /// <summary>As Gather with blocks of different sizes: rank i's <paramref name="send"/> (<c>counts[i]</c> elements) lands in the root's <paramref name="recv"/> at the running sum of the counts before it. <paramref name="recv"/> and <paramref name="counts"/> are read on the root only.</summary>
    public void Gatherv<T>(ReadOnlySpan<T> send, Span<T> recv, ReadOnlySpan<int> counts, int root) where T : unmanaged
    {
        CollectiveTransport t = Collective;
        CheckRoot(root);
        Span<long> bytes = Size <= 512 ? stackalloc long[Size] : new long[Size];
        if (Rank == root)
        {
            long total = BlockBytes<T>(counts, bytes, nameof(counts));
            if (total > (long)recv.Length * sizeof(T))
                throw new ArgumentException($"Gatherv: counts add up to {total / sizeof(T)} elements but recv has {recv.Length}", nameof(recv));
            if (counts[Rank] != send.Length)
                throw new ArgumentException($"Gatherv: counts[{Rank}] = {counts[Rank]} but the root's send has {send.Length} elements", nameof(counts));
        }
        fixed (T* s = send)
        fixed (T* r = recv)
            VariableBlocks.Gatherv(t, (byte*)s, (long)send.Length * sizeof(T), (byte*)r, bytes, root);
    }

    /// <summary>As Allgatherv in MPI: rank i's <paramref name="send"/> (<c>counts[i]</c> elements) lands in every rank's <paramref name="recv"/> at the running sum of the counts before it.</summary>
    public void Allgatherv<T>(ReadOnlySpan<T> send, Span<T> recv, ReadOnlySpan<int> counts) where T : unmanaged
    {
        CollectiveTransport t = Collective;
        Span<long> bytes = Size <= 512 ? stackalloc long[Size] : new long[Size];
        Span<long> offsets = Size <= 512 ? stackalloc long[Size] : new long[Size];
        long total = BlockBytes<T>(counts, bytes, nameof(counts), offsets);
        if (total > (long)recv.Length * sizeof(T))
            throw new ArgumentException($"Allgatherv: counts add up to {total / sizeof(T)} elements but recv has {recv.Length}", nameof(recv));
        if (counts[Rank] != send.Length)
            throw new ArgumentException($"Allgatherv: counts[{Rank}] = {counts[Rank]} but send has {send.Length} elements", nameof(counts));
        fixed (T* s = send)
        fixed (T* r = recv)
            VariableBlocks.Allgatherv(t, (byte*)s, (byte*)r, bytes, offsets);
    }

    /// <summary>Block j of <paramref name="send"/> (<c>sendCounts[j]</c> elements) goes to rank j; block i of <paramref name="recv"/> (<c>recvCounts[i]</c> elements) comes from rank i. Displacements are the running sums of the counts.</summary>
    public void Alltoallv<T>(ReadOnlySpan<T> send, ReadOnlySpan<int> sendCounts, Span<T> recv, ReadOnlySpan<int> recvCounts) where T : unmanaged
    {
        CollectiveTransport t = Collective;
        Span<long> sendBytes = Size <= 256 ? stackalloc long[Size] : new long[Size];
        Span<long> sendOffsets = Size <= 256 ? stackalloc long[Size] : new long[Size];
        Span<long> recvBytes = Size <= 256 ? stackalloc long[Size] : new long[Size];
        Span<long> recvOffsets = Size <= 256 ? stackalloc long[Size] : new long[Size];
        if (BlockBytes<T>(sendCounts, sendBytes, nameof(sendCounts), sendOffsets) > (long)send.Length * sizeof(T))
            throw new ArgumentException($"Alltoallv: sendCounts add up to more than the {send.Length} elements of send", nameof(sendCounts));
        if (BlockBytes<T>(recvCounts, recvBytes, nameof(recvCounts), recvOffsets) > (long)recv.Length * sizeof(T))
            throw new ArgumentException($"Alltoallv: recvCounts add up to more than the {recv.Length} elements of recv", nameof(recvCounts));
        fixed (T* s = send)
        fixed (T* r = recv)
        {
            // As in Alltoall: every receive is posted while sends still read send, so an overlapping
            // send is copied first.
            using ScratchBuffer copy = CopyIfOverlapping(send, recv, s, out byte* source);
            VariableBlocks.Alltoallv(t, source, sendBytes, sendOffsets, (byte*)r, recvBytes, recvOffsets);
        }
    }

    // The reductions: each public generic method is a thin wrapper that pins the spans and turns T into
    // a Combiner (the element type's code and size, or a user op's typed steps), then calls the
    // byte-level method below it. Those are not generic, so they and everything under them are
    // precompiled in the ReadyToRun library; a program's first Allreduce<double> jits only the wrapper
    // (before: about twenty methods, the algorithm's checks and copies among them, per element type).
    // They are internal, not private: crossgen2 precompiles a private method only when precompiled code
    // calls it, and their only callers are the generic wrappers, which are jitted.

    /// <summary>Element-wise reduction to <paramref name="root"/>; <paramref name="recv"/> is used on the root only.</summary>
    public void Reduce<T>(ReadOnlySpan<T> send, Span<T> recv, Op op, int root) where T : unmanaged
    {
        Combiner combiner = Combiner.For<T>(op);
        fixed (T* s = send)
        fixed (T* r = recv)
            Reduce((byte*)s, send.Length, (byte*)r, recv.Length, combiner, root);
    }

    internal void Reduce(byte* send, int sendCount, byte* recv, int recvCount, Combiner op, int root)
    {
        CollectiveTransport t = Collective;
        CheckRoot(root);
        if (Rank == root && recvCount != sendCount)
            throw new ArgumentException($"Reduce: recv has {recvCount} elements on the root but send has {sendCount}", "recv");
        int size = op.ElementSize;
        using ScratchBuffer copy = CopyIfOverlapping(send, (long)sendCount * size, recv, Rank == root ? (long)recvCount * size : 0, out byte* source);
        Reduction.Reduce(t, source, recv, sendCount, op, root);
    }

    /// <summary>Reduces one value per rank; the root gets the result, the other ranks <c>default</c>.</summary>
    public T Reduce<T>(T value, Op op, int root) where T : unmanaged
    {
        T result = default;
        Reduce((byte*)&value, 1, (byte*)&result, 1, Combiner.For<T>(op), root);
        return Rank == root ? result : default;
    }

    /// <summary>Element-wise reduction whose result every rank gets in <paramref name="recv"/> (which may be <paramref name="send"/> itself). Combines in an order fixed by the ranks, so floating-point results are bit-identical on every rank and every run.</summary>
    public void Allreduce<T>(ReadOnlySpan<T> send, Span<T> recv, Op op) where T : unmanaged
    {
        Combiner combiner = Combiner.For<T>(op);
        fixed (T* s = send)
        fixed (T* r = recv)
            ElementwiseReduction((byte*)s, send.Length, (byte*)r, recv.Length, combiner, ReductionKind.Allreduce);
    }

    /// <summary>Reduces one value per rank and returns the result on every rank.</summary>
    public T Allreduce<T>(T value, Op op) where T : unmanaged
    {
        T result = default;
        ElementwiseReduction((byte*)&value, 1, (byte*)&result, 1, Combiner.For<T>(op), ReductionKind.Allreduce);
        return result;
    }

    /// <summary>Inclusive prefix: rank i gets send(0) ∘ ... ∘ send(i).</summary>
    public void Scan<T>(ReadOnlySpan<T> send, Span<T> recv, Op op) where T : unmanaged
    {
        Combiner combiner = Combiner.For<T>(op);
        fixed (T* s = send)
        fixed (T* r = recv)
            ElementwiseReduction((byte*)s, send.Length, (byte*)r, recv.Length, combiner, ReductionKind.Scan);
    }

    /// <summary>Exclusive prefix: rank i gets send(0) ∘ ... ∘ send(i-1); rank 0's recv is left unchanged.</summary>
    public void Exscan<T>(ReadOnlySpan<T> send, Span<T> recv, Op op) where T : unmanaged
    {
        Combiner combiner = Combiner.For<T>(op);
        fixed (T* s = send)
        fixed (T* r = recv)
            ElementwiseReduction((byte*)s, send.Length, (byte*)r, recv.Length, combiner, ReductionKind.Exscan);
    }

    internal enum ReductionKind : byte { Allreduce, Scan, Exscan }

    /// <summary>The shared shape of Allreduce, Scan and Exscan: same-length buffers, a send that
    /// overlaps recv copied first, then the algorithm on bytes.</summary>
    internal void ElementwiseReduction(byte* send, int sendCount, byte* recv, int recvCount, Combiner op, ReductionKind kind)
    {
        CollectiveTransport t = Collective;
        if (recvCount != sendCount)
            throw new ArgumentException($"{kind}: recv has {recvCount} elements but send has {sendCount}", "recv");
        long bytes = (long)sendCount * op.ElementSize;
        using ScratchBuffer copy = CopyIfOverlapping(send, bytes, recv, bytes, out byte* source);
        switch (kind)
        {
            case ReductionKind.Allreduce: Reduction.Allreduce(t, source, recv, sendCount, op); break;
            case ReductionKind.Scan: PrefixScan.Scan(t, source, recv, sendCount, op); break;
            default: PrefixScan.Exscan(t, source, recv, sendCount, op); break;
        }
    }

    private void CheckRoot(int root)
    {
        if ((uint)root >= (uint)Size) ThrowHelper.RankOutOfRange(nameof(root), root, Size, wildcardAllowed: false);
    }

    /// <summary>Validates counts (one per rank, none negative), fills byte sizes and offsets, returns the total bytes.</summary>
    private long BlockBytes<T>(ReadOnlySpan<int> counts, Span<long> bytes, string name, Span<long> offsets = default) where T : unmanaged
    {
        if (counts.Length != Size)
            throw new ArgumentException($"{name} has {counts.Length} entries but must have one per rank ({Size})", name);
        long total = 0;
        for (int i = 0; i < Size; i++)
        {
            if (counts[i] < 0) throw new ArgumentException($"{name}[{i}] = {counts[i]} is negative", name);
            bytes[i] = (long)counts[i] * sizeof(T);
            if (!offsets.IsEmpty) offsets[i] = total;
            total += bytes[i];
        }
        return total;
    }

    /// <summary>A send span that overlaps recv (in place, or partly) is copied first, because the
    /// algorithms write recv while they still read send (reductions, Alltoall, Alltoallv).</summary>
    private static ScratchBuffer CopyIfOverlapping<T>(ReadOnlySpan<T> send, Span<T> recv, T* pinnedSend, out byte* source) where T : unmanaged
    {
        fixed (T* pinnedRecv = recv)
            return CopyIfOverlapping((byte*)pinnedSend, (long)send.Length * sizeof(T), (byte*)pinnedRecv, (long)recv.Length * sizeof(T), out source);
    }

    /// <summary>As above, on pinned bytes: the copy is made when the two ranges share any byte.</summary>
    private static ScratchBuffer CopyIfOverlapping(byte* send, long sendBytes, byte* recv, long recvBytes, out byte* source)
    {
        source = send;
        if (!Combine.Overlap(send, sendBytes, recv, recvBytes)) return default;
        ScratchBuffer copy = ScratchPool.Rent(sendBytes);
        Combine.Copy(send, copy.Pointer, sendBytes);
        source = copy.Pointer;
        return copy;
    }
}
