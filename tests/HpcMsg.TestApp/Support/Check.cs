using System.Diagnostics.CodeAnalysis;

namespace HpcMsg.TestApp.Support;

/// <summary>Assertions for scenarios: each failure names the rank and what was checked.</summary>
internal static class Check
{
    /// <summary>This process's world rank, set once Init has returned (-1 before).</summary>
    public static int Rank { get; set; } = -1;

    [DoesNotReturn]
    public static void Fail(string message) => throw new ScenarioFailedException($"rank {Rank}: {message}");

    public static void True([DoesNotReturnIf(false)] bool condition, string what)
    {
        if (!condition) Fail(what);
    }

    public static void Equal<T>(T expected, T actual, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
            Fail($"{what}: expected {Show(expected)}, got {Show(actual)}");
    }

    public static void SequenceEqual<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string what)
    {
        if (expected.Length != actual.Length)
            Fail($"{what}: expected {expected.Length} elements, got {actual.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            if (!EqualityComparer<T>.Default.Equals(expected[i], actual[i]))
                Fail($"{what}: element {i}: expected {Show(expected[i])}, got {Show(actual[i])}");
        }
    }

    /// <summary>Runs <paramref name="action"/> and returns the exception of exactly type
    /// <typeparamref name="TException"/> it throws; anything else fails the scenario.</summary>
    public static TException Throws<TException>(Action action, string what) where TException : Exception
    {
        try
        {
            action();
        }
        catch (TException e) when (e.GetType() == typeof(TException))
        {
            return e;
        }
        catch (Exception e)
        {
            Fail($"{what}: expected {typeof(TException).Name}, got {e.GetType().Name}: {e.Message}");
        }
        throw new ScenarioFailedException($"rank {Rank}: {what}: expected {typeof(TException).Name}, but nothing was thrown");
    }

    private static string Show<T>(T value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "?",
    };
}
