using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// A message longer than the receive buffer throws MessageTruncatedException (with the right
/// source, tag and sizes), writes nothing past the buffer, is consumed, and the next message with
/// the same tag is received intact. Eager and large sizes; blocking, non-blocking, wildcard-source
/// and typed receives. Rank 0 sends to rank 1 (blocking), a lone rank to itself (non-blocking).
/// </summary>
internal sealed class TruncateScenario : IScenario
{
    private const int Guard = 32;
    private const byte GuardByte = 0x5A;
    private const int FollowUpBytes = 10;

    private enum Mode { Blocking, NonBlocking, WildcardSource, TypedInts, EmptyBuffer }

    private sealed record Case(int Bytes, int Capacity, Mode Mode);

    private static readonly Case[] Cases = BuildCases();

    public string Name => "truncate";
    public string Arguments => "";

    private static Case[] BuildCases()
    {
        var cases = new List<Case>();
        foreach (int n in new[] { 100, 16384, 16385, (1 << 20) + 3 })
        {
            foreach (Mode mode in new[] { Mode.Blocking, Mode.NonBlocking, Mode.WildcardSource })
                cases.Add(new Case(n, n - 1, mode));
        }
        cases.Add(new Case(100, 96, Mode.TypedInts));
        cases.Add(new Case(100, 0, Mode.EmptyBuffer));
        cases.Add(new Case(1 << 20, 0, Mode.EmptyBuffer));
        return [.. cases];
    }

    public Task RunAsync(Communicator world, string[] args)
    {
        if (world.Size == 1)
        {
            for (int c = 0; c < Cases.Length; c++)
            {
                Request big = world.ISend(Patterns.Make(Cases[c].Bytes, BigKey(c)), 0, Tag(c));
                Request next = world.ISend(Patterns.Make(FollowUpBytes, FollowUpKey(c)), 0, Tag(c));
                Receive(world, 0, c);
                Request.WaitAll(big, next);
            }
        }
        else if (world.Rank == 0)
        {
            for (int c = 0; c < Cases.Length; c++)
            {
                world.Send<byte>(Patterns.Make(Cases[c].Bytes, BigKey(c)), 1, Tag(c)); // large ones return once rank 1 refused them
                world.Send<byte>(Patterns.Make(FollowUpBytes, FollowUpKey(c)), 1, Tag(c));
            }
        }
        else if (world.Rank == 1)
        {
            for (int c = 0; c < Cases.Length; c++) Receive(world, 0, c);
        }
        if (world.Rank <= 1)
            Check.True(!world.IProbe(Communicator.AnySource, Communicator.AnyTag, out _), "a message is left over after all cases");
        return Task.CompletedTask;
    }

    private static int Tag(int c) => 10 + c;
    private static long BigKey(int c) => 1000 + c;
    private static long FollowUpKey(int c) => 7000 + c;

    private static void Receive(Communicator world, int source, int c)
    {
        Case k = Cases[c];
        string what = $"case {c}: {k.Bytes}-byte message into {k.Capacity} bytes ({k.Mode})";
        var buffer = new byte[k.Capacity + Guard];
        buffer.AsSpan().Fill(GuardByte);
        MessageTruncatedException e = Check.Throws<MessageTruncatedException>(() => ReceiveInto(world, source, c, buffer), what);
        Check.Equal(source, e.SourceRank, $"{what}: SourceRank");
        Check.Equal(Tag(c), e.Tag, $"{what}: Tag");
        Check.Equal((long)k.Bytes, e.MessageBytes, $"{what}: MessageBytes");
        Check.Equal((long)k.Capacity, e.BufferBytes, $"{what}: BufferBytes");
        Patterns.VerifyUntouched(buffer.AsSpan(k.Capacity), GuardByte, what);

        var next = new byte[FollowUpBytes];
        Status status = world.Recv<byte>(next, source, Tag(c));
        Check.Equal((long)FollowUpBytes, status.ByteCount, $"{what}: the next message's ByteCount");
        Patterns.Verify(next, FollowUpKey(c), $"{what}: the next message");
    }

    private static void ReceiveInto(Communicator world, int source, int c, byte[] buffer)
    {
        Case k = Cases[c];
        switch (k.Mode)
        {
            case Mode.Blocking:
                world.Recv(buffer.AsSpan(0, k.Capacity), source, Tag(c));
                break;
            case Mode.EmptyBuffer:
                world.Recv(Span<byte>.Empty, source, Tag(c));
                break;
            case Mode.WildcardSource:
                world.Recv(buffer.AsSpan(0, k.Capacity), Communicator.AnySource, Tag(c));
                break;
            case Mode.TypedInts:
                world.Recv(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(buffer.AsSpan(0, k.Capacity)), source, Tag(c));
                break;
            case Mode.NonBlocking:
                Request r = world.IRecv(buffer.AsMemory(0, k.Capacity), source, Tag(c));
                try
                {
                    r.Wait();
                }
                finally
                {
                    Check.True(r.IsCompleted, "a request that failed with truncation IsCompleted");
                }
                break;
        }
    }
}
