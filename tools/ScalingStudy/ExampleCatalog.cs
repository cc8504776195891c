namespace HpcMsg.ScalingStudy;

/// <summary>How a study drives an example: which option sets its size, its default size, how the
/// size grows in weak scaling (size(p) = size(1) · p^WeakExponent keeps the work per rank fixed),
/// and arguments every study run gets.</summary>
public sealed record ExampleProfile(string Name, string SizeOption, double DefaultSize, double WeakExponent, string[] FixedArgs)
{
    /// <summary>The known examples. A study run skips the serial cross-checks (they are not timed,
    /// but at large sizes they would cost as much wall time as the study).</summary>
    public static readonly IReadOnlyList<ExampleProfile> Known =
    [
        new("Jacobi2D", "--n", 2048, 0.5, ["--serial-check", "no"]),      // n² grid points
        new("NBody", "--n", 4000, 0.5, ["--serial-check", "no"]),         // n² interactions a step
        new("MatMul", "--n", 1536, 1.0 / 3, ["--serial-check", "no"]),    // 2n³ flops
        new("SampleSort", "--n", 10_000_000, 1, ["--serial-check", "no"]),
        new("MonteCarlo", "--samples", 60_000_000, 1, ["--serial-check", "no"]),
    ];

    public static ExampleProfile? Find(string name) =>
        Known.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The size at <paramref name="ranks"/> ranks: the base size in strong scaling, scaled in weak.</summary>
    public static long SizeAt(ScalingMode mode, double baseSize, double weakExponent, int ranks) =>
        mode == ScalingMode.Strong ? (long)Math.Round(baseSize) : (long)Math.Round(baseSize * Math.Pow(ranks, weakExponent));
}
