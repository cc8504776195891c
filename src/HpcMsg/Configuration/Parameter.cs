using System.Globalization;

namespace HpcMsg.Configuration;

/// <summary>Who is expected to set a parameter.</summary>
internal enum ParameterOwner
{
    /// <summary>A tunable: the user may set it (in the environment, or with hpcrun -x); unset, the default holds.</summary>
    User,

    /// <summary>hpcrun (or another launcher) sets it for each rank; a user does not.</summary>
    Launcher,
}

/// <summary>Where a parameter's value came from, as <c>hpcrun --info</c> reports it.</summary>
internal enum ParameterSource
{
    /// <summary>Not set: the default holds.</summary>
    Default,

    /// <summary>Set in the environment (by the user, or forwarded with hpcrun -x).</summary>
    Environment,

    /// <summary>A launcher variable that hpcrun sets for each rank.</summary>
    Launcher,
}

/// <summary>
/// One HPCMSG_ environment variable: its name, type, default, valid values and why the default is what
/// it is. Every variable the library or hpcrun reads is one of these, declared in <see cref="Parameters"/>,
/// and read only through it, so that a bad value always fails the same way: the message names the
/// variable, the value given and what is valid.
/// </summary>
internal abstract class Parameter
{
    private protected Parameter(string name, string defaultText, string reason, ParameterOwner owner)
    {
        if (!name.StartsWith("HPCMSG_", StringComparison.Ordinal)) throw new ArgumentException($"parameter {name} lacks the HPCMSG_ prefix", nameof(name));
        Name = name;
        DefaultText = defaultText;
        Reason = reason;
        Owner = owner;
    }

    /// <summary>The environment variable.</summary>
    public string Name { get; }

    /// <summary>integer, 0|1, choice or string.</summary>
    public abstract string TypeName { get; }

    /// <summary>The default as the README's table states it (a default that depends on the job says on what).</summary>
    public string DefaultText { get; }

    /// <summary>What a value may be, in words (the README's "valid values" column and the error messages).</summary>
    public abstract string ValidValues { get; }

    /// <summary>What the parameter does and why its default is what it is.</summary>
    public string Reason { get; }

    public ParameterOwner Owner { get; }

    /// <summary>Its value is a credential: <c>hpcrun --info</c> never prints it.</summary>
    public bool Secret { get; init; }

    /// <summary>The variable's text, or null when it is unset or empty (an empty variable counts as unset).</summary>
    public string? RawValue(Func<string, string?>? environment = null)
    {
        string? text = (environment ?? Environment.GetEnvironmentVariable)(Name);
        return string.IsNullOrEmpty(text) ? null : text;
    }

    /// <summary>Whether the variable exists at all, even empty: a launcher's mark that is set or not
    /// (an empty HPCMSG_RANK is a malformed hpcrun job, not a process started without hpcrun).</summary>
    public bool IsPresent(Func<string, string?>? environment = null) =>
        (environment ?? Environment.GetEnvironmentVariable)(Name) is not null;

    /// <summary>Where the value in <paramref name="environment"/> comes from.</summary>
    public ParameterSource SourceIn(Func<string, string?>? environment = null) =>
        RawValue(environment) is null ? ParameterSource.Default
        : Owner == ParameterOwner.Launcher ? ParameterSource.Launcher
        : ParameterSource.Environment;

    /// <summary>Throws the parameter's <see cref="HpcMsgException"/> when <paramref name="text"/> is not a valid value.</summary>
    public abstract void Validate(string text);

    private protected HpcMsgException Invalid(string text, string expected) =>
        new($"environment variable {Name}='{text}' is invalid: expected {expected}");

    public override string ToString() => Name;
}

/// <summary>A whole number in [<see cref="Min"/>, <see cref="Max"/>].</summary>
internal sealed class IntegerParameter : Parameter
{
    public IntegerParameter(string name, long defaultValue, long min, long max, string reason, ParameterOwner owner = ParameterOwner.User,
        string? defaultText = null)
        : base(name, defaultText ?? defaultValue.ToString(CultureInfo.InvariantCulture), reason, owner)
    {
        if (min > max || defaultValue < min || defaultValue > max) throw new ArgumentOutOfRangeException(nameof(defaultValue), $"{name}: default {defaultValue} outside [{min}, {max}]");
        Default = defaultValue;
        Min = min;
        Max = max;
    }

    /// <summary>The default (where it depends on the job, the value for the usual case; the caller passes the other).</summary>
    public long Default { get; }

    public long Min { get; }

    public long Max { get; }

    public override string TypeName => "integer";

    public override string ValidValues => Range(Min, Max);

    /// <summary>The value, or <see cref="Default"/> when unset.</summary>
    public long Read(Func<string, string?>? environment = null) => Read(Default, environment);

    /// <summary>The value, or <paramref name="fallback"/> when unset (a default that depends on the job).</summary>
    public long Read(long fallback, Func<string, string?>? environment = null) => ReadWithin(fallback, Min, Max, environment);

    /// <summary>The value as an int; the parameter's range must fit one.</summary>
    public int ReadInt(Func<string, string?>? environment = null) => checked((int)Read(environment));

    /// <summary>The value as an int, or <paramref name="fallback"/> when unset.</summary>
    public int ReadInt(int fallback, Func<string, string?>? environment = null) => checked((int)Read(fallback, environment));

    /// <summary>The value within bounds the job sets (a rank below the job's size), or <paramref name="fallback"/> when unset.</summary>
    public long ReadWithin(long fallback, long min, long max, Func<string, string?>? environment = null)
    {
        string? text = RawValue(environment);
        return text is null ? fallback : Parse(text, Math.Max(min, Min), Math.Min(max, Max));
    }

    public override void Validate(string text) => Parse(text, Min, Max);

    private long Parse(string text, long min, long max)
    {
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) || v < min || v > max)
            throw Invalid(text, Range(min, max));
        return v;
    }

    private static string Range(long min, long max) =>
        max == long.MaxValue ? $"an integer >= {min}" : $"an integer in [{min}, {max}]";
}

/// <summary>0 (off) or 1 (on).</summary>
internal sealed class SwitchParameter : Parameter
{
    public SwitchParameter(string name, bool defaultValue, string reason, ParameterOwner owner = ParameterOwner.User)
        : base(name, defaultValue ? "1" : "0", reason, owner) => Default = defaultValue;

    public bool Default { get; }

    public override string TypeName => "0|1";

    public override string ValidValues => "0 or 1";

    public bool Read(Func<string, string?>? environment = null)
    {
        string? text = RawValue(environment);
        return text is null ? Default : Parse(text);
    }

    public override void Validate(string text) => Parse(text);

    private bool Parse(string text) => text switch
    {
        "0" => false,
        "1" => true,
        _ => throw Invalid(text, ValidValues),
    };
}

/// <summary>
/// One of an enum's values, written in snake_case (scatter_allgather); case and underscores are ignored
/// when read. Unset means no choice: the caller decides (by message size and rank count).
/// </summary>
internal sealed class ChoiceParameter<T> : Parameter where T : struct, Enum
{
    public ChoiceParameter(string name, string defaultText, string reason, ParameterOwner owner = ParameterOwner.User)
        : base(name, defaultText, reason, owner)
    {
    }

    // Made when first asked for (a variable that is set, the README table), not in the constructor:
    // Enum.GetNames<T> is a framework generic over the library's enum, compiled by the JIT for each
    // of the seven algorithm choices, and every rank built all seven in Init whether any was set or not.
    private string[]? _choices;

    /// <summary>The values in snake_case, in the enum's order.</summary>
    public IReadOnlyList<string> Choices => _choices ??= Enum.GetNames<T>().Select(SnakeCase).ToArray();

    public override string TypeName => "choice";

    public override string ValidValues => string.Join(", ", Choices);

    /// <summary>The value, or null when unset.</summary>
    public T? Read(Func<string, string?>? environment = null)
    {
        string? text = RawValue(environment);
        return text is null ? null : Parse(text);
    }

    public override void Validate(string text) => Parse(text);

    private T Parse(string text)
    {
        // Matched by name only: Enum.TryParse would also take numbers ("1") and lists ("binomial,linear").
        string key = text.Replace("_", "", StringComparison.Ordinal);
        foreach (T value in Enum.GetValues<T>())
            if (string.Equals(value.ToString(), key, StringComparison.OrdinalIgnoreCase)) return value;
        throw Invalid(text, $"one of {ValidValues}");
    }

    /// <summary>ScatterAllgather -> scatter_allgather.</summary>
    internal static string SnakeCase(string name)
    {
        var s = new System.Text.StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) s.Append('_');
            s.Append(char.ToLowerInvariant(name[i]));
        }
        return s.ToString();
    }
}

/// <summary>Free text (a path, an address, a name), or one of a few words when <see cref="Allowed"/> is given.</summary>
internal sealed class TextParameter : Parameter
{
    public TextParameter(string name, string? defaultValue, string reason, ParameterOwner owner = ParameterOwner.User,
        IReadOnlyList<string>? allowed = null, string? defaultText = null, string? validValues = null)
        : base(name, defaultText ?? defaultValue ?? "unset", reason, owner)
    {
        if (allowed is not null && (defaultValue is null || !allowed.Contains(defaultValue, StringComparer.Ordinal)))
            throw new ArgumentException($"{name}: default {defaultValue} is not one of its values", nameof(defaultValue));
        Default = defaultValue;
        Allowed = allowed;
        _validValues = validValues;
    }

    private readonly string? _validValues;

    public string? Default { get; }

    /// <summary>The only values accepted (compared without case), or null for any text.</summary>
    public IReadOnlyList<string>? Allowed { get; }

    public override string TypeName => Allowed is null ? "string" : "choice";

    public override string ValidValues => Allowed is not null ? string.Join(", ", Allowed) : _validValues ?? "any text";

    /// <summary>The value (lower case when <see cref="Allowed"/> is given), or <see cref="Default"/> when unset.</summary>
    public string? Read(Func<string, string?>? environment = null)
    {
        string? text = RawValue(environment);
        return text is null ? Default : Parse(text);
    }

    public override void Validate(string text) => Parse(text);

    private string Parse(string text)
    {
        if (Allowed is null) return text;
        foreach (string word in Allowed)
            if (string.Equals(word, text, StringComparison.OrdinalIgnoreCase)) return word;
        throw Invalid(text, $"one of {ValidValues}");
    }
}
