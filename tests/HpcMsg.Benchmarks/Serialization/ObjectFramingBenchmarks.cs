using BenchmarkDotNet.Attributes;
using HpcMsg.Serialization;

namespace HpcMsg.Benchmarks.Serialization;

/// <summary>
/// The object path of SendObject/RecvObject: System.Text.Json into a reused buffer behind a 16-byte
/// frame, and back. Three shapes: a small record (the typical control message), 1,000 doubles (what
/// should have gone through Send&lt;double&gt;), and a dictionary of string to int arrays.
/// </summary>
[MemoryDiagnoser]
public class ObjectFramingBenchmarks
{
    public sealed record Particle(int Id, string Name, double X, double Y, double Z, double[] Velocity);

    private readonly Particle _record = new(42, "proton", 1.5, -2.25, 3.125, [0.1, 0.2, 0.3]);
    private readonly double[] _array = [.. Enumerable.Range(0, 1000).Select(i => i * 0.001)];
    private readonly Dictionary<string, int[]> _dictionary = Enumerable.Range(0, 16).ToDictionary(i => $"key{i}", i => Enumerable.Range(i, 8).ToArray());
    private byte[] _recordFrame = [], _arrayFrame = [], _dictionaryFrame = [];

    [GlobalSetup]
    public void Setup()
    {
        _recordFrame = ObjectFraming.Frame(_record).ToArray();
        _arrayFrame = ObjectFraming.Frame(_array).ToArray();
        _dictionaryFrame = ObjectFraming.Frame(_dictionary).ToArray();
    }

    [Benchmark] public int FrameRecord() => ObjectFraming.Frame(_record).Length;
    [Benchmark] public Particle? UnframeRecord() => ObjectFraming.Unframe<Particle>(_recordFrame, 0, 0);
    [Benchmark] public int FrameDoubles1000() => ObjectFraming.Frame(_array).Length;
    [Benchmark] public double[]? UnframeDoubles1000() => ObjectFraming.Unframe<double[]>(_arrayFrame, 0, 0);
    [Benchmark] public int FrameDictionary() => ObjectFraming.Frame(_dictionary).Length;
    [Benchmark] public Dictionary<string, int[]>? UnframeDictionary() => ObjectFraming.Unframe<Dictionary<string, int[]>>(_dictionaryFrame, 0, 0);
}
