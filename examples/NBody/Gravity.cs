using System.Numerics;

namespace HpcMsg.Examples;

/// <summary>Equal-mass bodies (G = 1, total mass 1) with Plummer softening: forces, energy, start.</summary>
internal static class Gravity
{
    /// <summary>
    /// Accelerations of bodies [begin, begin + count) from all n bodies, into acc (x, y, z per body).
    /// Positions come as separate x, y, z arrays so that the inner loop runs over Vector&lt;double&gt;
    /// lanes; a body's pull on itself is zero (dx = 0), so no branch is needed.
    /// </summary>
    public static void Accelerations(double[] x, double[] y, double[] z, int begin, int count, double mass, double eps2, Span<double> acc)
    {
        int n = x.Length, width = Vector<double>.Count, vectorEnd = n - n % width;
        var vEps2 = new Vector<double>(eps2);
        for (int i = begin; i < begin + count; i++)
        {
            double xi = x[i], yi = y[i], zi = z[i];
            var vxi = new Vector<double>(xi);
            var vyi = new Vector<double>(yi);
            var vzi = new Vector<double>(zi);
            Vector<double> ax = Vector<double>.Zero, ay = Vector<double>.Zero, az = Vector<double>.Zero;
            for (int j = 0; j < vectorEnd; j += width)
            {
                Vector<double> dx = new Vector<double>(x, j) - vxi;
                Vector<double> dy = new Vector<double>(y, j) - vyi;
                Vector<double> dz = new Vector<double>(z, j) - vzi;
                Vector<double> r2 = dx * dx + dy * dy + dz * dz + vEps2;
                Vector<double> inv = Vector<double>.One / (r2 * Vector.SquareRoot(r2));
                ax += dx * inv;
                ay += dy * inv;
                az += dz * inv;
            }
            double sx = Vector.Sum(ax), sy = Vector.Sum(ay), sz = Vector.Sum(az);
            for (int j = vectorEnd; j < n; j++)
            {
                double dx = x[j] - xi, dy = y[j] - yi, dz = z[j] - zi;
                double r2 = dx * dx + dy * dy + dz * dz + eps2;
                double inv = 1.0 / (r2 * Math.Sqrt(r2));
                sx += dx * inv;
                sy += dy * inv;
                sz += dz * inv;
            }
            int k = 3 * (i - begin);
            acc[k] = mass * sx;
            acc[k + 1] = mass * sy;
            acc[k + 2] = mass * sz;
        }
    }

    /// <summary>Potential energy of bodies [begin, begin + count) with all others, halved (each pair is counted from both ends).</summary>
    public static double Potential(double[] x, double[] y, double[] z, int begin, int count, double mass, double eps2)
    {
        double w = 0;
        for (int i = begin; i < begin + count; i++)
        {
            for (int j = 0; j < x.Length; j++)
            {
                if (j == i) continue;
                double dx = x[j] - x[i], dy = y[j] - y[i], dz = z[j] - z[i];
                w -= mass * mass / Math.Sqrt(dx * dx + dy * dy + dz * dz + eps2);
            }
        }
        return 0.5 * w;
    }

    public static double Kinetic(ReadOnlySpan<double> v, double mass)
    {
        double k = 0;
        foreach (double c in v) k += c * c;
        return 0.5 * mass * k;
    }

    /// <summary>
    /// A uniform sphere of radius 1 with Gaussian velocities of dispersion 0.45 a component (close to
    /// virial equilibrium, so it neither collapses nor flies apart over a short run), centre-of-mass
    /// motion removed. Interleaved x, y, z per body; the same on every rank for a given seed.
    /// </summary>
    public static (double[] Positions, double[] Velocities) Start(int n, int seed)
    {
        var random = new Random(seed);
        var pos = new double[3 * n];
        var vel = new double[3 * n];
        for (int i = 0; i < n; i++)
        {
            double px, py, pz;
            do
            {
                px = 2 * random.NextDouble() - 1;
                py = 2 * random.NextDouble() - 1;
                pz = 2 * random.NextDouble() - 1;
            } while (px * px + py * py + pz * pz > 1);
            pos[3 * i] = px;
            pos[3 * i + 1] = py;
            pos[3 * i + 2] = pz;
            for (int c = 0; c < 3; c++) vel[3 * i + c] = 0.45 * Gaussian(random);
        }
        for (int c = 0; c < 3; c++)
        {
            double mean = 0;
            for (int i = 0; i < n; i++) mean += vel[3 * i + c];
            mean /= n;
            for (int i = 0; i < n; i++) vel[3 * i + c] -= mean;
        }
        return (pos, vel);
    }

    private static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Interleaved positions to separate coordinate arrays.</summary>
    public static void Split(ReadOnlySpan<double> pos, double[] x, double[] y, double[] z)
    {
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = pos[3 * i];
            y[i] = pos[3 * i + 1];
            z[i] = pos[3 * i + 2];
        }
    }

    /// <summary>
    /// The reference: all n bodies on one process, the same kick-drift-kick steps as the parallel run
    /// and the same force kernel, so the final positions must agree to the last bit.
    /// </summary>
    public static double[] Serial(int n, int seed, int steps, double dt, double eps2)
    {
        (double[] pos, double[] vel) = Start(n, seed);
        double mass = 1.0 / n;
        var x = new double[n];
        var y = new double[n];
        var z = new double[n];
        var acc = new double[3 * n];
        Split(pos, x, y, z);
        Accelerations(x, y, z, 0, n, mass, eps2, acc);
        for (int s = 0; s < steps; s++)
        {
            for (int k = 0; k < 3 * n; k++)
            {
                vel[k] += 0.5 * dt * acc[k];
                pos[k] += dt * vel[k];
            }
            Split(pos, x, y, z);
            Accelerations(x, y, z, 0, n, mass, eps2, acc);
            for (int k = 0; k < 3 * n; k++) vel[k] += 0.5 * dt * acc[k];
        }
        return pos;
    }
}
