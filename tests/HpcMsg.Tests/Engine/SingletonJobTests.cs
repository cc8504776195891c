namespace HpcMsg.Tests.Engine;

/// <summary>A process without hpcrun is a job of size 1 whose messages to itself go through the same
/// matching engine. Runs in this test process; Communicator.Init may be called once, so one test.</summary>
public sealed class SingletonJobTests
{
    [Fact]
    public void SelfMessagesMatchInOrderAndTruncationIsReported()
    {
        if (Environment.GetEnvironmentVariable("HPCMSG_RANK") is not null) return; // running under hpcrun
        using var world = Communicator.Init();
        Assert.Equal(0, world.Rank);
        Assert.Equal(1, world.Size);
        Assert.Throws<InvalidOperationException>(() => Communicator.Init());

        world.Send(1, 0, 4);
        world.Send(2, 0, 4);
        Assert.Equal(1, world.Recv<int>(0, 4));
        Assert.Equal(2, world.Recv<int>(Communicator.AnySource, Communicator.AnyTag, out Status s));
        Assert.Equal(0, s.Source);
        Assert.Equal(4, s.Tag);
        Assert.Equal(sizeof(int), s.ByteCount);

        world.Send<long>([1, 2, 3], 0, 9);
        var small = new long[2];
        var e = Assert.Throws<MessageTruncatedException>(() => world.Recv<long>(small, 0, 9));
        Assert.Equal(24, e.MessageBytes);
        Assert.False(world.IProbe(0, 9, out _)); // consumed

        Request recv = world.IRecv(new double[1], 0, 3);
        Assert.False(recv.IsCompleted);
        world.Send(2.5, 0, 3);
        Assert.True(recv.Test(out Status rs));
        Assert.Equal(8, rs.ByteCount);

        world.SendObject(new Dictionary<string, int[]> { ["a"] = [1, 2] }, 0, 1);
        Assert.Equal([1, 2], world.RecvObject<Dictionary<string, int[]>>(0, 1)["a"]);

        var dup = world.Dup();
        dup.Send(5, 0, 0);
        Assert.False(world.IProbe(0, 0, out _));
        Assert.Equal(5, dup.Recv<int>(0, 0));
        dup.Dispose();

        Assert.Throws<ArgumentOutOfRangeException>("dest", () => world.Send(1, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>("tag", () => world.Send(1, 0, -1));
        Assert.Throws<ArgumentOutOfRangeException>("source", () => world.Recv<int>(-2, 0));
    }
}
