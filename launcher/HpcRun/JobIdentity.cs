using System.Globalization;

namespace HpcRun;

internal static class JobIdentity
{
    /// <summary>Random hex plus hpcrun's pid: unique on the host without any coordination, and the pid
    /// lets a person tie a /dev/shm file to the launcher that made it. The random part need not be
    /// secret (the segment's permissions protect it), so it comes from Guid.NewGuid rather than
    /// RandomNumberGenerator, which loads OpenSSL: about 0.1 s of every single-host launch.</summary>
    public static string NewId() =>
        Guid.NewGuid().ToString("N")[..8] + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
}
