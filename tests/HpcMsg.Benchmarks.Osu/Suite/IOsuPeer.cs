namespace HpcMsg.Benchmarks.Osu.Suite;

/// <summary>
/// What the suite needs from a message-passing library, on arrays whose length is the message size
/// (MPI.NET sends whole arrays). Implemented by structs, so that <see cref="OsuSuite{TPeer}"/> is
/// compiled for each library with direct calls: the suite adds no dispatch of its own.
/// </summary>
public interface IOsuPeer
{
    int Rank { get; }
    int Size { get; }

    /// <summary>The library and its version, for the output header.</summary>
    string Implementation { get; }

    void Send(byte[] data, int dest, int tag);
    void Recv(byte[] data, int source, int tag);

    /// <summary>Starts a non-blocking send in request slot <paramref name="slot"/> (0 .. 2 * window - 1).</summary>
    void ISend(int slot, byte[] data, int dest, int tag);
    void IRecv(int slot, byte[] data, int source, int tag);

    /// <summary>Waits for the requests in slots 0 .. count - 1.</summary>
    void WaitAll(int count);

    void Barrier();
    void Bcast(byte[] data, int root);
    void Reduce(float[] send, float[] recv, int root);
    void Allreduce(float[] send, float[] recv);
    void Scatter(byte[] send, byte[] recv, int root);
    void Gather(byte[] send, byte[] recv, int root);
    void Allgather(byte[] send, byte[] recv);
    void Alltoall(byte[] send, byte[] recv);

    /// <summary>Control (untimed): rank <paramref name="root"/>'s flag on every rank.</summary>
    bool BroadcastFlag(bool flag, int root);

    /// <summary>Statistics (untimed): the sum of every rank's value, on rank 0.</summary>
    double SumToRoot(double value);
}
