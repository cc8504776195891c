namespace HpcMsg.TestApp.Support;

/// <summary>Who talks to whom in the pairwise scenarios.</summary>
internal static class PeerPairing
{
    /// <summary>Ranks 0-1, 2-3, ...; the last rank of an odd-sized job is its own partner.</summary>
    public static int Partner(Communicator world)
    {
        int partner = world.Rank ^ 1;
        return partner < world.Size ? partner : world.Rank;
    }

    public static int Right(Communicator world) => (world.Rank + 1) % world.Size;

    public static int Left(Communicator world) => (world.Rank + world.Size - 1) % world.Size;

    /// <summary>A small exchange with <paramref name="peer"/>: when it returns, everything the peer
    /// sent before its matching call has arrived here (one ring per ordered pair is FIFO).</summary>
    public static void Handshake(Communicator comm, int peer, int tag)
    {
        Span<int> mine = [comm.Rank];
        Span<int> theirs = [-1];
        Status status = comm.SendRecv<int>(mine, peer, tag, theirs, peer, tag);
        Check.Equal(peer, theirs[0], $"handshake (tag {tag}) payload");
        Check.Equal(peer, status.Source, $"handshake (tag {tag}) Status.Source");
    }
}
