using HpcMsg.Transports;
using HpcMsg.Transports.Shm;

namespace HpcMsg.Tests.Transports;

public sealed class ShmLayoutTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    [InlineData(64)]
    [InlineData(256)]
    public void RingsAreCacheLineAlignedAndTheSegmentStaysBounded(int np)
    {
        int cap = ShmLayout.RingCapacityFor(np);
        Assert.True(cap >= ShmLayout.MinRingCapacity && cap <= ShmLayout.MaxRingCapacity);
        Assert.Equal(0, cap & (cap - 1));
        Assert.Equal(0, ShmLayout.RingOffset(np, cap, np - 1, 0) % ShmLayout.CacheLine);
        long total = ShmLayout.TotalBytes(np, cap);
        Assert.True(total < 300L * 1024 * 1024, $"segment for {np} ranks is {total} bytes");
        Assert.True(ShmLayout.RingOffset(np, cap, np - 1, np - 1) + ShmLayout.RingStride(cap) <= total);
    }

    [Fact]
    public void CreatedSegmentIsPrivateAndOpensWithItsGeometry()
    {
        string path = ShmSegment.PathFor("unit-" + Guid.NewGuid().ToString("N"));
        try
        {
            ShmSegment.Create(path, 3);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            using var seg = ShmSegment.Open(path);
            Assert.Equal(3, seg.Size);
            Assert.Equal(ShmLayout.RingCapacityFor(3), seg.RingCapacity);
            Assert.Throws<IOException>(() => ShmSegment.Create(path, 3)); // never reuses a stale file
        }
        finally
        {
            ShmSegment.Remove(path);
        }
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void OpeningAMissingSegmentNamesIt()
    {
        var e = Assert.Throws<TransportException>(() => ShmSegment.Open("/dev/shm/hpcmsg-does-not-exist"));
        Assert.Contains("/dev/shm/hpcmsg-does-not-exist", e.Message);
    }
}
