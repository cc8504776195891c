namespace HpcMsg.Tests.Reductions;

/// <summary>Ops from Op.Create: the delegate sees the lower ranks' operand as <c>input</c>, and a
/// non-commutative op folds in rank order.</summary>
public sealed class UserOpTests
{
    /// <summary>2x2 integer matrix: multiplication is associative and not commutative.</summary>
    internal readonly record struct Mat2(long A, long B, long C, long D)
    {
        public static Mat2 operator *(Mat2 l, Mat2 r) =>
            new(l.A * r.A + l.B * r.C, l.A * r.B + l.B * r.D, l.C * r.A + l.D * r.C, l.C * r.B + l.D * r.D);
    }

    private static readonly Op MatMul = Op.Create<Mat2>("MatMul", static (input, inout) =>
    {
        for (int i = 0; i < inout.Length; i++) inout[i] = input[i] * inout[i];
    }, commutative: false);

    /// <summary>Decimal-digit concatenation of small numbers: "12" ∘ "345" = "12345".</summary>
    private static readonly Op Concat = Op.Create<long>(static (input, inout) =>
    {
        for (int i = 0; i < inout.Length; i++)
        {
            long scale = 1;
            while (scale <= inout[i]) scale *= 10;
            inout[i] = input[i] * scale + inout[i];
        }
    }, commutative: false);

    /// <summary>The three-operand form the reduce-scatter uses, with the destination being either operand or
    /// neither: a user op may only write inout, so a destination that is the lower operand must not be
    /// overwritten with the higher one first (the MINLOC Reduce bug at 5+ ranks).</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ThreeOperandFormIsRightWhateverTheDestinationAliases(bool commutative)
    {
        Op op = commutative ? UserMax : Concat;
        long[] lower = [1, 23, 4], higher = [56, 7, 89];
        long[] expected = (long[])higher.Clone();
        op.Apply<long>(lower, expected);

        long[] intoLower = (long[])lower.Clone();
        op.Apply<long>(intoLower, higher, intoLower);
        Assert.Equal(expected, intoLower);

        long[] intoHigher = (long[])higher.Clone();
        op.Apply<long>(lower, intoHigher, intoHigher);
        Assert.Equal(expected, intoHigher);

        long[] elsewhere = new long[3];
        op.Apply<long>(lower, higher, elsewhere);
        Assert.Equal(expected, elsewhere);
    }

    private static readonly Op UserMax = Op.Create<long>("UserMax", static (input, inout) =>
    {
        for (int i = 0; i < inout.Length; i++) inout[i] = Math.Max(input[i], inout[i]);
    });

    [Fact]
    public void NonCommutativeMatrixProductFoldsInRankOrder()
    {
        var rng = new Random(5);
        const int ranks = 7, n = 5;
        Mat2[][] operands = Enumerable.Range(0, ranks)
            .Select(_ => Enumerable.Range(0, n).Select(_ => new Mat2(rng.Next(-3, 4), rng.Next(-3, 4), rng.Next(-3, 4), rng.Next(-3, 4))).ToArray())
            .ToArray();
        Mat2[] expected = new Mat2[n];
        for (int i = 0; i < n; i++)
        {
            Mat2 p = operands[0][i];
            for (int r = 1; r < ranks; r++) p *= operands[r][i];
            expected[i] = p;
        }

        // Linear from the top: inout starts as v6, input v5 … v0.
        Mat2[] acc = (Mat2[])operands[ranks - 1].Clone();
        for (int r = ranks - 2; r >= 0; r--) MatMul.Apply<Mat2>(operands[r], acc);
        Assert.Equal(expected, acc);

        // A binomial tree: (v0 v1)(v2 v3) … combined pairwise; associativity alone gives the same result.
        List<Mat2[]> level = operands.Select(o => (Mat2[])o.Clone()).ToList();
        while (level.Count > 1)
        {
            var next = new List<Mat2[]>();
            for (int j = 0; j + 1 < level.Count; j += 2)
            {
                MatMul.Apply<Mat2>(level[j], level[j + 1]);
                next.Add(level[j + 1]);
            }
            if (level.Count % 2 == 1) next.Add(level[^1]);
            level = next;
        }
        Assert.Equal(expected, level[0]);
    }

    [Fact]
    public void ConcatenationShowsWhichOperandIsInput()
    {
        long[] lower = [1, 12, 9];
        long[] higher = [2, 345, 7];
        Concat.Apply<long>(lower, higher);
        Assert.Equal([12L, 12345L, 97L], higher);
    }

    [Fact]
    public void ThreeOperandFormCopiesTheHigherOperandFirst()
    {
        long[] lower = [1, 4], higher = [23, 56], dest = new long[2];
        Concat.Apply<long>(lower, higher, dest);
        Assert.Equal([123L, 456L], dest);
        Assert.Equal([23L, 56L], higher);

        Concat.Apply<long>(lower, higher, higher); // in place on the higher operand: no copy needed
        Assert.Equal([123L, 456L], higher);
    }

    [Fact]
    public void PropertiesAndNames()
    {
        Assert.False(MatMul.IsCommutative);
        Assert.False(MatMul.IsPredefined);
        Assert.Equal("MatMul", MatMul.Name);
        Assert.Equal(typeof(Mat2), MatMul.ElementType);
        Assert.Contains("MatMul", MatMul.ToString());
        Assert.Contains("non-commutative", MatMul.ToString());

        Op commutative = Op.Create<int>(static (input, inout) => { for (int i = 0; i < inout.Length; i++) inout[i] += input[i]; });
        Assert.True(commutative.IsCommutative);
        Assert.Equal("user-defined<Int32>", commutative.Name);

        Op named = Op.Create<int>(AddInts);
        Assert.Equal(nameof(AddInts), named.Name);
        Assert.Contains("System.Int32", named.ToString());
    }

    [Fact]
    public void CreateRejectsNull()
    {
        Assert.Throws<ArgumentNullException>(() => Op.Create<int>(null!));
        Assert.Throws<ArgumentException>(() => Op.Create<int>(" ", AddInts));
    }

    private static void AddInts(ReadOnlySpan<int> input, Span<int> inout)
    {
        for (int i = 0; i < inout.Length; i++) inout[i] += input[i];
    }
}
