using System.Runtime.CompilerServices;
using System.Diagnostics;
using HpcMsg.Internal;

namespace HpcMsg.Collectives;

/// <summary>
/// Reduce and Allreduce. Short vectors (or non-commutative ops): binomial tree / recursive doubling,
/// combining always as (lower ranks) ∘ (higher ranks). Long vectors with a commutative op:
/// Rabenseifner's reduce-scatter by recursive halving, then recursive-doubling allgather (allreduce)
/// or a gather of the blocks at the root (reduce). Non-power-of-two counts fold the first 2*rem ranks
/// in pairs first. The combination order depends only on ranks and sizes, never on timing, so
/// floating-point results are the same on every rank and in every run.
/// </summary>
internal static unsafe class Reduction
{
    public static void Allreduce(CollectiveTransport t, byte* send, byte* recv, int count, Combiner op)
    {
        long bytes = (long)count * op.ElementSize;
        if (t.Size == 1 || count == 0)
        {
            Combine.Copy(send, recv, bytes);
            return;
        }
        AllreduceAlgorithm algorithm = t.Comm.Tuning.ChooseAllreduce(bytes, count, t.Size, op.IsCommutative, NodeSharedCollectives.Available(t.Comm, bytes));
        if (algorithm == AllreduceAlgorithm.Rabenseifner && count >= LargestPowerOfTwo(t.Size))
        {
            Rabenseifner(t, send, recv, count, op, root: -1);
            return;
        }
        Combine.Copy(send, recv, bytes);
        if (algorithm == AllreduceAlgorithm.SharedMemory)
            NodeSharedCollectives.Allreduce(t.Comm, t.Comm.Engine.NodeSlots!, send, recv, count, op);
        else
            RecursiveDoubling(t, recv, count, op);
    }

    public static void Reduce(CollectiveTransport t, byte* send, byte* recv, int count, Combiner op, int root)
    {
        long bytes = (long)count * op.ElementSize;
        if (t.Size == 1)
        {
            Combine.Copy(send, recv, bytes);
            return;
        }
        if (count == 0) return;
        ReduceAlgorithm algorithm = t.Comm.Tuning.ChooseReduce(bytes, count, t.Size, op.IsCommutative);
        if (algorithm == ReduceAlgorithm.ReduceScatterGather && count >= LargestPowerOfTwo(t.Size))
        {
            using ScratchBuffer work = ScratchPool.Rent(bytes);
            Rabenseifner(t, send, work.Pointer, count, op, root, recv);
        }
        else
        {
            Binomial(t, send, recv, count, op, root);
        }
    }

    [SkipLocalsInit]
    private static void Binomial(CollectiveTransport t, byte* send, byte* recv, int count, Combiner op, int root)
    {
        int size = t.Size, rank = t.Rank;
        long bytes = (long)count * op.ElementSize;
        // A non-commutative op needs rank order, which a tree rooted elsewhere than 0 would break.
        int treeRoot = op.IsCommutative ? root : 0;
        int relative = (rank - treeRoot + size) % size;
        // The last child this rank hears from: on the root it is received into recv and combined there.
        int lastChildMask = 0, children = 0;
        for (int mask = 1; mask < size && (relative & mask) == 0; mask <<= 1)
        {
            if ((relative | mask) < size)
            {
                lastChildMask = mask;
                children++;
            }
        }
        // Children received into scratch: tmp for the first, spare from the second on.
        int viaScratch = rank == root && treeRoot == root ? children - 1 : children;
        // None at np 2: the leaf sends send itself, the root receives into recv.
        byte* onStack = stackalloc byte[2 * ScratchPool.StackBytes];
        using ScratchBuffer accBuffer = viaScratch >= 2 ? ScratchPool.Rent(bytes, onStack) : default;
        using ScratchBuffer tmpBuffer = viaScratch >= 1 ? ScratchPool.Rent(bytes, onStack + ScratchPool.StackBytes) : default;
        // acc is the operand of the lower relative ranks so far; it starts as send itself (read only),
        // so that a leaf sends without a copy and the root combines without one.
        byte* acc = send, tmp = tmpBuffer.Pointer, spare = accBuffer.Pointer;
        for (int mask = 1; mask < size; mask <<= 1)
        {
            if ((relative & mask) == 0)
            {
                int childRelative = relative | mask;
                if (childRelative < size)
                {
                    if (mask == lastChildMask && rank == root && treeRoot == root)
                    {
                        // The root's last child lands in recv itself and is combined there: no scratch
                        // (a fresh scratch page costs ~10 us to touch the first time, so a first 4 MiB
                        // Reduce at np 2 spent ~10 ms in page faults for a buffer it did not need).
                        // recv does not overlap acc: acc is send (a copy if send overlapped recv) or scratch.
                        t.Recv(recv, bytes, (childRelative + treeRoot) % size, CollectiveTags.Reduce);
                        op.To(acc, recv, recv, count);
                        acc = recv;
                        continue;
                    }
                    t.Recv(tmp, bytes, (childRelative + treeRoot) % size, CollectiveTags.Reduce);
                    op.To(acc, tmp, tmp, count); // acc covers lower relative ranks than the child
                    byte* freed = acc == send ? spare : acc;
                    acc = tmp;
                    tmp = freed;
                }
            }
            else
            {
                t.Send(acc, bytes, ((relative & ~mask) + treeRoot) % size, CollectiveTags.Reduce);
                break;
            }
        }
        if (treeRoot != root)
        {
            if (rank == treeRoot) t.Send(acc, bytes, root, CollectiveTags.Reduce + 1);
            else if (rank == root) t.Recv(recv, bytes, treeRoot, CollectiveTags.Reduce + 1);
        }
        else if (rank == root)
        {
            Combine.Copy(acc, recv, bytes); // a no-op unless the root had no children (size 1)
        }
    }

    /// <summary>Recursive doubling on <paramref name="acc"/> (which holds this rank's operand).</summary>
    [SkipLocalsInit]
    private static void RecursiveDoubling(CollectiveTransport t, byte* acc, int count, Combiner op)
    {
        int size = t.Size, rank = t.Rank;
        long bytes = (long)count * op.ElementSize;
        byte* onStack = stackalloc byte[ScratchPool.StackBytes];
        using ScratchBuffer tmpBuffer = ScratchPool.Rent(bytes, onStack);
        byte* tmp = tmpBuffer.Pointer;
        int pof2 = LargestPowerOfTwo(size), rem = size - pof2;
        int newRank = FoldIn(t, acc, tmp, count, op, rem);
        if (newRank >= 0)
        {
            byte* result = acc;
            for (int mask = 1; mask < pof2; mask <<= 1)
            {
                int newPartner = newRank ^ mask;
                int partner = newPartner < rem ? newPartner * 2 + 1 : newPartner + rem;
                t.SendRecv(result, bytes, partner, tmp, bytes, partner, CollectiveTags.Allreduce);
                if (partner < rank)
                {
                    op.Into(tmp, result, count);
                }
                else
                {
                    op.Into(result, tmp, count);
                    { byte* swap = result; result = tmp; tmp = swap; }
                }
            }
            Combine.Copy(result, acc, bytes);
        }
        FoldOut(t, acc, bytes, rem);
    }

    /// <summary>Ranks below 2*rem pair up: the odd one takes (even ∘ odd) and stays, the even one
    /// drops out. Returns the rank among the remaining power of two, or -1.</summary>
    private static int FoldIn(CollectiveTransport t, byte* acc, byte* tmp, int count, Combiner op, int rem)
    {
        int rank = t.Rank;
        long bytes = (long)count * op.ElementSize;
        if (rank >= 2 * rem) return rank - rem;
        if (rank % 2 == 0)
        {
            t.Send(acc, bytes, rank + 1, CollectiveTags.Allreduce + 1);
            return -1;
        }
        t.Recv(tmp, bytes, rank - 1, CollectiveTags.Allreduce + 1);
        op.Into(tmp, acc, count);
        return rank / 2;
    }

    private static void FoldOut(CollectiveTransport t, byte* acc, long bytes, int rem)
    {
        int rank = t.Rank;
        if (rank >= 2 * rem) return;
        if (rank % 2 == 1) t.Send(acc, bytes, rank - 1, CollectiveTags.Allreduce + 2);
        else t.Recv(acc, bytes, rank + 1, CollectiveTags.Allreduce + 2);
    }

    /// <summary>Rabenseifner: reduce-scatter by recursive halving over the power-of-two group, then
    /// either recursive-doubling allgather (root &lt; 0: allreduce, result in acc on every rank) or a
    /// gather of the blocks at <paramref name="root"/> into <paramref name="rootRecv"/>. The input is
    /// <paramref name="source"/> (it may be <paramref name="acc"/>); on a power-of-two group the first
    /// halving sends from it and combines it straight into acc, saving a copy of the whole vector.</summary>
    private static void Rabenseifner(CollectiveTransport t, byte* source, byte* acc, int count, Combiner op, int root, byte* rootRecv = null)
    {
        int size = t.Size, rank = t.Rank, elem = op.ElementSize;
        long bytes = (long)count * elem;
        int pof2 = LargestPowerOfTwo(size), rem = size - pof2;
        // On a power-of-two group whose input is not acc the halving needs no scratch: the first step
        // receives the partner's half straight into its place in acc and combines it there, and the
        // later steps receive into the half of acc the first step sent away (free until the allgather;
        // it holds at least the next step's quarter, as count >= pof2). Scratch touched for the first
        // time costs ~10 us a page here: a first 4 MiB Allreduce spent ~5 ms faulting in its halves.
        bool inAcc = rem == 0 && source != acc;
        using ScratchBuffer tmpBuffer = ScratchPool.Rent(inAcc ? 1 : bytes);
        byte* tmp = tmpBuffer.Pointer;
        byte* free = null;
        long freeBytes = 0;
        if (rem != 0)
        {
            // Folding the extra ranks in works on acc from the start.
            Combine.Copy(source, acc, bytes);
            source = acc;
        }
        int newRank = FoldIn(t, acc, tmp, count, op, rem);

        Span<int> counts = pof2 <= 256 ? stackalloc int[pof2] : new int[pof2];
        Span<int> displs = pof2 <= 256 ? stackalloc int[pof2] : new int[pof2];
        for (int i = 0, offset = 0; i < pof2; i++)
        {
            counts[i] = count / pof2 + (i < count % pof2 ? 1 : 0);
            displs[i] = offset;
            offset += counts[i];
        }

        int sendIndex = 0, recvIndex = 0, lastIndex = pof2;
        if (newRank >= 0)
        {
            for (int mask = 1; mask < pof2; mask <<= 1)
            {
                int newPartner = newRank ^ mask;
                int partner = newPartner < rem ? newPartner * 2 + 1 : newPartner + rem;
                if (newRank < newPartner)
                {
                    sendIndex = recvIndex + pof2 / (mask * 2);
                }
                else
                {
                    recvIndex = sendIndex + pof2 / (mask * 2);
                }
                int lowStart = Math.Min(sendIndex, recvIndex), highStart = Math.Max(sendIndex, recvIndex);
                int sendCount = newRank < newPartner ? Sum(counts, highStart, lastIndex) : Sum(counts, lowStart, highStart);
                int recvCount = newRank < newPartner ? Sum(counts, lowStart, highStart) : Sum(counts, highStart, lastIndex);
                byte* input = mask == 1 ? source : acc; // later halvings work on what the first one combined into acc
                byte* sendPtr = input + (long)displs[sendIndex] * elem;
                byte* recvIn = input + (long)displs[recvIndex] * elem;
                byte* recvAcc = acc + (long)displs[recvIndex] * elem;
                byte* recvTmp = !inAcc ? tmp + (long)displs[recvIndex] * elem : mask == 1 ? recvAcc : free;
                Debug.Assert(!inAcc || mask == 1 || (long)recvCount * elem <= freeBytes);
                t.SendRecv(sendPtr, (long)sendCount * elem, partner, recvTmp, (long)recvCount * elem, partner, CollectiveTags.Allreduce + 3);
                if (mask == 1)
                {
                    free = acc + (long)displs[sendIndex] * elem;
                    freeBytes = (long)sendCount * elem;
                }
                if (partner < rank)
                {
                    op.To(recvTmp, recvIn, recvAcc, recvCount);
                }
                else
                {
                    op.To(recvIn, recvTmp, recvAcc, recvCount);
                }
                sendIndex = recvIndex;
                if (mask * 2 < pof2) lastIndex = recvIndex + pof2 / (mask * 2); // the allgather relies on the last one staying
            }
            // Now block FinalBlock(newRank) of acc holds that block's reduction over all ranks.
        }

        if (root >= 0)
        {
            GatherBlocks(t, acc, rootRecv, counts, displs, elem, newRank, rem, root);
            return;
        }

        if (newRank >= 0)
        {
            for (int mask = pof2 >> 1; mask > 0; mask >>= 1)
            {
                int newPartner = newRank ^ mask;
                int partner = newPartner < rem ? newPartner * 2 + 1 : newPartner + rem;
                int sendCount, recvCount;
                if (newRank < newPartner)
                {
                    if (mask != pof2 / 2) lastIndex += pof2 / (mask * 2);
                    recvIndex = sendIndex + pof2 / (mask * 2);
                    sendCount = Sum(counts, sendIndex, recvIndex);
                    recvCount = Sum(counts, recvIndex, lastIndex);
                }
                else
                {
                    recvIndex = sendIndex - pof2 / (mask * 2);
                    sendCount = Sum(counts, sendIndex, lastIndex);
                    recvCount = Sum(counts, recvIndex, sendIndex);
                }
                t.SendRecv(acc + (long)displs[sendIndex] * elem, (long)sendCount * elem, partner,
                    acc + (long)displs[recvIndex] * elem, (long)recvCount * elem, partner, CollectiveTags.Allreduce + 4);
                if (newRank > newPartner) sendIndex = recvIndex;
            }
        }
        FoldOut(t, acc, bytes, rem);
    }

    /// <summary>Each remaining rank sends its reduced block straight to the root.</summary>
    private static void GatherBlocks(CollectiveTransport t, byte* acc, byte* rootRecv, Span<int> counts, Span<int> displs, int elem, int newRank, int rem, int root)
    {
        int pof2 = counts.Length;
        if (t.Rank == root)
        {
            for (int owner = 0; owner < pof2; owner++)
            {
                int block = FinalBlock(owner, pof2);
                int ownerRank = owner < rem ? owner * 2 + 1 : owner + rem;
                byte* dest = rootRecv + (long)displs[block] * elem;
                if (ownerRank == t.Rank) Combine.Copy(acc + (long)displs[block] * elem, dest, (long)counts[block] * elem);
                else t.Recv(dest, (long)counts[block] * elem, ownerRank, CollectiveTags.Reduce + 2);
            }
        }
        else if (newRank >= 0)
        {
            int block = FinalBlock(newRank, pof2);
            t.Send(acc + (long)displs[block] * elem, (long)counts[block] * elem, root, CollectiveTags.Reduce + 2);
        }
    }

    /// <summary>The block a rank of the power-of-two group holds after recursive halving (the
    /// halving keeps the lower half on the lower partner, so this is a bit reversal of newRank).</summary>
    private static int FinalBlock(int newRank, int pof2)
    {
        int sendIndex = 0, recvIndex = 0;
        for (int mask = 1; mask < pof2; mask <<= 1)
        {
            if (newRank < (newRank ^ mask)) sendIndex = recvIndex + pof2 / (mask * 2);
            else recvIndex = sendIndex + pof2 / (mask * 2);
            sendIndex = recvIndex;
        }
        return recvIndex;
    }

    private static int Sum(Span<int> counts, int from, int to)
    {
        int s = 0;
        for (int i = from; i < to; i++) s += counts[i];
        return s;
    }

    public static int LargestPowerOfTwo(int n)
    {
        int p = 1;
        while (p * 2 <= n) p *= 2;
        return p;
    }
}
