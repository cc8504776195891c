using System.Numerics;

namespace HpcMsg.Examples;

/// <summary>
/// The matrices and the local kernel. Entries are small integers over 8 (-1, -7/8, ..., 1), so every
/// product is a multiple of 1/64 and every sum of them is exact in double precision (for any n below
/// 10^12): the distributed product must equal the serial one exactly, whatever the order of the sums.
/// </summary>
internal static class Dense
{
    /// <summary>Entry (i, j) of matrix <paramref name="which"/> (0: A, 1: B), the same on every rank.</summary>
    public static double Entry(int which, long i, long j, int seed)
    {
        ulong z = (ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)which << 62 ^ (ulong)i << 31 ^ (ulong)j;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return ((int)(z % 17) - 8) / 8.0;
    }

    /// <summary>Rows [row0, row0 + rows) by columns [col0, col0 + cols) of a matrix, row-major.</summary>
    public static double[] Block(int which, int seed, int row0, int rows, int col0, int cols)
    {
        var block = new double[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                block[i * cols + j] = Entry(which, row0 + i, col0 + j, seed);
        return block;
    }

    /// <summary>C (m x n) += A (m x k) · B (k x n), all row-major; rows of C are updated a vector at a time.</summary>
    public static void MultiplyAdd(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c, int m, int k, int n)
    {
        int width = Vector<double>.Count, vectorEnd = n - n % width;
        for (int i = 0; i < m; i++)
        {
            Span<double> cRow = c.Slice(i * n, n);
            for (int p = 0; p < k; p++)
            {
                double aip = a[i * k + p];
                var va = new Vector<double>(aip);
                ReadOnlySpan<double> bRow = b.Slice(p * n, n);
                int j = 0;
                for (; j < vectorEnd; j += width)
                    (new Vector<double>(cRow[j..]) + va * new Vector<double>(bRow[j..])).CopyTo(cRow[j..]);
                for (; j < n; j++) cRow[j] += aip * bRow[j];
            }
        }
    }
}
