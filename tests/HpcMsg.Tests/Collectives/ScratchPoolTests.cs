using HpcMsg.Internal;

namespace HpcMsg.Tests.Collectives;

/// <summary>
/// The collectives' temporaries: up to <see cref="ScratchPool.StackBytes"/> in the caller's own
/// stack block (never handed to the pool, which would give it to another call after this frame is
/// gone), above it a pooled block that is returned and reused.
/// </summary>
public sealed unsafe class ScratchPoolTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(ScratchPool.StackBytes)]
    public void A_temporary_that_fits_is_the_callers_stack_block(long bytes)
    {
        byte* block = stackalloc byte[ScratchPool.StackBytes];
        using ScratchBuffer buffer = ScratchPool.Rent(bytes, block);
        Assert.True(buffer.Pointer == block);
    }

    [Fact]
    public void A_stack_block_is_not_returned_to_the_pool()
    {
        byte* block = stackalloc byte[ScratchPool.StackBytes];
        ScratchPool.Rent(16, block).Dispose();
        // Were it pooled, the next small rent on this thread would get it back.
        using ScratchBuffer pooled = ScratchPool.Rent(16);
        Assert.False(pooled.Pointer == block);
    }

    [Fact]
    public void A_larger_temporary_comes_from_the_pool_and_is_reused()
    {
        byte* block = stackalloc byte[ScratchPool.StackBytes];
        const long bytes = ScratchPool.StackBytes + 1;
        byte* first;
        using (ScratchBuffer buffer = ScratchPool.Rent(bytes, block))
        {
            first = buffer.Pointer;
            Assert.False(first == block);
            new Span<byte>(first, (int)bytes).Fill(0x5A); // the whole block is usable
        }
        using ScratchBuffer again = ScratchPool.Rent(bytes, block);
        Assert.True(again.Pointer == first);
    }
}
