using HpcMsg.Transports.Ofi;

namespace HpcMsg.Tests.Ofi;

/// <summary>
/// The provider auth_key from the job secret (<see cref="OfiAuthKey"/>): made only for a provider whose key
/// is the job's to choose (psm3's 16-byte job UUID) and that reports a key size, the same for every rank of
/// a job and different for another job; none for cxi (its key is a VNI the launcher grants), for a
/// provider that reports no key, or without a secret. Neither test provider takes a key, so an endpoint
/// opened with a secret gets none: no job here runs with one (docs/ofi.md, Security).
/// </summary>
public sealed class OfiAuthKeyTests
{
    private static readonly byte[] Secret = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    [Fact]
    public void A_psm3_key_is_made_from_the_secret_the_same_for_each_rank_and_different_per_job()
    {
        byte[]? a = OfiAuthKey.For("psm3", 16, Secret), b = OfiAuthKey.For("psm3", 16, [.. Secret]);
        byte[]? other = OfiAuthKey.For("psm3", 16, [.. Secret.Select(x => (byte)(x ^ 0x5A))]);
        Assert.NotNull(a);
        Assert.Equal(16, a.Length);
        Assert.Equal(a, b);
        Assert.NotNull(other);
        Assert.NotEqual(a, other);
        Assert.NotEqual(Secret[..16], a); // a hash, not the secret itself
    }

    [Theory]
    [InlineData("cxi", 8UL, true)]
    [InlineData("efa", 0UL, true)]
    [InlineData("net", 0UL, true)]
    [InlineData("tcp;ofi_rxm", 0UL, true)]
    [InlineData("psm3", 0UL, true)]
    [InlineData("psm3", 16UL, false)]
    [InlineData("psm3", 64UL, true)]
    public void No_key_where_it_is_not_the_jobs_to_choose_or_nothing_to_make_it_from(string provider, ulong reported, bool withSecret)
    {
        Assert.Null(OfiAuthKey.For(provider, reported, withSecret ? Secret : []));
    }

    [OfiTheory]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void The_test_providers_report_no_auth_key_so_none_is_set(string provider)
    {
        using OfiEndpoint e = OfiEndpoint.Open(OfiLibrary.Shared, provider, "127.0.0.1", peers: 1, jobSecret: Secret);
        Assert.Equal(0UL, e.AuthKeySize);
        Assert.False(e.AuthKeyFromJob);
        Assert.Contains("takes no auth_key", OfiAuthKey.Describe(provider, e.AuthKeySize, hasSecret: true), StringComparison.Ordinal);
    }
}
