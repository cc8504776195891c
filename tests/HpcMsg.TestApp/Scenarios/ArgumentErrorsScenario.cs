using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// Argument checks: a destination out of range, a negative tag, a source below AnySource, a tag
/// below AnyTag give ArgumentOutOfRangeException naming the argument and its valid range, on every
/// point-to-point entry point; a second Init gives InvalidOperationException. Afterwards the
/// communicator still works (a self-message with the largest tag).
/// </summary>
internal sealed class ArgumentErrorsScenario : IScenario
{
    public string Name => "errors";
    public string Arguments => "";

    public Task RunAsync(Communicator world, string[] args)
    {
        int size = world.Size;
        var ints = new int[4];
        var self = world.Rank;

        OutOfRange("dest", $"{size - 1}", () => world.Send(1, size, 0), "Send to dest = Size");
        OutOfRange("dest", $"{size - 1}", () => world.Send(1, -1, 0), "Send to dest = -1");
        OutOfRange("dest", $"{size - 1}", () => world.Send(1, Communicator.AnySource, 0), "Send to AnySource");
        OutOfRange("tag", "[0, ", () => world.Send(1, self, -1), "Send with tag -1");
        OutOfRange("tag", "[0, ", () => world.Send(1, self, Communicator.AnyTag), "Send with AnyTag");
        OutOfRange("source", $"{size - 1}", () => world.Recv<int>(-2, 0), "Recv from source -2");
        OutOfRange("source", $"{size - 1}", () => world.Recv<int>(size, 0), "Recv from source = Size");
        OutOfRange("tag", "[0, ", () => world.Recv<int>(self, -2), "Recv with tag -2");
        OutOfRange("dest", $"{size - 1}", () => world.ISend(ints, size + 5, 0), "ISend to dest = Size + 5");
        OutOfRange("tag", "[0, ", () => world.ISend(ints, self, -5), "ISend with tag -5");
        OutOfRange("source", $"{size - 1}", () => world.IRecv(ints, -3, 0), "IRecv from source -3");
        OutOfRange("tag", "[0, ", () => world.IRecv(ints, self, -2), "IRecv with tag -2");
        OutOfRange("dest", $"{size - 1}", () => world.SendRecv<int>(ints, size, 0, ints, self, 0), "SendRecv to dest = Size");
        OutOfRange("sendTag", "[0, ", () => world.SendRecv<int>(ints, self, -1, ints, self, 0), "SendRecv with sendTag -1");
        OutOfRange("source", $"{size - 1}", () => world.SendRecv<int>(ints, self, 0, ints, -2, 0), "SendRecv from source -2");
        OutOfRange("recvTag", "[0, ", () => world.SendRecv<int>(ints, self, 0, ints, self, -2), "SendRecv with recvTag -2");
        OutOfRange("source", $"{size - 1}", () => world.Probe(-2, 0), "Probe source -2");
        OutOfRange("tag", "[0, ", () => world.IProbe(self, -2, out _), "IProbe tag -2");
        OutOfRange("dest", $"{size - 1}", () => world.SendObject("x", size, 0), "SendObject to dest = Size");
        OutOfRange("source", $"{size - 1}", () => world.RecvObject<string>(size, 0), "RecvObject from source = Size");

        Check.Throws<InvalidOperationException>(() => Communicator.Init(), "a second Communicator.Init");
        Check.True(ReferenceEquals(world, Communicator.World), "Communicator.World is the communicator Init returned");
        Check.Equal(-1, Communicator.AnySource, "AnySource");
        Check.Equal(-1, Communicator.AnyTag, "AnyTag");
        Check.True(world.TagUpperBound >= 32767, $"TagUpperBound >= 32767 (is {world.TagUpperBound})");

        // Nothing above left a half-posted operation behind: a self-message with the largest tag works.
        Request r = world.IRecv(ints, self, world.TagUpperBound);
        world.Send<int>([1, 2, 3, 4], self, world.TagUpperBound);
        Status status = r.Wait();
        Check.Equal(world.TagUpperBound, status.Tag, "self-message with TagUpperBound: Status.Tag");
        Check.SequenceEqual<int>([1, 2, 3, 4], ints, "self-message with TagUpperBound");
        Check.True(!world.IProbe(Communicator.AnySource, Communicator.AnyTag, out _), "no message left over");
        return Task.CompletedTask;
    }

    private static void OutOfRange(string parameter, string rangeText, Action call, string what)
    {
        ArgumentOutOfRangeException e = Check.Throws<ArgumentOutOfRangeException>(call, what);
        Check.Equal(parameter, e.ParamName, $"{what}: ParamName");
        Check.True(e.Message.Contains(parameter, StringComparison.Ordinal), $"{what}: the message names '{parameter}': {e.Message}");
        Check.True(e.Message.Contains(rangeText, StringComparison.Ordinal), $"{what}: the message gives the valid range ('{rangeText}'): {e.Message}");
    }
}
