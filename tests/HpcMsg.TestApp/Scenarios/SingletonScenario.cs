using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// A process started without hpcrun is a job of one whose messages to itself go through the same
/// matching engine: Init may be called once, self messages match in order, truncation is reported
/// and consumes the message, a nonblocking receive completes only once its message was sent, and a
/// Dup is a separate message space. Refuses to run as part of a larger job.
/// </summary>
internal sealed class SingletonScenario : IScenario
{
    public string Name => "singleton";
    public string Arguments => "";

    public Task RunAsync(Communicator world, string[] args)
    {
        Check.Equal(0, world.Rank, "Rank of a lone process");
        Check.Equal(1, world.Size, "Size of a lone process");
        Check.Throws<InvalidOperationException>(() => Communicator.Init(), "a second Init");

        world.Send(1, 0, 4);
        world.Send(2, 0, 4);
        Check.Equal(1, world.Recv<int>(0, 4), "first self message");
        Check.Equal(2, world.Recv<int>(Communicator.AnySource, Communicator.AnyTag, out Status s), "second self message (wildcards)");
        Check.Equal(0, s.Source, "Status.Source");
        Check.Equal(4, s.Tag, "Status.Tag");
        Check.Equal((long)sizeof(int), s.ByteCount, "Status.ByteCount");

        world.Send<long>([1, 2, 3], 0, 9);
        var small = new long[2];
        var e = Check.Throws<MessageTruncatedException>(() => world.Recv<long>(small, 0, 9), "Recv into a buffer too small");
        Check.Equal(24L, e.MessageBytes, "MessageTruncatedException.MessageBytes");
        Check.True(!world.IProbe(0, 9, out _), "the truncated message is consumed");

        Request recv = world.IRecv(new double[1], 0, 3);
        Check.True(!recv.IsCompleted, "IRecv completed before its message was sent");
        world.Send(2.5, 0, 3);
        Check.True(recv.Test(out Status rs), "IRecv completes once its message was sent");
        Check.Equal(8L, rs.ByteCount, "IRecv Status.ByteCount");

        world.SendObject(new Dictionary<string, int[]> { ["a"] = [1, 2] }, 0, 1);
        Check.SequenceEqual<int>([1, 2], world.RecvObject<Dictionary<string, int[]>>(0, 1)!["a"], "object to self");

        using (Communicator dup = world.Dup())
        {
            dup.Send(5, 0, 0);
            Check.True(!world.IProbe(0, 0, out _), "a message on the dup is seen on the world");
            Check.Equal(5, dup.Recv<int>(0, 0), "message on the dup");
        }

        Check.Throws<ArgumentOutOfRangeException>(() => world.Send(1, 1, 0), "Send to rank 1 of a job of one");
        Check.Throws<ArgumentOutOfRangeException>(() => world.Send(1, 0, -1), "Send with tag -1");
        Check.Throws<ArgumentOutOfRangeException>(() => world.Recv<int>(-2, 0), "Recv from rank -2");
        return Task.CompletedTask;
    }
}
