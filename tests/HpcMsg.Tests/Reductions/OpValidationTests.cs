namespace HpcMsg.Tests.Reductions;

/// <summary>Op.Validate: ArgumentException naming the op and the type, for every unsupported pair.</summary>
public sealed class OpValidationTests
{
    private readonly record struct Point(double X, double Y);

    [Fact]
    public void BitwiseOpOnFloatingPointNamesOpAndType()
    {
        var e = Assert.Throws<ArgumentException>(() => Op.BitXor.Validate<double>());
        Assert.StartsWith("Op.BitXor is not defined for System.Double", e.Message);
        Assert.Equal("op", e.ParamName);

        Assert.StartsWith("Op.BitAnd is not defined for System.Single",
            Assert.Throws<ArgumentException>(() => Op.BitAnd.Validate<float>()).Message);
        Assert.StartsWith("Op.BitOr is not defined for System.Half",
            Assert.Throws<ArgumentException>(() => Op.BitOr.Validate<Half>()).Message);
        Assert.StartsWith("Op.BitOr is not defined for System.Decimal",
            Assert.Throws<ArgumentException>(() => Op.BitOr.Validate<decimal>()).Message);
    }

    [Fact]
    public void PredefinedOpOnNonNumericTypeNamesOpAndType()
    {
        string pointName = typeof(Point).FullName!;
        foreach (Op op in new[] { Op.Sum, Op.Prod, Op.Min, Op.Max, Op.BitAnd, Op.BitOr, Op.BitXor })
        {
            Assert.StartsWith($"{op} is not defined for {pointName}",
                Assert.Throws<ArgumentException>(() => op.Validate<Point>()).Message);
            Assert.StartsWith($"{op} is not defined for System.Boolean",
                Assert.Throws<ArgumentException>(() => op.Validate<bool>()).Message);
            Assert.StartsWith($"{op} is not defined for System.Char",
                Assert.Throws<ArgumentException>(() => op.Validate<char>()).Message);
        }
    }

    [Fact]
    public void ApplyOfAnUnsupportedPairThrowsToo()
    {
        double[] a = [1], b = [2];
        Assert.Throws<ArgumentException>(() => Op.BitXor.Apply<double>(a, b));
        Point[] p = [new(1, 2)], q = [new(3, 4)];
        Assert.Throws<ArgumentException>(() => Op.Sum.Apply<Point>(p, q));
    }

    [Fact]
    public void UserOpUsedWithAnotherTypeNamesBothTypes()
    {
        Op op = Op.Create<int>("IntAdd", static (input, inout) => { for (int i = 0; i < inout.Length; i++) inout[i] += input[i]; });
        op.Validate<int>();
        var e = Assert.Throws<ArgumentException>(() => op.Validate<long>());
        Assert.Contains("IntAdd", e.Message);
        Assert.Contains("created for System.Int32", e.Message);
        Assert.Contains("System.Int64", e.Message);

        long[] a = [1], b = [2];
        Assert.Throws<ArgumentException>(() => op.Apply<long>(a, b));
    }

    [Fact]
    public void EverySupportedPairValidates()
    {
        foreach (Op op in new[] { Op.Sum, Op.Prod, Op.Min, Op.Max, Op.BitAnd, Op.BitOr, Op.BitXor })
        {
            op.Validate<sbyte>(); op.Validate<byte>(); op.Validate<short>(); op.Validate<ushort>();
            op.Validate<int>(); op.Validate<uint>(); op.Validate<long>(); op.Validate<ulong>();
            op.Validate<nint>(); op.Validate<nuint>(); op.Validate<Int128>(); op.Validate<UInt128>();
        }
        foreach (Op op in new[] { Op.Sum, Op.Prod, Op.Min, Op.Max })
        {
            op.Validate<float>(); op.Validate<double>(); op.Validate<Half>(); op.Validate<decimal>();
        }
    }

    [Fact]
    public void PredefinedOpsAreCommutativeAndNamed()
    {
        (Op Op, string Name)[] all =
            [(Op.Sum, "Sum"), (Op.Prod, "Prod"), (Op.Min, "Min"), (Op.Max, "Max"), (Op.BitAnd, "BitAnd"), (Op.BitOr, "BitOr"), (Op.BitXor, "BitXor")];
        foreach ((Op op, string name) in all)
        {
            Assert.True(op.IsCommutative);
            Assert.True(op.IsPredefined);
            Assert.Null(op.ElementType);
            Assert.Equal(name, op.Name);
            Assert.Equal("Op." + name, op.ToString());
        }
    }
}
