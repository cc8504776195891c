using System.Text;

namespace HpcMsg.Tests.Infrastructure;

/// <summary>Reads a child's stream to its end on a task of its own; <see cref="Snapshot"/> gives what
/// has come so far, so that a job killed on timeout still shows its output.</summary>
internal sealed class OutputCollector
{
    private readonly StringBuilder _text = new();
    private readonly Task _pump;

    public OutputCollector(StreamReader reader) => _pump = Task.Run(() => Pump(reader));

    /// <summary>Waits for the end of the stream (every holder of the pipe has closed it).</summary>
    public bool WaitForEnd(TimeSpan timeout) => _pump.Wait(timeout);

    public string Snapshot()
    {
        lock (_text) return _text.ToString();
    }

    private async Task Pump(StreamReader reader)
    {
        var buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            lock (_text) _text.Append(buffer, 0, n);
        }
    }
}
