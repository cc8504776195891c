using System.Text;

namespace HpcRun;

/// <summary>
/// hpcrun's stdout and stderr behind one lock, so that lines from different ranks (and hpcrun's own
/// messages) never interleave mid-line. Writes go straight to the file descriptors, unbuffered.
/// </summary>
internal sealed class OutputSink : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Stream _stdout;
    private readonly Stream _stderr;
    // A closed reader (hpcrun ... | head) must not stop the ranks: their pipes must keep draining.
    private bool _stdoutBroken;
    private bool _stderrBroken;

    public OutputSink()
        : this(Console.OpenStandardOutput(), Console.OpenStandardError()) { }

    public OutputSink(Stream stdout, Stream stderr)
    {
        _stdout = stdout;
        _stderr = stderr;
    }

    public void Write(bool toStderr, ReadOnlySpan<byte> bytes)
    {
        lock (_lock)
        {
            if (toStderr ? _stderrBroken : _stdoutBroken) return;
            Stream target = toStderr ? _stderr : _stdout;
            try
            {
                target.Write(bytes);
                target.Flush();
            }
            catch (IOException)
            {
                if (toStderr) _stderrBroken = true;
                else _stdoutBroken = true;
            }
        }
    }

    /// <summary>One line of hpcrun's own, on stderr.</summary>
    public void Error(string line) => Write(toStderr: true, Encoding.UTF8.GetBytes(line + "\n"));

    public void Dispose()
    {
        _stdout.Dispose();
        _stderr.Dispose();
    }
}
