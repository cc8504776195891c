using System.Globalization;
using System.Security.Cryptography;

namespace HpcRun;

internal static class JobIdentity
{
    /// <summary>Random hex plus hpcrun's pid: unique on the host without any coordination, and the pid
    /// lets a person tie a /dev/shm file to the launcher that made it.</summary>
    public static string NewId() =>
        RandomNumberGenerator.GetHexString(8, lowercase: true) + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
}
