namespace HpcMsg.TestApp.Support;

/// <summary>What the kernel says about this process's TCP sockets (Linux /proc), independently of the
/// library's own bookkeeping.</summary>
internal static class TcpSockets
{
    /// <summary>This process's TCP sockets in state ESTABLISHED: its descriptors that are sockets,
    /// matched by inode against the network namespace's TCP tables.</summary>
    public static int Established()
    {
        var mine = new HashSet<string>();
        foreach (string fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            string? target;
            try { target = new FileInfo(fd).LinkTarget; }
            catch (IOException) { continue; } // closed meanwhile
            if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)) mine.Add(target[8..^1]);
        }
        int n = 0;
        foreach (string table in (string[])["/proc/self/net/tcp", "/proc/self/net/tcp6"])
        {
            if (!File.Exists(table)) continue;
            foreach (string line in File.ReadLines(table).Skip(1))
            {
                string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length > 9 && f[3] == "01" && mine.Contains(f[9])) n++;
            }
        }
        return n;
    }
}
