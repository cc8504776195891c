using System.Globalization;

namespace HpcMsg.Examples;

/// <summary>
/// The examples' command line: <c>--name value</c> or <c>--name=value</c> pairs, each name declared
/// with a default and a one-line description. Unknown names, missing or malformed values and
/// <c>--help</c> end the program at <see cref="Validate"/> (every rank parses the same arguments, so
/// every rank stops alike; only rank 0 prints). Until then a bad value reads as the default.
/// </summary>
internal sealed class ExampleOptions
{
    private readonly string _program;
    private readonly Dictionary<string, string> _given = new(StringComparer.Ordinal);
    private readonly List<(string Name, string Default, string Help)> _declared = [];
    private readonly List<string> _errors = [];
    private readonly bool _help;

    public ExampleOptions(string program, string[] args)
    {
        _program = program;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a is "-h" or "--help") { _help = true; continue; }
            if (!a.StartsWith("--", StringComparison.Ordinal) || a.Length < 3)
            {
                _errors.Add($"unexpected argument '{a}' (options look like --name value)");
                continue;
            }
            string name, value;
            int eq = a.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                name = a[2..eq];
                value = a[(eq + 1)..];
            }
            else
            {
                name = a[2..];
                if (i + 1 >= args.Length)
                {
                    _errors.Add($"option --{name} needs a value");
                    continue;
                }
                value = args[++i];
            }
            _given[name] = value;
        }
    }

    public long Long(string name, long defaultValue, string help, long min = long.MinValue)
    {
        string text = Declare(name, defaultValue.ToString(CultureInfo.InvariantCulture), help);
        // Accept 1e7 and 10_000_000 as well as plain integers.
        string clean = text.Replace("_", "", StringComparison.Ordinal);
        long value;
        if (!long.TryParse(clean, NumberStyles.Integer, CultureInfo.InvariantCulture, out value))
        {
            if (!double.TryParse(clean, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || d != Math.Floor(d) || Math.Abs(d) > 9e18)
                return Fail($"option --{name}: '{text}' is not an integer", defaultValue);
            value = (long)d;
        }
        if (value < min) return Fail($"option --{name}: {value} is below the minimum {min}", defaultValue);
        return value;
    }

    public int Int(string name, int defaultValue, string help, int min = int.MinValue)
    {
        long value = Long(name, defaultValue, help, min);
        if (value > int.MaxValue) return Fail($"option --{name}: {value} is too large", defaultValue);
        return (int)value;
    }

    public double Double(string name, double defaultValue, string help)
    {
        string text = Declare(name, defaultValue.ToString("R", CultureInfo.InvariantCulture), help);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            return Fail($"option --{name}: '{text}' is not a number", defaultValue);
        return value;
    }

    /// <summary>One of <paramref name="choices"/>.</summary>
    public string Choice(string name, string defaultValue, string help, params string[] choices)
    {
        string text = Declare(name, defaultValue, $"{help} ({string.Join('|', choices)})");
        if (!choices.Contains(text, StringComparer.Ordinal))
            return Fail($"option --{name}: '{text}' is not one of {string.Join(", ", choices)}", defaultValue);
        return text;
    }

    /// <summary>Records an error (reported by <see cref="Validate"/>) unless <paramref name="condition"/> holds.</summary>
    public void Require(bool condition, string message)
    {
        if (!condition) _errors.Add(message);
    }

    /// <summary>Call after declaring every option: rejects unknown names, answers --help.
    /// Returns false when the program should exit (with <see cref="ExitCode"/>).</summary>
    public bool Validate(int rank)
    {
        foreach (string unknown in _given.Keys.Where(k => !_declared.Any(d => d.Name == k)))
            _errors.Add($"unknown option --{unknown}");
        if (_errors.Count > 0)
        {
            if (rank == 0)
            {
                foreach (string e in _errors) Console.Error.WriteLine($"{_program}: {e}");
                Console.Error.Write(Usage());
            }
            ExitCode = 2;
            return false;
        }
        if (_help)
        {
            if (rank == 0) Console.Write(Usage());
            ExitCode = 0;
            return false;
        }
        return true;
    }

    public int ExitCode { get; private set; }

    public string Usage()
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"usage: hpcrun -n N {_program} [options]");
        foreach ((string name, string def, string help) in _declared)
            text.AppendLine(CultureInfo.InvariantCulture, $"  --{name,-14} {help} (default {def})");
        return text.ToString();
    }

    private T Fail<T>(string message, T fallback)
    {
        _errors.Add(message);
        return fallback;
    }

    private string Declare(string name, string defaultText, string help)
    {
        _declared.Add((name, defaultText, help));
        return _given.TryGetValue(name, out string? v) ? v : defaultText;
    }
}

