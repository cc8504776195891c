using System.Globalization;
using System.Text;

namespace HpcMsg.Bootstrap.Pmi;

/// <summary>
/// The text framing of the PMI wire protocols, shared by both clients. PMI-1 is one line per message,
/// <c>cmd=name key=value ...</c> ended by a newline. PMI-2 starts with a PMI-1 style init line, then
/// every message is a 6-character decimal length padded with spaces (<c>%-6d</c>) followed by
/// <c>key=value;</c> pairs. Neither can escape its separators reliably (Slurm's PMI-2 server does not
/// understand MPICH's <c>;;</c>), so what this library stores is hex (<see cref="Encode"/>).
/// </summary>
internal static class PmiWire
{
    public const int LengthDigits = 6;

    /// <summary>Longest PMI-1 line or PMI-2 message this client accepts from a server (a value is at
    /// most 1024 characters in both; the rest is room for the command and the other fields).</summary>
    public const int MaxMessage = 64 * 1024;

    /// <summary>Hex of the UTF-8 bytes: only [0-9A-F], safe in both protocols whatever the text was.</summary>
    public static string Encode(string text) => Convert.ToHexString(Encoding.UTF8.GetBytes(text));

    public static string Decode(string hex, string what)
    {
        try { return Encoding.UTF8.GetString(Convert.FromHexString(hex)); }
        catch (FormatException) { throw new HpcMsgException($"PMI: the value of {what} is not hex: '{Shorten(hex)}'"); }
    }

    /// <summary>Writes one PMI-1 line (the newline is added).</summary>
    public static void WriteLine(Stream stream, string line)
    {
        Send(stream, Encoding.ASCII.GetBytes(line + "\n"), line);
    }

    /// <summary>Reads up to the newline, byte by byte (nothing after it is taken from the stream);
    /// <paramref name="wait"/>, when given, bounds the wait for its first byte.</summary>
    public static string ReadLine(Stream stream, string waitingFor, PmiWait? wait = null)
    {
        wait?.UntilReadable(stream, waitingFor);
        var line = new StringBuilder(64);
        while (true)
        {
            int b;
            try { b = stream.ReadByte(); }
            catch (IOException) { throw ServerClosed(waitingFor); }
            if (b < 0) throw ServerClosed(waitingFor);
            if (b == '\n') return line.ToString();
            if (line.Length >= MaxMessage) throw new HpcMsgException($"PMI: a line of more than {MaxMessage} characters came while waiting for {waitingFor}");
            line.Append((char)b);
        }
    }

    /// <summary>Writes one PMI-2 message: the padded length, then the body.</summary>
    public static void WriteFrame(Stream stream, string body)
    {
        byte[] payload = Encoding.ASCII.GetBytes(body);
        if (payload.Length >= 1_000_000) throw new HpcMsgException($"PMI-2: a message of {payload.Length} bytes does not fit the 6-digit length");
        byte[] frame = new byte[LengthDigits + payload.Length];
        Encoding.ASCII.GetBytes(payload.Length.ToString(CultureInfo.InvariantCulture).PadRight(LengthDigits), frame);
        payload.CopyTo(frame, LengthDigits);
        Send(stream, frame, body);
    }

    private static void Send(Stream stream, byte[] bytes, string what)
    {
        try
        {
            stream.Write(bytes);
            stream.Flush();
        }
        catch (IOException e)
        {
            throw new HpcMsgException($"PMI: the connection to the process manager broke while sending '{Shorten(what)}': {e.Message}", e);
        }
    }

    /// <summary>Reads one PMI-2 message; <paramref name="wait"/>, when given, bounds the wait for its first byte.</summary>
    public static string ReadFrame(Stream stream, string waitingFor, PmiWait? wait = null)
    {
        wait?.UntilReadable(stream, waitingFor);
        Span<byte> header = stackalloc byte[LengthDigits];
        ReadExactly(stream, header, waitingFor);
        string text = Encoding.ASCII.GetString(header).Trim();
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int length) || length > MaxMessage)
            throw new HpcMsgException($"PMI-2: malformed length '{text}' while waiting for {waitingFor} (is the server speaking PMI-2?)");
        byte[] body = new byte[length];
        ReadExactly(stream, body, waitingFor);
        return Encoding.ASCII.GetString(body);
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string waitingFor)
    {
        int got = 0;
        while (got < buffer.Length)
        {
            int n;
            try { n = stream.Read(buffer[got..]); }
            catch (IOException) { throw ServerClosed(waitingFor); }
            if (n == 0) throw ServerClosed(waitingFor);
            got += n;
        }
    }

    /// <summary>Splits <c>k=v</c> fields on <paramref name="separator"/>; a later key wins.</summary>
    public static Dictionary<string, string> Fields(string message, char separator)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string part in message.Split(separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0) continue;
            fields[part[..eq]] = part[(eq + 1)..];
        }
        return fields;
    }

    /// <summary>Checks the reply's command and rc; throws naming the request and the server's message.</summary>
    public static Dictionary<string, string> Expect(string reply, char separator, string expectedCmd, string request)
    {
        Dictionary<string, string> f = Fields(reply, separator);
        if (!f.TryGetValue("cmd", out string? cmd) || cmd != expectedCmd)
            throw new HpcMsgException($"PMI: expected '{expectedCmd}' in reply to {request}, got '{Shorten(reply)}'");
        if (f.TryGetValue("rc", out string? rc) && rc != "0")
        {
            string why = f.TryGetValue("msg", out string? m) ? m : f.TryGetValue("errmsg", out string? e) ? e : reply;
            throw new HpcMsgException($"PMI: {request} failed with rc={rc}: {Shorten(why)}");
        }
        return f;
    }

    public static int IntField(Dictionary<string, string> f, string key, string request) =>
        f.TryGetValue(key, out string? text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw new HpcMsgException($"PMI: the reply to {request} has no integer '{key}'");

    /// <summary>Rejects a key or value the protocol cannot carry, naming the limit.</summary>
    public static void CheckKeyValue(string key, string value, int keyMax, int valueMax)
    {
        if (key.Length == 0 || key.Length > keyMax)
            throw new HpcMsgException($"PMI: key '{Shorten(key)}' has {key.Length} characters; the server allows 1 to {keyMax}");
        if (value.Length > valueMax)
            throw new HpcMsgException($"PMI: the value of key '{key}' has {value.Length} characters; the server allows at most {valueMax}");
        foreach (char c in key + value)
        {
            if (c is ';' or '=' or ' ' or '\n' or '\r' || c > 126 || c < 33)
                throw new HpcMsgException($"PMI: key '{Shorten(key)}' or its value holds '{(c < 33 ? $"\\x{(int)c:X2}" : c.ToString())}', which the wire cannot carry (encode it)");
        }
    }

    /// <summary>Free text (an abort message) made safe for the wire: separators become spaces or '_'.</summary>
    public static string Sanitize(string text, char separator)
    {
        var b = new StringBuilder(Math.Min(text.Length, 200));
        foreach (char c in text)
        {
            if (b.Length >= 200) break;
            b.Append(c == separator || c == '=' || c < 32 || c > 126 ? '_' : c);
        }
        return b.ToString();
    }

    private static HpcMsgException ServerClosed(string waitingFor) =>
        new($"PMI: the process manager closed the connection while this rank waited for {waitingFor} (the step is ending, or the launcher is not speaking this PMI version)");

    private static string Shorten(string s) => s.Length <= 120 ? s : s[..120] + "...";
}
