namespace HpcMsg.Transports.Ofi;

/// <summary>A libfabric call failed: names the call, the provider and libfabric's own text for the code.</summary>
internal sealed class OfiException : Exception
{
    public OfiException(string call, int code, string text)
        : base($"{call} failed: {text} ({code})") => Code = code;

    /// <summary>The libfabric error code, negative as the call returned it.</summary>
    public int Code { get; }

    /// <summary>Throws for a negative <paramref name="rc"/>; returns it otherwise.</summary>
    public static long Check(OfiLibrary library, long rc, string call)
    {
        if (rc < 0) throw new OfiException(call, (int)rc, library.StrError((int)rc));
        return rc;
    }
}
