namespace HpcMsg.Tests.Architecture;

/// <summary>
/// <see cref="CSharpLexer"/> on the inputs that fool a scanner: "//" and "/*" inside strings, quotes in
/// character literals, verbatim and raw strings holding quotes, interpolated strings nested in holes,
/// holes of <c>$$"""</c> strings, formats, and line breaks. Each case gives the source and the expected
/// result with literals kept and with literals blanked (which must be as long as the source).
/// </summary>
public sealed class CSharpLexerTests
{
    private static void Lexes(string source, string kept, string blanked)
    {
        string k = CSharpLexer.Code(source, Literals.Keep);
        string b = CSharpLexer.Code(source, Literals.Blank);
        Assert.Equal(source.Length, k.Length);
        Assert.Equal(source.Length, b.Length);
        Assert.Equal(kept, k);
        Assert.Equal(blanked, b);
    }

    [Fact]
    public void Comments_are_blanked_and_line_breaks_kept()
    {
        Lexes("a; // b\nc; /* d\ne */ f;",
              "a;     \nc;     \n     f;",
              "a;     \nc;     \n     f;");
        Lexes("a; /* never closed\nb", "a;                \n ", "a;                \n ");
    }

    [Fact]
    public void A_comment_marker_inside_a_string_is_text()
    {
        Lexes("""s = "a // b /* c"; // d""",
              """s = "a // b /* c";     """,
              """s =              ;     """);
        Lexes("""s = "\" // still the string"; t""",
              """s = "\" // still the string"; t""",
              """s =                         ; t""");
    }

    [Fact]
    public void A_quote_in_a_character_literal_does_not_open_a_string()
    {
        Lexes("""c = '"'; d = '\''; e = '\\'; f(); // "x""",
              """c = '"'; d = '\''; e = '\\'; f();      """,
              """c =    ; d =     ; e =     ; f();      """);
    }

    [Fact]
    public void Verbatim_strings_double_their_quotes_and_do_not_escape()
    {
        Lexes("""s = @"a ""// b"" c:\" + F(); // x""",
              """s = @"a ""// b"" c:\" + F();     """,
              """s =                   + F();     """);
        Lexes("s = @\"one\ntwo // three\"; x", "s = @\"one\ntwo // three\"; x", "s =      \n             ; x");
        Lexes("@class = 1; // c", "@class = 1;     ", "@class = 1;     ");
    }

    [Fact]
    public void Raw_strings_hold_quotes_shorter_than_their_delimiter()
    {
        Lexes(""""s = """ a "" b " c // d """; e // f"""",
              """"s = """ a "" b " c // d """; e     """",
              """"s =                        ; e     """");
        Lexes("""""s = """" x """ y """"; z""""",
              """""s = """" x """ y """"; z""""",
              """""s =                  ; z""""");
        Lexes("s = \"\"\"\n  a \" /* b\n  \"\"\"; c", "s = \"\"\"\n  a \" /* b\n  \"\"\"; c", "s =    \n          \n     ; c");
        Lexes("""s = ""; t = "" + u; // v""", """s = ""; t = "" + u;     """, """s =   ; t =    + u;     """);
    }

    [Fact]
    public void The_code_in_interpolation_holes_is_code_and_holes_nest()
    {
        Lexes("""s = $"a {F($"b {G("c // d", 'e')} f")} g" + H(); // i""",
              """s = $"a {F($"b {G("c // d", 'e')} f")} g" + H();     """,
              """s =      F(     G(        ,    )    )     + H();     """);
        Lexes("""s = $"{{not a hole}} {x}"; // y""",
              """s = $"{{not a hole}} {x}";     """,
              """s =                   x  ;     """);
        Lexes("""s = $@"{a}""{b}"" c:\"; d""",
              """s = $@"{a}""{b}"" c:\"; d""",
              """s =     a    b        ; d""");
    }

    [Fact]
    public void A_hole_ends_at_its_brace_or_its_format_and_not_inside_its_own_braces()
    {
        Lexes("""s = $"{x:N2} {y,5} {(c ? a : b)} {global::M.P} {new[] { 1 }[0]}"; z""",
              """s = $"{x:N2} {y,5} {(c ? a : b)} {global::M.P} {new[] { 1 }[0]}"; z""",
              """s =    x      y,5   (c ? a : b)   global::M.P   new[] { 1 }[0]  ; z""");
        Lexes("""s = $"{x /* c } */}"; y""",
              """s = $"{x          }"; y""",
              """s =    x            ; y""");
    }

    [Fact]
    public void Raw_interpolated_strings_open_holes_with_as_many_braces_as_dollars()
    {
        Lexes(""""s = $$"""{ "json" } {{x}} {{{y}}}"""; z"""",
              """"s = $$"""{ "json" } {{x}} {{{y}}}"""; z"""",
              """"s =                   x      y      ; z"""");
        Lexes(""""s = $"""a "" {F("//")} b"""; c"""",
              """"s = $"""a "" {F("//")} b"""; c"""",
              """"s =           F(    )      ; c"""");
    }

    [Fact]
    public void An_unterminated_regular_string_or_character_literal_ends_with_its_line()
    {
        Lexes("s = \"never closed\nF(); // x", "s = \"never closed\nF();     ", "s =              \nF();     ");
        Lexes("c = 'x\nG();", "c = 'x\nG();", "c =   \nG();");
    }
}
