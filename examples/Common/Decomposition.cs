namespace HpcMsg.Examples;

/// <summary>Block distributions and process grids that work for any rank count.</summary>
internal static class Decomposition
{
    /// <summary>Part <paramref name="index"/> of <paramref name="n"/> items cut into
    /// <paramref name="parts"/> contiguous blocks whose sizes differ by at most one.</summary>
    public static (long Start, long Count) Block(long n, int parts, int index)
    {
        long start = n * index / parts, end = n * (index + 1) / parts;
        return (start, end - start);
    }

    public static (int Start, int Count) Block(int n, int parts, int index)
    {
        (long s, long c) = Block((long)n, parts, index);
        return ((int)s, (int)c);
    }

    /// <summary>The block that holds item <paramref name="i"/> (inverse of <see cref="Block(int,int,int)"/>).</summary>
    public static int Owner(int n, int parts, int i)
    {
        int guess = (int)(((long)i * parts + parts - 1) / n);
        guess = Math.Clamp(guess, 0, parts - 1);
        while (Block(n, parts, guess).Start > i) guess--;
        while (Block(n, parts, guess).Start + Block(n, parts, guess).Count <= i) guess++;
        return guess;
    }

    /// <summary>The most nearly square factorisation rows * cols = <paramref name="size"/>, rows >= cols
    /// (8 -> 4x2, 6 -> 3x2, 4 -> 2x2, a prime p -> p x 1).</summary>
    public static (int Rows, int Cols) Grid(int size)
    {
        int cols = (int)Math.Sqrt(size);
        while (size % cols != 0) cols--;
        return (size / cols, cols);
    }

    /// <summary>Element counts per rank of a block distribution (for the v-collectives).</summary>
    public static int[] Counts(int n, int parts, int multiplier = 1)
    {
        var counts = new int[parts];
        for (int r = 0; r < parts; r++) counts[r] = Block(n, parts, r).Count * multiplier;
        return counts;
    }
}
