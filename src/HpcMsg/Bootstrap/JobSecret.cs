using System.Security.Cryptography;

namespace HpcMsg.Bootstrap;

/// <summary>The per-job secret that every TCP connection of a job must prove it knows.</summary>
internal static class JobSecret
{
    public const int Bytes = 32;

    public static byte[] Create() => RandomNumberGenerator.GetBytes(Bytes);

    public static string ToText(byte[] secret) => Convert.ToHexString(secret);

    public static byte[] FromText(string text)
    {
        try
        {
            byte[] secret = Convert.FromHexString(text);
            if (secret.Length != Bytes) throw new FormatException();
            return secret;
        }
        catch (FormatException)
        {
            throw new HpcMsgException($"the job secret is malformed: expected {2 * Bytes} hex digits");
        }
    }
}
