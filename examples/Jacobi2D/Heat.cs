namespace HpcMsg.Examples;

/// <summary>
/// The problem: the heat equation u_t = Δu on the unit square, the boundary held at b(x, y) = x² - y²,
/// explicit Euler with dt = h²/4 on an (n+2)² grid (n interior points a side, spacing h = 1/(n+1)).
/// With that step the update is the Jacobi iteration u' = (up + down + left + right) / 4.
///
/// The start is b plus two sine modes. b is harmonic on the grid too, so it stays put, and each mode
/// sin(kπx)·sin(lπy) is an eigenvector of the update with factor g = (cos(kπh) + cos(lπh)) / 2:
/// after t steps the exact discrete solution is b + Σ a·g^t·sin(kπx)·sin(lπy), which is what the
/// result is checked against (on top of an optional serial run of the same iteration).
/// </summary>
internal static class Heat
{
    private static readonly (double Amplitude, int K, int L)[] Modes = [(1.0, 1, 1), (0.5, 5, 3)];

    public static double Boundary(double x, double y) => x * x - y * y;

    public static double Initial(double x, double y)
    {
        double u = Boundary(x, y);
        foreach ((double a, int k, int l) in Modes) u += a * Math.Sin(k * Math.PI * x) * Math.Sin(l * Math.PI * y);
        return u;
    }

    /// <summary>The exact value of the discrete iteration after <paramref name="steps"/> steps at an interior point.</summary>
    public static double Exact(double x, double y, double h, int steps)
    {
        double u = Boundary(x, y);
        foreach ((double a, int k, int l) in Modes)
        {
            double g = 0.5 * (Math.Cos(k * Math.PI * h) + Math.Cos(l * Math.PI * h));
            u += a * Math.Pow(g, steps) * Math.Sin(k * Math.PI * x) * Math.Sin(l * Math.PI * y);
        }
        return u;
    }

    /// <summary>
    /// One Jacobi update of rows [i0, i1) and columns [j0, j1) of a row-major array with the given
    /// stride (halo included). Returns the sum of squared changes when <paramref name="measure"/>.
    /// </summary>
    public static double Sweep(double[] u, double[] next, int stride, int i0, int i1, int j0, int j1, bool measure)
    {
        double change = 0;
        for (int i = i0; i < i1; i++)
        {
            ReadOnlySpan<double> up = u.AsSpan((i - 1) * stride, stride);
            ReadOnlySpan<double> mid = u.AsSpan(i * stride, stride);
            ReadOnlySpan<double> down = u.AsSpan((i + 1) * stride, stride);
            Span<double> outRow = next.AsSpan(i * stride, stride);
            if (measure)
            {
                for (int j = j0; j < j1; j++)
                {
                    double v = 0.25 * ((up[j] + down[j]) + (mid[j - 1] + mid[j + 1]));
                    double d = v - mid[j];
                    change += d * d;
                    outRow[j] = v;
                }
            }
            else
            {
                for (int j = j0; j < j1; j++)
                    outRow[j] = 0.25 * ((up[j] + down[j]) + (mid[j - 1] + mid[j + 1]));
            }
        }
        return change;
    }

    /// <summary>The whole grid on one process: the reference the distributed result must equal.</summary>
    public static double[] Serial(int n, int steps)
    {
        int stride = n + 2;
        double h = 1.0 / (n + 1);
        var u = new double[stride * stride];
        var next = new double[stride * stride];
        for (int i = 0; i < stride; i++)
        {
            for (int j = 0; j < stride; j++)
            {
                bool edge = i == 0 || j == 0 || i == n + 1 || j == n + 1;
                double x = j * h, y = i * h;
                u[i * stride + j] = next[i * stride + j] = edge ? Boundary(x, y) : Initial(x, y);
            }
        }
        for (int t = 0; t < steps; t++)
        {
            Sweep(u, next, stride, 1, n + 1, 1, n + 1, measure: false);
            (u, next) = (next, u);
        }
        return u;
    }
}
