using System.Security.Cryptography;

namespace HpcMsg.Transports.Ofi;

/// <summary>
/// A provider's authorization key (<c>fi_domain_attr.auth_key</c>) from the job's secret. libfabric leaves
/// the key's format to each provider, and a provider says that it takes one by a non-zero
/// <c>auth_key_size</c> in the fi_info it returns. Only where the key is an opaque identifier that the
/// job itself chooses can a key be made from the secret: psm3 (Omni-Path and RoCE through PSM3), whose
/// 16-byte key is the job's PSM UUID (endpoints with another UUID cannot talk to the job's). Elsewhere the
/// key is a grant of the fabric: cxi's is a CXI service id and a VNI that the launcher allocates (Slurm's
/// switch/hpe_slingshot plugin passes them in SLINGSHOT_SVC_IDS and SLINGSHOT_VNIS, from which the cxi
/// provider builds its key when the application passes none); efa and verbs report none. Neither test
/// provider (net, tcp;ofi_rxm) reports one, so no key is set here in tests (docs/ofi.md, Security).
/// </summary>
internal static class OfiAuthKey
{
    private const int MaxBytes = 32; // what one SHA-256 gives

    /// <summary>Whether <paramref name="provider"/>'s auth_key is an identifier the job chooses (psm3).</summary>
    public static bool IsJobIdentifier(string provider) => Core(provider) == "psm3";

    /// <summary>The key to set for <paramref name="provider"/>, which reported <paramref name="reportedSize"/>
    /// bytes of auth_key: the first bytes of SHA-256 over a label and <paramref name="secret"/> (every rank of
    /// the job derives the same key; another job's differs). Null where none is set: no secret (a job under a
    /// process manager without one), a provider that reports no key, one whose key is not the job's to choose,
    /// or a size beyond one hash.</summary>
    public static byte[]? For(string provider, ulong reportedSize, ReadOnlySpan<byte> secret)
    {
        if (secret.IsEmpty || reportedSize == 0 || reportedSize > MaxBytes || !IsJobIdentifier(provider)) return null;
        ReadOnlySpan<byte> label = "hpcmsg libfabric auth_key\0"u8;
        byte[] input = new byte[label.Length + secret.Length];
        label.CopyTo(input);
        secret.CopyTo(input.AsSpan(label.Length));
        return SHA256.HashData(input)[..(int)reportedSize];
    }

    /// <summary>What becomes of the provider's auth_key, in one sentence (for diagnostics).</summary>
    public static string Describe(string provider, ulong reportedSize, bool hasSecret) =>
        reportedSize == 0 ? $"{provider} takes no auth_key: the fabric does not separate jobs"
        : !IsJobIdentifier(provider) ? $"{provider} takes a {reportedSize}-byte auth_key that the fabric grants (not the job's to choose): left to the provider and the launcher"
        : !hasSecret ? $"{provider} takes an auth_key, but the job has no secret to make it from: none set"
        : $"{provider}'s {reportedSize}-byte auth_key is made from the job secret: endpoints of other jobs cannot talk to this one's";

    private static string Core(string provider)
    {
        int semicolon = provider.IndexOf(';', StringComparison.Ordinal);
        return semicolon < 0 ? provider : provider[..semicolon];
    }
}
