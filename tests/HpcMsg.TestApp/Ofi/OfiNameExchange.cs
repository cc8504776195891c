using System.Diagnostics;

namespace HpcMsg.TestApp.Ofi;

/// <summary>Two plain processes swap their endpoint names through a directory both can see (the
/// namespaces share the file system): each writes <c>&lt;role&gt;.name</c> (hex, renamed into place so
/// that it is never read half-written) and waits for the other's.</summary>
internal static class OfiNameExchange
{
    public static byte[] Swap(string directory, string role, string peerRole, byte[] name, TimeSpan timeout)
    {
        string mine = Path.Combine(directory, role + ".name");
        File.WriteAllText(mine + ".tmp", Convert.ToHexString(name));
        File.Move(mine + ".tmp", mine, overwrite: true);

        string theirs = Path.Combine(directory, peerRole + ".name");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(theirs))
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"no {theirs} within {timeout.TotalSeconds:F0} s");
            Thread.Sleep(10);
        }
        return Convert.FromHexString(File.ReadAllText(theirs).Trim());
    }
}
