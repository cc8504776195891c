using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// Dup gives a separate message space. Each rank sends right and receives from left. A message sent
/// on the dup with tag 5 is invisible to world probes and receives with tag 5 or wildcards, and vice
/// versa; absence is checked with IProbe after a handshake on the other communicator, which
/// guarantees the message has arrived (one FIFO ring per ordered pair). Two dups are separate from
/// each other too; a disposed dup refuses to be used.
/// </summary>
internal sealed class DupScenario : IScenario
{
    private const int Tag = 5;

    public string Name => "dup";
    public string Arguments => "";

    public Task RunAsync(Communicator world, string[] args)
    {
        int right = PeerPairing.Right(world), left = PeerPairing.Left(world);
        Communicator dup = world.Dup();
        Check.Equal(world.Rank, dup.Rank, "dup.Rank");
        Check.Equal(world.Size, dup.Size, "dup.Size");

        Isolated(sender: dup, other: world, right, left, value: 111, "dup -> world");
        Isolated(sender: world, other: dup, right, left, value: 222, "world -> dup");

        // Same tag on both, received in the opposite order of sending: each Recv takes its own.
        world.Send(301, right, Tag);
        dup.Send(302, right, Tag);
        Check.Equal(302, dup.Recv<int>(left, Tag), "dup.Recv takes the dup message even though the world one came first");
        Check.Equal(301, world.Recv<int>(Communicator.AnySource, Communicator.AnyTag), "world wildcard Recv takes the world message");

        using (Communicator second = world.Dup())
        {
            Isolated(sender: second, other: dup, right, left, value: 333, "second dup -> first dup");
            second.Barrier();
        }

        dup.Barrier();
        dup.Dispose();
        Check.Throws<ObjectDisposedException>(() => dup.Send(1, right, Tag), "Send on a disposed dup");
        Check.Throws<ObjectDisposedException>(() => dup.IProbe(left, Tag, out _), "IProbe on a disposed dup");
        dup.Dispose(); // a second Dispose is harmless

        // The world still works after the dup is gone.
        RingHandshake(world, right, left);
        return Task.CompletedTask;
    }

    /// <summary>A message on <paramref name="sender"/> must not be seen on <paramref name="other"/>.</summary>
    private static void Isolated(Communicator sender, Communicator other, int right, int left, int value, string what)
    {
        sender.Send(value + sender.Rank, right, Tag);
        RingHandshake(other, right, left); // the message from left has arrived here by now
        Check.True(!other.IProbe(left, Tag, out _), $"{what}: IProbe(left, {Tag}) on the other communicator sees it");
        Check.True(!other.IProbe(Communicator.AnySource, Communicator.AnyTag, out _), $"{what}: IProbe(AnySource, AnyTag) on the other communicator sees it");
        Check.True(sender.IProbe(left, Tag, out Status status), $"{what}: IProbe on the sending communicator does not see it");
        Check.Equal(left, status.Source, $"{what}: IProbe Status.Source");
        Check.Equal(value + left, sender.Recv<int>(left, Tag), $"{what}: value");
        sender.Barrier(); // nobody sends the next step's messages before every rank has checked
    }

    /// <summary>Right-send, left-receive on <paramref name="comm"/>: everything left sent before has arrived.</summary>
    private static void RingHandshake(Communicator comm, int right, int left)
    {
        Span<int> got = [-1];
        comm.SendRecv<int>([comm.Rank], right, 7, got, left, 7);
        Check.Equal(left, got[0], "handshake value");
    }
}
