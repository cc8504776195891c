using System.Buffers;
using System.Text;

namespace HpcRun;

/// <summary>
/// Copies one rank's stdout or stderr to hpcrun's, whole lines at a time, with "[rank] " in front of
/// each line when asked. Works on bytes, so the app's output reaches the terminal exactly as written.
/// </summary>
internal sealed class OutputForwarder
{
    /// <summary>A line longer than this is passed on in pieces rather than held without bound.</summary>
    private const int MaxHeldBytes = 64 * 1024;

    private readonly Stream _source;
    private readonly OutputSink _sink;
    private readonly bool _toStderr;
    private readonly byte[] _prefix;
    private readonly ArrayBufferWriter<byte> _out = new();
    private readonly ArrayBufferWriter<byte> _held = new();
    private bool _atLineStart = true;

    private OutputForwarder(Stream source, OutputSink sink, bool toStderr, string? prefix)
    {
        _source = source;
        _sink = sink;
        _toStderr = toStderr;
        _prefix = prefix is null ? [] : Encoding.UTF8.GetBytes(prefix);
    }

    /// <summary>Starts pumping; the task ends when the rank's end of the pipe is closed (it exited).</summary>
    public static Task Start(Stream source, OutputSink sink, bool toStderr, string? prefix) =>
        Task.Run(() => new OutputForwarder(source, sink, toStderr, prefix).PumpAsync());

    private async Task PumpAsync()
    {
        byte[] buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                int n = await _source.ReadAsync(buffer).ConfigureAwait(false);
                if (n == 0) break;
                Accept(buffer.AsSpan(0, n));
            }
        }
        catch (IOException)
        {
            // The pipe broke: forward what we have.
        }
        catch (ObjectDisposedException)
        {
        }
        Finish();
    }

    private void Accept(ReadOnlySpan<byte> data)
    {
        int lastNewline = data.LastIndexOf((byte)'\n');
        if (lastNewline < 0)
        {
            _held.Write(data);
            if (_held.WrittenCount >= MaxHeldBytes) EmitHeld();
            return;
        }
        _out.ResetWrittenCount();
        Format(_held.WrittenSpan);
        _held.ResetWrittenCount();
        Format(data[..(lastNewline + 1)]);
        _held.Write(data[(lastNewline + 1)..]);
        _sink.Write(_toStderr, _out.WrittenSpan);
    }

    private void EmitHeld()
    {
        _out.ResetWrittenCount();
        Format(_held.WrittenSpan);
        _held.ResetWrittenCount();
        if (_out.WrittenCount > 0) _sink.Write(_toStderr, _out.WrittenSpan);
    }

    /// <summary>The rank's last line may lack its newline; end it so the next writer starts clean.</summary>
    private void Finish()
    {
        EmitHeld();
        if (!_atLineStart) _sink.Write(_toStderr, "\n"u8);
    }

    private void Format(ReadOnlySpan<byte> text)
    {
        while (!text.IsEmpty)
        {
            if (_atLineStart) _out.Write(_prefix);
            int nl = text.IndexOf((byte)'\n');
            if (nl < 0)
            {
                _out.Write(text);
                _atLineStart = false;
                return;
            }
            _out.Write(text[..(nl + 1)]);
            _atLineStart = true;
            text = text[(nl + 1)..];
        }
    }
}
