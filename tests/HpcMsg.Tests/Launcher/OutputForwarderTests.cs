using System.IO.Pipelines;
using System.Text;
using HpcRun;

namespace HpcMsg.Tests.Launcher;

public sealed class OutputForwarderTests
{
    private static async Task<(string Stdout, string Stderr)> Forward(string? prefix, params string[] chunks)
    {
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        using var sink = new OutputSink(stdout, stderr);
        var pipe = new Pipe();
        Task pump = OutputForwarder.Start(pipe.Reader.AsStream(), sink, toStderr: false, prefix);
        foreach (string chunk in chunks)
        {
            await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(chunk));
            await pipe.Writer.FlushAsync();
        }
        await pipe.Writer.CompleteAsync();
        await pump.WaitAsync(TimeSpan.FromSeconds(10));
        return (Encoding.UTF8.GetString(stdout.ToArray()), Encoding.UTF8.GetString(stderr.ToArray()));
    }

    [Fact]
    public async Task PrefixesEveryLineEvenAcrossChunks()
    {
        var (stdout, stderr) = await Forward("[3] ", "hel", "lo\nwor", "ld\n", "\nlast\n");
        Assert.Equal("[3] hello\n[3] world\n[3] \n[3] last\n", stdout);
        Assert.Empty(stderr);
    }

    [Fact]
    public async Task UntaggedOutputPassesUnchanged()
    {
        var (stdout, _) = await Forward(null, "a\nb", "c\n");
        Assert.Equal("a\nbc\n", stdout);
    }

    [Fact]
    public async Task AnUnfinishedLastLineIsEndedAtEof()
    {
        var (stdout, _) = await Forward("[0] ", "done\nno newline");
        Assert.Equal("[0] done\n[0] no newline\n", stdout);
    }

    [Fact]
    public async Task AnOverlongLineIsPassedOnWithOnePrefix()
    {
        string longLine = new('x', 200_000);
        var (stdout, _) = await Forward("[1] ", longLine[..100_000], longLine[100_000..], "\n");
        Assert.Equal($"[1] {longLine}\n", stdout);
    }
}
