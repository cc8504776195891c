using HpcMsg.Transports.Ofi;

namespace HpcMsg.Tests.Ofi;

/// <summary>The 64-bit tag layout: fields round-trip at their limits, wildcards ignore exactly their
/// bits, an any-tag receive never matches a negative (collective) tag, and out-of-range fields throw.</summary>
public sealed class OfiTagLayoutTests
{
    /// <summary>What libfabric does with a tag and an ignore mask.</summary>
    private static bool Matches(ulong posted, ulong ignore, ulong arrived) => ((posted ^ arrived) & ~ignore) == 0;

    [Theory]
    [InlineData(0, 0, 0, 0)]
    [InlineData(1, 4095, 262143, int.MaxValue)]
    [InlineData(1, 17, 5, -1)]
    [InlineData(1, 1, 262143, int.MinValue)]
    public void Fields_round_trip(int kind, int context, int source, int tag)
    {
        ulong t = OfiTagLayout.Make(kind, context, source, tag);
        Assert.Equal((kind, context, source, tag), (OfiTagLayout.Kind(t), OfiTagLayout.Context(t), OfiTagLayout.Source(t), OfiTagLayout.Tag(t)));
    }

    [Fact]
    public void The_fields_sit_where_the_documented_layout_says()
    {
        Assert.Equal(0x4000_0000_0000_0000UL, OfiTagLayout.Make(1, 0, 0, 0));
        Assert.Equal(0x7FFF_FFFF_FFFF_FFFFUL, OfiTagLayout.Make(1, 4095, 262143, -1));
        Assert.Equal(0x3FFC_0000_0000_0000UL, OfiTagLayout.Make(0, 4095, 0, 0));
        Assert.Equal(0x0003_FFFF_0000_0000UL, OfiTagLayout.Make(0, 0, 262143, 0));
        Assert.Equal(0x0000_0000_FFFF_FFFFUL, OfiTagLayout.Make(0, 0, 0, -1));
    }

    [Fact]
    public void Wildcards_ignore_only_their_fields()
    {
        ulong posted = OfiTagLayout.Make(0, 7, 0, 0);
        ulong any = OfiTagLayout.Ignore(anySource: true, anyTag: true);
        Assert.True(Matches(posted, any, OfiTagLayout.Make(0, 7, 1234, 99)));
        Assert.False(Matches(posted, any, OfiTagLayout.Make(0, 8, 1234, 99)), "another context");
        Assert.False(Matches(posted, any, OfiTagLayout.Make(1, 7, 1234, 99)), "another kind");
        Assert.False(Matches(posted, any, OfiTagLayout.Make(0, 7, 1234, -5)), "a negative tag under any-tag");

        ulong fromFive = OfiTagLayout.Make(0, 7, 5, 0);
        ulong anyTag = OfiTagLayout.Ignore(anySource: false, anyTag: true);
        Assert.True(Matches(fromFive, anyTag, OfiTagLayout.Make(0, 7, 5, int.MaxValue)));
        Assert.False(Matches(fromFive, anyTag, OfiTagLayout.Make(0, 7, 6, 1)), "another source");

        ulong tagThree = OfiTagLayout.Make(0, 7, 0, 3);
        ulong anySource = OfiTagLayout.Ignore(anySource: true, anyTag: false);
        Assert.True(Matches(tagThree, anySource, OfiTagLayout.Make(0, 7, 262143, 3)));
        Assert.False(Matches(tagThree, anySource, OfiTagLayout.Make(0, 7, 262143, 4)), "another tag");
        Assert.Equal(0UL, OfiTagLayout.Ignore(false, false));
    }

    [Fact]
    public void Out_of_range_fields_throw_naming_the_field()
    {
        Assert.Equal("kind", Assert.Throws<ArgumentOutOfRangeException>(() => OfiTagLayout.Make(2, 0, 0, 0)).ParamName);
        Assert.Equal("context", Assert.Throws<ArgumentOutOfRangeException>(() => OfiTagLayout.Make(0, 4096, 0, 0)).ParamName);
        Assert.Equal("source", Assert.Throws<ArgumentOutOfRangeException>(() => OfiTagLayout.Make(0, 0, 262144, 0)).ParamName);
        Assert.Equal("source", Assert.Throws<ArgumentOutOfRangeException>(() => OfiTagLayout.Make(0, 0, -1, 0)).ParamName);
    }

    [Theory]
    [InlineData(0x5555_5555_5555_5555UL, 63)]
    [InlineData(0xAAAA_AAAA_AAAA_AAAAUL, 64)]
    [InlineData(0UL, 64)]
    [InlineData(0x0FFF_FFFF_FFFF_FFFFUL, 60)]
    public void Provider_tag_bits_come_from_mem_tag_format(ulong format, int bits) =>
        Assert.Equal(bits, OfiTagLayout.ProviderBits(format));
    [Fact]
    public void The_job_key_sits_in_the_transport_tags_spare_bits()
    {
        const ulong key = 0x7FF_8000_0001UL; // all 43 bits' ends set
        Assert.Equal(0x1FFC_0000_8000_0001UL, OfiTagLayout.RecordKeyBits(key));
        Assert.Equal(0x1FFC_0000_0000_0000UL, OfiTagLayout.PayloadKeyBits(key));
        Assert.Equal(0UL, OfiTagLayout.RecordKeyBits(key) & (0x3UL << 61 | (ulong)OfiTagLayout.MaxSource << OfiTagLayout.SourceShift)); // kind, payload bit, source untouched
        ulong record = (1UL << 62) | OfiTagLayout.RecordKeyBits(key) | (5UL << OfiTagLayout.SourceShift);
        Assert.Equal(key, OfiTagLayout.KeyOfRecord(record));
        Assert.Equal(5, OfiTagLayout.Source(record));
    }

    [Fact]
    public void A_record_receive_ignores_source_and_key_but_not_kind_or_the_payload_bit()
    {
        ulong posted = 1UL << 62;
        ulong mine = posted | OfiTagLayout.RecordKeyBits(0x123_4567_89ABUL) | (7UL << OfiTagLayout.SourceShift);
        ulong theirs = posted | OfiTagLayout.RecordKeyBits(0x321_0000_0001UL);
        Assert.True(Matches(posted, OfiTagLayout.RecordIgnore, mine));
        Assert.True(Matches(posted, OfiTagLayout.RecordIgnore, theirs), "matched, then dropped and counted");
        Assert.False(Matches(posted, OfiTagLayout.RecordIgnore, mine | (1UL << 61)), "a payload");
        Assert.False(Matches(posted, OfiTagLayout.RecordIgnore, OfiTagLayout.Make(0, 0, 7, 0)), "an application message");
    }

    [Fact]
    public void The_job_key_comes_from_the_secret()
    {
        byte[] one = new byte[32], two = new byte[32];
        two[31] = 1;
        ulong k1 = OfiTagLayout.JobKey(one), k2 = OfiTagLayout.JobKey(two);
        Assert.Equal(k1, OfiTagLayout.JobKey(one.ToArray()));
        Assert.NotEqual(k1, k2);
        Assert.Equal(0UL, k1 & ~OfiTagLayout.KeyMask);
        Assert.Equal(0UL, OfiTagLayout.JobKey([]));
    }
}
