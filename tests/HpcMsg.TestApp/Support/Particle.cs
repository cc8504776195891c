using System.Runtime.InteropServices;

namespace HpcMsg.TestApp.Support;

/// <summary>A user struct with padding (40 bytes: 4 + 4 pad + 8 + 8 + 8 + 1 + 7 pad), sent as raw bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Particle : IEquatable<Particle>
{
    public int Id;
    public double X;
    public double Y;
    public long Flags;
    public byte Kind;

    public static Particle For(int rank, int index) => new()
    {
        Id = rank * 100 + index,
        X = rank + index / 4.0,
        Y = -rank * 1e-3 - index,
        Flags = ((long)rank << 33) | (uint)index,
        Kind = (byte)(7 * rank + index),
    };

    public readonly bool Equals(Particle other) =>
        Id == other.Id && X.Equals(other.X) && Y.Equals(other.Y) && Flags == other.Flags && Kind == other.Kind;

    public override readonly bool Equals(object? obj) => obj is Particle p && Equals(p);

    public override readonly int GetHashCode() => HashCode.Combine(Id, X, Y, Flags, Kind);

    public override readonly string ToString() => $"Particle(Id={Id}, X={X}, Y={Y}, Flags={Flags}, Kind={Kind})";
}
