using System.Buffers;
using HpcMsg.Engine;

namespace HpcMsg.Collectives;

/// <summary>
/// Byte-level point-to-point for collective algorithms: always in the communicator's collective
/// context, so collective traffic never meets a user's receive. Requests come from the engine's pool.
/// </summary>
internal readonly unsafe struct CollectiveTransport
{
    private readonly Communicator _comm;
    private readonly ProgressEngine _engine;
    private readonly int _context;

    public CollectiveTransport(Communicator comm)
    {
        _comm = comm;
        _engine = comm.Engine;
        _context = comm.CollectiveContext;
    }

    public Communicator Comm => _comm;

    public int Rank => _comm.Rank;
    public int Size => _comm.Size;

    public void Send(byte* data, long bytes, int dest, int tag) =>
        _engine.Send(_context, _comm.Rank, _comm.WorldRankOf(dest), tag, data, bytes, 1);

    public void Recv(byte* buffer, long bytes, int source, int tag)
    {
        Completion s = _engine.Receive(_context, source, _comm.WorldRankOf(source), tag, buffer, bytes, 1);
        if (s.ByteCount != bytes)
            throw new ArgumentException($"collective mismatch: rank {_comm.Rank} expected {bytes} bytes from rank {source} but got {s.ByteCount}; do all ranks pass matching counts?");
    }

    /// <summary>Receives whatever the peer sends (up to <paramref name="capacity"/>); returns its size.</summary>
    public long RecvUpTo(byte* buffer, long capacity, int source, int tag) =>
        _engine.Receive(_context, source, _comm.WorldRankOf(source), tag, buffer, capacity, 1).ByteCount;

    public void SendRecv(byte* send, long sendBytes, int dest, byte* recv, long recvBytes, int source, int tag)
    {
        if (sendBytes <= _engine.EagerLimitEverywhere)
        {
            // An eager send completes without its receiver, so the plain blocking pair cannot deadlock,
            // and it skips a pooled request and two passes through the engine's lock.
            Send(send, sendBytes, dest, tag);
            Recv(recv, recvBytes, source, tag);
            return;
        }
        Operation? s = ISend(send, sendBytes, dest, tag);
        if (s is null)
        {
            Recv(recv, recvBytes, source, tag); // sent already (eager on the node, above the network's limit)
            return;
        }
        try
        {
            Recv(recv, recvBytes, source, tag);
        }
        finally
        {
            _engine.WaitOrAbandon(s); // before the caller unpins `send`, even when the receive failed
        }
        Finish(s);
    }

    /// <summary>A non-blocking send; null when it was written at once and is complete (an eager message
    /// to a rank of the node with nothing queued before it), which needs no pooled operation:
    /// <see cref="FinishAll"/> and <see cref="ReturnRequests"/> pass over null entries.</summary>
    public Operation? ISend(byte* data, long bytes, int dest, int tag)
    {
        int destWorld = _comm.WorldRankOf(dest);
        if (_engine.TrySendEagerNow(_context, _comm.Rank, destWorld, tag, data, bytes)) return null;
        return _engine.PostNewSend(_context, _comm.Rank, destWorld, tag, 1, data, bytes, default, pinned: false);
    }

    public Operation IRecv(byte* buffer, long bytes, int source, int tag)
    {
        return _engine.PostNewReceive(_context, source, _comm.WorldRankOf(source), tag, 1, buffer, bytes, default, pinned: false);
    }

    /// <summary>Waits for the request, checks it, and returns it to the pool.</summary>
    public void Finish(Operation r)
    {
        _engine.WaitOrAbandon(r);
        r.Outcome();
        _engine.ReleaseOperation(r);
    }

    /// <summary>One block to and one block from every other rank, all posted at once (receives first),
    /// then waited for together. The block for rank r is read at <paramref name="send"/> + r *
    /// <paramref name="sendStride"/> (stride 0: the same block to everyone); the block from rank r
    /// lands at <paramref name="recv"/> + r * <paramref name="blockBytes"/>. Sends are staggered
    /// (rank+1, rank+2, ...) so that not everyone sends to rank 0 first.</summary>
    public void ExchangeWithEveryRank(byte* send, long sendStride, byte* recv, long blockBytes, int tag)
    {
        int size = Size, rank = Rank;
        Operation?[] requests = ArrayPool<Operation?>.Shared.Rent(2 * (size - 1));
        try
        {
            int n = 0;
            for (int step = 1; step < size; step++)
            {
                int from = (rank - step + size) % size;
                requests[n++] = IRecv(recv + from * blockBytes, blockBytes, from, tag);
            }
            for (int step = 1; step < size; step++)
            {
                int to = (rank + step) % size;
                requests[n++] = ISend(send + to * sendStride, blockBytes, to, tag);
            }
            FinishAll(requests.AsSpan(0, n));
        }
        finally
        {
            ReturnRequests(requests);
        }
    }

    /// <summary>Waits for every request, returns each to the pool, then throws the first failure. If
    /// a wait throws, the requests not yet finished stay in the span for <see cref="ReturnRequests"/>.</summary>
    public void FinishAll(Span<Operation?> requests)
    {
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? first = null;
        for (int i = 0; i < requests.Length; i++)
        {
            Operation? r = requests[i];
            if (r is null) continue;
            if (!r.CompletedFlag) _engine.WaitFor(r);
            first ??= r.Error;
            _engine.ReleaseOperation(r);
            requests[i] = null;
        }
        first?.Throw(); // with the stack of where the engine found it
    }

    /// <summary>The <c>finally</c> of every collective that posts requests into a rented array: a
    /// request still there was not finished because something threw (a post, a wait, a blocking
    /// call between them), and it points into the caller's buffers, which are unpinned next, so it is
    /// taken out of the engine (ProgressEngine.Abandon) before the array goes back to the pool.</summary>
    public void ReturnRequests(Operation?[] requests)
    {
        HpcMsgException? failed = null; // nobody reads it: the caller gets what made the collective fail
        for (int i = 0; i < requests.Length; i++)
        {
            if (requests[i] is { } r) _engine.Abandon(r, failed ??= new HpcMsgException("the collective operation failed on this rank"));
        }
        ArrayPool<Operation?>.Shared.Return(requests, clearArray: true);
    }
}
