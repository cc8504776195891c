namespace HpcMsg.Examples;

/// <summary>Keys, their fingerprint, and the merge of sorted runs.</summary>
internal static class Keys
{
    /// <summary>splitmix64's finaliser: a bijection of 64-bit values with good mixing.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Key number <paramref name="index"/> of the input: a function of the seed and the index
    /// alone, so the input is the same for every rank count. With <paramref name="range"/> &gt; 0 keys
    /// fall in [0, range) (many repeats when the range is small); otherwise anywhere in long's range.</summary>
    public static long Key(int seed, long index, long range)
    {
        ulong z = Mix((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)index * 0xD1B54A32D192ED03UL + 1);
        return range > 0 ? (long)(z % (ulong)range) : (long)z;
    }

    public static long[] Generate(int seed, long start, int count, long range)
    {
        var keys = new long[count];
        for (int i = 0; i < count; i++) keys[i] = Key(seed, start + i, range);
        return keys;
    }

    /// <summary>An order-independent fingerprint of a multiset of keys: the wrapping sum of their
    /// mixed values (equal multisets give equal sums; a lost, added or changed key almost surely not).</summary>
    public static ulong Fingerprint(ReadOnlySpan<long> keys)
    {
        ulong sum = 0;
        foreach (long k in keys) sum += Mix((ulong)k ^ 0x5851F42D4C957F2DUL);
        return sum;
    }

    /// <summary>Merges consecutive sorted runs of <paramref name="data"/> (lengths <paramref name="runs"/>)
    /// pairwise, log2(runs) linear passes; returns the array that holds the result (data or scratch).</summary>
    public static long[] MergeRuns(long[] data, long[] scratch, IReadOnlyList<int> runs)
    {
        var bounds = new List<int> { 0 };
        foreach (int r in runs) bounds.Add(bounds[^1] + r);
        long[] from = data, to = scratch;
        while (bounds.Count > 2)
        {
            var next = new List<int> { 0 };
            for (int b = 0; b + 1 < bounds.Count; b += 2)
            {
                if (b + 2 < bounds.Count)
                {
                    Merge(from, bounds[b], bounds[b + 1], bounds[b + 2], to);
                    next.Add(bounds[b + 2]);
                }
                else
                {
                    Array.Copy(from, bounds[b], to, bounds[b], bounds[b + 1] - bounds[b]);
                    next.Add(bounds[b + 1]);
                }
            }
            bounds = next;
            (from, to) = (to, from);
        }
        return from;
    }

    private static void Merge(long[] src, int lo, int mid, int hi, long[] dst)
    {
        int i = lo, j = mid, k = lo;
        while (i < mid && j < hi) dst[k++] = src[j] < src[i] ? src[j++] : src[i++];
        while (i < mid) dst[k++] = src[i++];
        while (j < hi) dst[k++] = src[j++];
    }
}
