namespace HpcMsg.TestApp.Support;

/// <summary>2x2 matrices modulo a prime: associative but not commutative, for user-defined ops.</summary>
internal record struct Mat2(long A, long B, long C, long D)
{
    private const long Mod = 1_000_003;

    public static Mat2 For(int rank, int i) => new((rank + 2) % Mod, (i + 1) % Mod, (rank * 7 + i) % Mod, 1);

    public static Mat2 operator *(Mat2 x, Mat2 y) => new(
        (x.A * y.A + x.B * y.C) % Mod, (x.A * y.B + x.B * y.D) % Mod,
        (x.C * y.A + x.D * y.C) % Mod, (x.C * y.B + x.D * y.D) % Mod);

    public static readonly Op Multiply = Op.Create<Mat2>(static (input, inout) =>
    {
        for (int i = 0; i < inout.Length; i++) inout[i] = input[i] * inout[i];
    }, commutative: false);
}
