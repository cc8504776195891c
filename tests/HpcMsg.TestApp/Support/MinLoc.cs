using System.Runtime.InteropServices;

namespace HpcMsg.TestApp.Support;

/// <summary>The classic MINLOC pair: 16 bytes with 4 of padding after the rank. Keeps the smaller
/// value, on a tie the lower rank, so it is commutative and its result is exact.</summary>
[StructLayout(LayoutKind.Sequential)]
internal record struct MinLoc(double Value, int Rank)
{
    public static MinLoc Of(MinLoc a, MinLoc b) =>
        a.Value < b.Value || (a.Value == b.Value && a.Rank < b.Rank) ? a : b;

    public static readonly Op Op = HpcMsg.Op.Create<MinLoc>("MinLoc", static (input, inout) =>
    {
        for (int i = 0; i < inout.Length; i++) inout[i] = Of(input[i], inout[i]);
    });

    /// <summary>Rank r's operand for element i: values repeat across ranks so ties are common.</summary>
    public static MinLoc For(int rank, int i) => new((rank * 7 + i * 3) % 5, rank);
}
