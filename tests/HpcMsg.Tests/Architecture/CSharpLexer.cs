using System.Text;

namespace HpcMsg.Tests.Architecture;

/// <summary>What <see cref="CSharpLexer.Code"/> does with string and character literals.</summary>
internal enum Literals
{
    /// <summary>Kept as they are (the holes of interpolated strings too).</summary>
    Keep,

    /// <summary>Replaced by spaces, quotes and prefixes included; the code in an interpolated string's
    /// holes is kept (it is code), its own comments and literals treated as everywhere else.</summary>
    Blank,
}

/// <summary>
/// The small C# lexer of the source checks (<see cref="LayeringTests"/>, <see cref="ParameterReadTests"/>):
/// it returns the source with comments (<c>//</c> to the end of the line, <c>/* */</c>) replaced by
/// spaces and the literals kept or blanked (<see cref="Literals"/>), of the same length and with every
/// line break where it was, so that an index or a line number in the result is one in the source. It
/// follows regular, verbatim (<c>@"</c>, <c>""</c> inside), raw (three quotes or more, closed by as
/// many) and interpolated strings (<c>$"</c>, <c>$@"</c>, <c>$$"""</c>: a hole opens with as many braces
/// as there are dollars, <c>{{</c> is a brace in a <c>$"</c> string), with their holes lexed as code
/// (nested strings, comments, a format after a top-level colon), and character literals, so that a
/// "//" or a quote inside a literal is not taken for code. It does not check that the source is valid
/// C#: an unterminated literal or comment runs to the end of the source (a regular string or a
/// character literal to the end of its line).
/// </summary>
internal sealed class CSharpLexer
{
    private readonly string _s;
    private readonly bool _blank;
    private readonly StringBuilder _out;
    private int _i;

    private CSharpLexer(string source, Literals literals)
    {
        _s = source;
        _blank = literals == Literals.Blank;
        _out = new StringBuilder(source.Length);
    }

    /// <summary><paramref name="source"/> without its comments, its literals as <paramref name="literals"/> says.</summary>
    public static string Code(string source, Literals literals)
    {
        var lexer = new CSharpLexer(source, literals);
        lexer.CodeUntil(hole: false);
        return lexer._out.ToString();
    }

    private char At(int i) => (uint)i < (uint)_s.Length ? _s[i] : '\0';

    /// <summary>Code, up to the end of the source, or in a hole up to the <c>}</c> or the format's
    /// <c>:</c> that ends it (not consumed).</summary>
    private void CodeUntil(bool hole)
    {
        int depth = 0; // (, [ and { opened within the hole
        while (_i < _s.Length)
        {
            char c = _s[_i];
            char next = At(_i + 1);
            if (c == '/' && next == '/')
            {
                while (_i < _s.Length && _s[_i] is not ('\n' or '\r')) Blank(1);
            }
            else if (c == '/' && next == '*')
            {
                int end = _s.IndexOf("*/", _i + 2, StringComparison.Ordinal);
                Blank((end < 0 ? _s.Length : end + 2) - _i);
            }
            else if (c == '\'')
            {
                CharLiteral();
            }
            else if (c is '"' or '$' or '@' && StringStart() is { Quotes: > 0 } start)
            {
                StringLiteral(start);
            }
            else if (hole && depth == 0 && (c == '}' || (c == ':' && next != ':' && At(_i - 1) != ':')))
            {
                return;
            }
            else
            {
                if (c is '(' or '[' or '{') depth++;
                else if (c is ')' or ']' or '}' && depth > 0) depth--;
                Keep(1);
            }
        }
    }

    /// <summary>Copies <paramref name="n"/> characters of code.</summary>
    private void Keep(int n)
    {
        n = Math.Min(n, _s.Length - _i);
        _out.Append(_s, _i, n);
        _i += n;
    }

    /// <summary>Replaces <paramref name="n"/> characters by spaces, line breaks kept.</summary>
    private void Blank(int n)
    {
        for (int end = Math.Min(_i + n, _s.Length); _i < end; _i++)
            _out.Append(_s[_i] is '\n' or '\r' ? _s[_i] : ' ');
    }

    /// <summary><paramref name="n"/> characters of a literal: kept or blanked.</summary>
    private void Literal(int n)
    {
        if (_blank) Blank(n); else Keep(n);
    }

    private void CharLiteral()
    {
        int j = _i + 1;
        while (j < _s.Length && _s[j] is not ('\'' or '\n' or '\r')) j += _s[j] == '\\' ? 2 : 1;
        if (j < _s.Length && _s[j] == '\'') j++;
        Literal(Math.Min(j, _s.Length) - _i);
    }

    private readonly record struct Start(int Prefix, int Dollars, bool Verbatim, int Quotes);

    /// <summary>At the current character: the length of the $/@ prefix, the dollars, whether the string is
    /// verbatim, and its opening quotes (1, or 3 and more for a raw string); 0 quotes when no string
    /// starts here (a verbatim identifier such as <c>@class</c>).</summary>
    private Start StringStart()
    {
        int j = _i;
        int dollars = 0;
        bool verbatim = false;
        while (j < _s.Length && _s[j] is '$' or '@')
        {
            if (_s[j] == '$') dollars++; else verbatim = true;
            j++;
        }
        if (At(j) != '"') return default;
        int quotes = 0;
        while (At(j + quotes) == '"') quotes++;
        // "" is an empty string and @"""" a verbatim one holding a quote, not raw strings.
        return new Start(j - _i, dollars, verbatim, quotes >= 3 && !verbatim ? quotes : 1);
    }

    private void StringLiteral(Start start)
    {
        Literal(start.Prefix + start.Quotes);
        bool raw = start.Quotes >= 3;
        while (_i < _s.Length)
        {
            char c = _s[_i];
            char next = At(_i + 1);
            if (!raw && !start.Verbatim && c == '\\') { Literal(2); continue; }
            if (!raw && !start.Verbatim && c is '\n' or '\r') return; // unterminated: the line ends it
            if (c == '"')
            {
                if (!raw && start.Verbatim && next == '"') { Literal(2); continue; }
                int run = Run('"');
                if (run >= start.Quotes) { Literal(start.Quotes); return; }
                Literal(run);
                continue;
            }
            if (start.Dollars > 0 && c == '{')
            {
                int run = Run('{');
                if (!raw && run >= 2) { Literal(2); continue; } // {{ is a brace
                if (run < start.Dollars) { Literal(run); continue; }
                Literal(run); // the braces before the hole's own are content
                Hole(start);
                continue;
            }
            if (!raw && start.Dollars > 0 && c == '}' && next == '}') { Literal(2); continue; }
            Literal(1);
        }
    }

    /// <summary>A hole's code, its format if any, and its closing braces.</summary>
    private void Hole(Start start)
    {
        CodeUntil(hole: true);
        if (At(_i) == ':')
            while (_i < _s.Length && _s[_i] != '}' && (start.Quotes >= 3 || start.Verbatim || _s[_i] is not ('\n' or '\r'))) Literal(1);
        Literal(Math.Min(Run('}'), start.Dollars));
    }

    /// <summary>How many times <paramref name="c"/> repeats from the current character on.</summary>
    private int Run(char c)
    {
        int n = 0;
        while (At(_i + n) == c) n++;
        return n;
    }
}
